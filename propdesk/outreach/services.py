"""Proactive-visit writes (VIS-7): the project's quotas and the visit record.

    outreach_policy_set(project=…, by=…, department_quota=…, assistant_quota=…, …)
    proactive_visit_record(project=…, house=…, by=…, visited_on=…, method=…, satisfaction=…, …)

An opinion raised during a visit enters the complaint/suggestion flow: the visit logs a
contact through `desk.services.contact_log`, which opens the ticket, and keeps the link.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.accounts.models import Membership
from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.core.errors import DomainError
from propdesk.desk.choices import Channel, Department, EventKind
from propdesk.estate.models import House, Project
from propdesk.outreach.choices import ROLE_DEPARTMENTS, OpinionKind, OutreachMethod, Satisfaction
from propdesk.outreach.models import OutreachPolicy, ProactiveVisit
from propdesk.residents.models import Person

# --- the policy -----------------------------------------------------------------------------


def outreach_policy(project: Project | int) -> OutreachPolicy:
    """The project's policy; the defaults (VIS-7: 10 / 20 a month, ARC-6: 2–7 days) when it has none."""
    project_id = getattr(project, "pk", project)
    return OutreachPolicy.objects.filter(project_id=project_id).first() or OutreachPolicy(project_id=project_id)


_POLICY_FIELDS = (
    "department_quota",
    "assistant_quota",
    "recent_days",
    "birthday_from",
    "birthday_to",
    "festival_ahead",
    "greeting_template",
)


@transaction.atomic
def outreach_policy_set(*, project: Project, by, **values) -> OutreachPolicy:
    """Set the project's quotas and care windows (VIS-7, ARC-6); fields not given keep their value."""
    scoping.require(by, Cap.VISIT_MANAGE, project.pk)
    unknown = set(values) - set(_POLICY_FIELDS)
    if unknown:
        raise ValueError(f"unknown policy fields: {sorted(unknown)}")
    policy = OutreachPolicy.objects.select_for_update().filter(project=project).first() or OutreachPolicy(project=project)
    for name, value in values.items():
        setattr(policy, name, value)
    for name in ("department_quota", "assistant_quota", "recent_days"):
        if not getattr(policy, name) or getattr(policy, name) < 1:
            raise DomainError("outreach_quota_invalid", _("访问指标和天数须为正整数"), field=name, rule="VIS-7")
    if policy.birthday_from > policy.birthday_to:
        raise DomainError("care_window_invalid", _("生日提前天数：起始不能大于截止"), field="birthday_from", rule="ARC-6")
    try:
        policy.greeting_template.format(name="", occasion="", project="", phone="")
    except (KeyError, IndexError, ValueError):
        raise DomainError(
            "care_template_invalid",
            _("问候模板只能使用 {name}、{occasion}、{project}、{phone} 占位符"),
            field="greeting_template",
            rule="ARC-6",
        ) from None
    policy.updated_by, policy.updated_at = by, timezone.now()
    policy.save()
    return policy


# --- visits ---------------------------------------------------------------------------------


def default_department(user, project_id: int) -> str:
    """The department a staff member's visits count for: from their role in the project."""
    roles = Membership.objects.filter(user=user, project_id=project_id).values_list("role", flat=True)
    for role in roles:
        if role in ROLE_DEPARTMENTS:
            return ROLE_DEPARTMENTS[role]
    return Department.CUSTOMER_SERVICE


def _is_staff_of(user, project_id: int) -> bool:
    return user is not None and not user.is_resident and scoping.has_cap(user, Cap.HOUSE_VIEW, project_id)


