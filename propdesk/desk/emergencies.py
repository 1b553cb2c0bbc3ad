"""Emergencies (紧急求助, DESK-7) and the duty roster (值班表).

Opening an emergency ticket is the one click: `emergency_raise` (called by
desk.services.ticket_open) finds the plan for its kind (INC-4), hands the ticket to the
plan's department, notifies whoever is on duty there — and the supervisor and PM, since
an emergency is reported up the line at once (INC-2) — and copies the plan's checklist
onto the ticket. Its SLA clocks start with the ticket like any other's. Afterwards the
handlers tick the steps, record what the caller was told, and write the summary without
which the emergency cannot be marked done (INC-4)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.accounts.roles import Cap, Role
from propdesk.core import scoping
from propdesk.core.errors import DomainError
from propdesk.desk.choices import DEPARTMENT_ROLES, Department, EmergencyKind, EmergencyStep, EventKind, TicketType
from propdesk.desk.models import DutyShift, EmergencyCheck, EmergencyDetail, EmergencyPlan, Ticket
from propdesk.desk.services import event_record, may_work_on
from propdesk.estate.models import Project

User = get_user_model()

# INC-2: an emergency is reported up the line at once.
UP_THE_LINE = (Role.SUPERVISOR, Role.MANAGER)
# The longest shift one entry may record; longer presence is several shifts.
MAX_SHIFT = dt.timedelta(hours=24)
MAX_REPEAT_DAYS = 31


# --- plans -----------------------------------------------------------------------------------


def plan_for(project_id: int, kind: str) -> EmergencyPlan | None:
    """The project's own plan for `kind`, else the company-wide one."""
    plans = EmergencyPlan.objects.filter(Q(project_id=project_id) | Q(project__isnull=True), kind=kind)
    return min(plans, key=lambda plan: plan.project_id is None, default=None)


def plans_for(project_id: int) -> list[EmergencyPlan]:
    """The plan in force for every kind in a project (kinds without a plan left out)."""
    plans = [plan_for(project_id, kind) for kind in EmergencyKind.values]
    return [plan for plan in plans if plan is not None]


# --- the duty roster -------------------------------------------------------------------------


def on_duty(project_id: int, department: str, at: dt.datetime | None = None) -> QuerySet:
    """Active staff whose shift for `department` covers `at` (default now)."""
    at = at or timezone.now()
    shifts = DutyShift.objects.filter(project_id=project_id, department=department, starts_at__lte=at, ends_at__gt=at)
    return User.objects.filter(pk__in=shifts.values("user_id"), is_active=True).order_by("pk")


def responders(project_id: int, department: str, at: dt.datetime | None = None) -> tuple[list, list]:
    """Whom an emergency notifies: (the department's people, those up the line). The
    department's people are those on duty; with nobody on the roster, everyone of the
    department's roles in the project, so that an empty roster never silences an alarm."""
    from propdesk.notifications.selectors import staff_with_role

    duty = list(on_duty(project_id, department, at))
    if not duty:
        duty = list(staff_with_role(project_id, DEPARTMENT_ROLES.get(department, ()), company_wide=False))
    line = [user for user in staff_with_role(project_id, UP_THE_LINE, company_wide=False) if user not in duty]
    return duty, line


def _check_shift_user(project: Project, user) -> None:
    if user.kind != User.Kind.STAFF or not user.is_active or not scoping.has_cap(user, Cap.TICKET_VIEW, project.pk):
        raise DomainError("duty_user_invalid", _("值班人必须是本项目在职员工"), field="user", rule="DESK-7")


@transaction.atomic
def duty_shift_add(
    *, project: Project, department: str, user, starts_at: dt.datetime, ends_at: dt.datetime, by, repeat_days: int = 1
) -> list[DutyShift]:
    """Put `user` on duty for `department` from `starts_at` to `ends_at`, and the same
    hours on each of the following `repeat_days - 1` days."""
    scoping.require(by, Cap.TICKET_DISPATCH, project.pk)
    if department not in Department.values:
        raise DomainError("duty_department_invalid", _("部门无效"), field="department")
    _check_shift_user(project, user)
    if ends_at <= starts_at:
        raise DomainError("duty_shift_order", _("结束时间必须晚于开始时间"), field="ends_at")
    if ends_at - starts_at > MAX_SHIFT:
        raise DomainError("duty_shift_too_long", _("一个班次不能超过 24 小时，请分成多个班次"), field="ends_at")
    if not 1 <= repeat_days <= MAX_REPEAT_DAYS:
        raise DomainError(
            "duty_repeat_invalid", _("连续天数应在 1 到 %(n)d 天之间") % {"n": MAX_REPEAT_DAYS}, field="repeat_days"
        )
    now = timezone.now()
    shifts = [
        DutyShift(
            project=project,
            department=department,
            user=user,
            starts_at=starts_at + dt.timedelta(days=day),
            ends_at=ends_at + dt.timedelta(days=day),
            created_by=by,
            created_at=now,
        )
        for day in range(repeat_days)
    ]
    return DutyShift.objects.bulk_create(shifts)


@transaction.atomic
def duty_shift_remove(*, shift: DutyShift, by) -> None:
    """Take a shift that has not started off the roster; a shift that has begun is a
    fact emergencies may already have relied on, and stays."""
    scoping.require(by, Cap.TICKET_DISPATCH, shift.project_id)
    if shift.starts_at <= timezone.now():
        raise DomainError("duty_shift_started", _("已开始的班次不能删除"), field="shift")
    shift.delete()


# --- one emergency ---------------------------------------------------------------------------