@transaction.atomic
def proactive_visit_record(
    *,
    project: Project,
    house: House,
    by,
    visited_on: dt.date,
    method: str,
    satisfaction: int,
    visitor=None,
    person: Person | None = None,
    department: str = "",
    appointment_at: dt.datetime | None = None,
    entered_home: bool = False,
    companion=None,
    opinions: str = "",
    opinion_kind: str = "",
    opinion_category: str = "",
    note: str = "",
) -> ProactiveVisit:
    """Record a proactive visit (访问客户, VIS-7). One records one's own visits; a
    supervisor or PM (VISIT_MANAGE) may record another visitor's. A home visit is made by
    appointment, and entering the home takes a second staff member. An opinion to be
    handled (`opinion_kind` complaint or suggestion) opens a ticket linked to the visit."""
    scoping.require(by, Cap.VISIT_RECORD, project.pk)
    visitor = visitor or by
    if visitor != by and not scoping.has_cap(by, Cap.VISIT_MANAGE, project.pk):
        raise DomainError(
            "outreach_not_yours", _("只能记录本人的访问；客服主管、项目经理可代为记录"), field="visitor", rule="VIS-7"
        )
    if not scoping.has_cap(visitor, Cap.VISIT_RECORD, project.pk):
        raise DomainError("outreach_visitor_invalid", _("访问人须为本项目可访问客户的员工"), field="visitor", rule="VIS-7")
    if house.project_id != project.pk:
        raise DomainError("outreach_house_project", _("房屋不属于该项目"), field="house")
    if person is not None and person.project_id != project.pk:
        raise DomainError("outreach_person_project", _("受访客户不属于该项目"), field="person")
    today = timezone.localdate()
    if visited_on > today:
        raise DomainError("outreach_date_future", _("访问日期不能晚于今天"), field="visited_on")
    if method not in OutreachMethod.values:
        raise DomainError("outreach_method_invalid", _("请选择访问方式"), field="method", rule="VIS-7")
    if satisfaction not in Satisfaction.values:
        raise DomainError("outreach_satisfaction_invalid", _("请选择客户满意度"), field="satisfaction", rule="VIS-7")
    if department and department not in Department.values:
        raise DomainError("outreach_department_invalid", _("访问部门无效"), field="department")
    if method == OutreachMethod.HOME and appointment_at is None:
        raise DomainError(
            "outreach_appointment_required", _("上门访问须先预约：请填写预约时间"), field="appointment_at", rule="VIS-7"
        )
    if entered_home and method != OutreachMethod.HOME:
        raise DomainError("outreach_entered_home_method", _("只有预约上门访问才会进入室内"), field="entered_home", rule="VIS-7")
    if entered_home:
        if companion is None:
            raise DomainError(
                "outreach_companion_required", _("进入住户室内须两名员工同行：请选择同行人员"), field="companion", rule="VIS-7"
            )
        if companion == visitor or not _is_staff_of(companion, project.pk):
            raise DomainError("outreach_companion_invalid", _("同行人员须为本项目的另一名员工"), field="companion", rule="VIS-7")
    elif companion is not None and (companion == visitor or not _is_staff_of(companion, project.pk)):
        raise DomainError("outreach_companion_invalid", _("同行人员须为本项目的另一名员工"), field="companion", rule="VIS-7")
    opinions = opinions.strip()
    if opinion_kind not in OpinionKind.values:
        raise DomainError("outreach_opinion_kind_invalid", _("意见处理方式无效"), field="opinion_kind", rule="VIS-7")
    if opinion_kind and not opinions:
        raise DomainError("outreach_opinion_required", _("转为投诉或建议时请填写客户意见和建议"), field="opinions", rule="VIS-7")

    visit = ProactiveVisit.objects.create(
        project=project,
        house=house,
        person=person,
        visitor=visitor,
        department=department or default_department(visitor, project.pk),
        visited_on=visited_on,
        method=method,
        appointment_at=appointment_at if method == OutreachMethod.HOME else None,
        entered_home=entered_home,
        companion=companion,
        opinions=opinions,
        opinion_kind=opinion_kind,
        satisfaction=satisfaction,
        note=note.strip(),
        recorded_by=by,
    )
    if opinion_kind:
        _open_opinion_ticket(visit, by=by, category=opinion_category)
    return visit


def _open_opinion_ticket(visit: ProactiveVisit, *, by, category: str) -> None:
    """VIS-7: the opinion enters the complaint/suggestion flow — logged as a contact of the
    household that opens a ticket (desk services), linked to the visit."""
    from propdesk.desk.services import contact_log, event_record

    kind = OpinionKind(visit.opinion_kind)
    title = visit.opinions.splitlines()[0][:60]
    contact = contact_log(
        project=visit.project,
        channel=Channel.PHONE if visit.method == OutreachMethod.PHONE else Channel.VISIT,
        content=_("主动访问时客户提出：%(o)s") % {"o": visit.opinions},
        by=by,
        person=visit.person,
        house=visit.house,
        ticket={"type": kind.value, "title": title, "description": visit.opinions, "category": category},
    )
    event_record(
        contact.ticket,
        EventKind.COMMENT,
        by=by,
        note=_("%(d)s 主动访问（%(m)s）时客户提出，访问人 %(v)s")
        % {"d": visit.visited_on.isoformat(), "m": visit.get_method_display(), "v": visit.visitor},
    )
    visit.ticket = contact.ticket
    visit.save(update_fields=["ticket"])