def _detail(ticket: Ticket) -> EmergencyDetail:
    if ticket.type != TicketType.EMERGENCY:
        raise DomainError("not_an_emergency", _("该工单不是紧急求助"), field="ticket")
    detail = EmergencyDetail.objects.select_for_update().get(ticket=ticket)
    detail.ticket = ticket
    return detail


def _link(ticket: Ticket) -> str:
    return f"/desk/tickets/{ticket.pk}/"


def emergency_raise(*, ticket: Ticket, by) -> EmergencyDetail:
    """The one click of DESK-7, run inside ticket_open for an emergency: plan, department,
    notifications (urgent: in-app, SMS and WeChat), checklist — all in the ticket's
    transaction."""
    from propdesk.notifications.services import notify

    plan = plan_for(ticket.project_id, ticket.category)
    if not ticket.department:
        ticket.department = plan.department if plan else Department.SECURITY
        ticket.save(update_fields=["department"])
    now = timezone.now()
    duty, line = responders(ticket.project_id, ticket.department, now)
    detail = EmergencyDetail.objects.create(ticket=ticket, plan=plan, notified_at=now)
    detail.responders.set([*duty, *line])
    EmergencyCheck.objects.bulk_create(
        EmergencyCheck(ticket=ticket, position=n, text=text[:300]) for n, text in enumerate(plan.step_list if plan else [], 1)
    )
    kind = EmergencyKind(ticket.category).label
    notify(
        recipients=[*duty, *line],
        kind="emergency",
        title=_("紧急求助：%(kind)s｜%(place)s") % {"kind": kind, "place": ticket.place},
        body=_("%(title)s。报告人：%(who)s %(phone)s。请立即到场处置（工单 %(number)s）。")
        % {"title": ticket.title, "who": ticket.reporter_name, "phone": ticket.reporter_phone, "number": ticket.number},
        link=_link(ticket),
        project=ticket.project,
        urgent=True,
        channels=("in_app", "sms", "wechat"),
        dedupe_key=f"emergency:{ticket.pk}",
    )
    names = "、".join(str(user) for user in duty) or _("（本部门无人可通知）")
    event_record(
        ticket,
        EventKind.EMERGENCY,
        by=by,
        after={"step": EmergencyStep.NOTIFIED, "department": ticket.department},
        note=_("已通知%(dept)s：%(names)s；并报%(line)s")
        % {
            "dept": Department(ticket.department).label,
            "names": names,
            "line": "、".join(str(user) for user in line) or _("（无主管/项目经理）"),
        },
    )
    return detail


def _require_handler(by, detail: EmergencyDetail) -> None:
    """The ticket's handlers, its dispatchers, and everyone the alarm reached."""
    if not (may_work_on(by, detail.ticket) or detail.responders.filter(pk=by.pk).exists()):
        raise DomainError("emergency_not_yours", _("只有处置人员、已通知人员或派单员可以记录处置情况"), field="ticket")


@transaction.atomic
def emergency_check(*, ticket: Ticket, position: int, by) -> EmergencyCheck:
    """Tick one step of the plan's checklist; ticking it again changes nothing."""
    _require_handler(by, _detail(ticket))
    check = EmergencyCheck.objects.select_for_update().filter(ticket=ticket, position=position).first()
    if check is None:
        raise DomainError("emergency_step_missing", _("预案中没有第 %(n)s 步") % {"n": position}, field="position", rule="INC-4")
    if check.done_at is None:
        check.done_at, check.done_by = timezone.now(), by
        check.save(update_fields=["done_at", "done_by"])
        event_record(
            ticket,
            EventKind.EMERGENCY,
            by=by,
            after={"step": EmergencyStep.CHECKED, "position": position},
            note=f"{position}. {check.text}",
        )
    return check


@transaction.atomic
def emergency_inform_caller(*, ticket: Ticket, note: str, by) -> None:
    """Record what the caller was told and when (DESK-7: the caller is kept informed)."""
    _require_handler(by, _detail(ticket))
    if not note.strip():
        raise DomainError("emergency_inform_note", _("请填写告知来电人的内容"), field="note", rule="DESK-7")
    event_record(ticket, EventKind.EMERGENCY, by=by, after={"step": EmergencyStep.CALLER_INFORMED}, note=note.strip())


@transaction.atomic
def emergency_summarise(*, ticket: Ticket, summary: str, by) -> EmergencyDetail:
    """The written summary after the event (INC-4): time, place, course, handling and
    result. Written once; additions afterwards are comments on the ticket."""
    detail = _detail(ticket)
    _require_handler(by, detail)
    if detail.summary:
        raise DomainError("emergency_summary_exists", _("书面总结已填写，补充内容请写在备注中"), field="summary", rule="INC-4")
    if len(summary.strip()) < 10:
        raise DomainError(
            "emergency_summary_short", _("书面总结至少 10 个字：时间、地点、经过、处理及结果"), field="summary", rule="INC-4"
        )
    detail.summary, detail.summary_at, detail.summary_by = summary.strip(), timezone.now(), by
    detail.save(update_fields=["summary", "summary_at", "summary_by"])
    event_record(ticket, EventKind.EMERGENCY, by=by, after={"step": EmergencyStep.SUMMARY}, note=detail.summary)
    return detail


def check_may_resolve(ticket: Ticket) -> None:
    """INC-4: an emergency is done only with its written summary."""
    if not EmergencyDetail.objects.filter(ticket=ticket).exclude(summary="").exists():
        raise DomainError("emergency_summary_required", _("紧急求助须先填写书面总结才能办结"), field="summary", rule="INC-4")
