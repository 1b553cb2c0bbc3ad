"""Return-visit writes (VIS-1…6, CMP-9, CMP-10, REP-8): one transactional function per
business operation.

    visit_policies_install(complaints="002", repairs="standard", project=None)
    visits_schedule_for(ticket)        ← desk.services.ticket_transition, on CLOSED
    visits_schedule_move_ins(today=…)  ← tasks.schedule (hourly): new residents (VIS-3)
    visit_schedule_move_in(occupancy=…)
    visits_schedule_midterms(now=…)    ← tasks.schedule: long special services (VIS-3)
    visit_schedule_midterm(ticket=…)
    activity_create(project=…, title=…, held_on=…, by=…)   ← community activities (VIS-1, VIS-4)
    activity_participants_add(activity=…, houses=…, by=…)
    activity_close(activity=…, by=…)  → ≥30% of the households visited within a month
    visit_record(visit=…, by=…, method=…, handled=…, satisfied=…, scores…)
    visit_review(visit=…, by=…, note=…)

Sampling is deterministic quota sampling: the n-th closed ticket of a project under a
policy is visited iff ceil(n·p) > ceil((n−1)·p). After n closed tickets exactly ceil(n·p)
have been drawn — never fewer than the rate, at every moment, and exactly the rate when
n·p is whole (1,000 repairs at 60% → 600 visits). The same rule draws the in-person share
of the visits and the CMP-10 audit sample.
"""

from __future__ import annotations

import calendar as monthcal
import datetime as dt

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.accounts.roles import Cap, Role
from propdesk.core import scoping
from propdesk.core.errors import DomainError
from propdesk.core.numbering import next_value
from propdesk.core.uploads import check_scan
from propdesk.core.workcalendar import WorkingCalendar
from propdesk.desk.choices import Channel, EventKind, Priority, Status, TicketType
from propdesk.desk.models import Ticket, WorkOrder
from propdesk.followup.choices import (
    ACTIVITY,
    CALENDAR_MONTHS,
    DEFAULT_HEAD_ROLE,
    DEPARTMENT_HEAD_ROLES,
    FALLBACK_ROLES,
    MOVE_IN,
    SCORE_MAX,
    SCORE_MIN,
    SIGNED_METHODS,
    VisitMethod,
    VisitorRule,
    VisitPurpose,
    VisitStatus,
)
from propdesk.followup.models import ActivityParticipant, CommunityActivity, ReturnVisit, ReturnVisitPolicy, VisitDraw
from propdesk.followup.presets import (
    AUDIT_DELAY_DAYS,
    MOVE_IN_LOOKBACK_DAYS,
    MOVE_IN_ROLES,
    WARN_HOUR,
    WARN_MINUTE,
    preset_visit_policies,
)
from propdesk.notifications.selectors import staff_with_role
from propdesk.sla.arithmetic import deadline_for
from propdesk.sla.choices import BUSINESS_UNITS, Unit

# --- sampling ------------------------------------------------------------------------------


def quota_hit(n: int, percent: int) -> bool:
    """Whether the n-th item (1-based) of a sequence sampled at `percent` is drawn:
    ceil(n·p) > ceil((n−1)·p), in integers. The first n items hold exactly ceil(n·p/100)."""
    if n < 1:
        raise ValueError("n is 1-based")
    return -(-n * percent // 100) > -(-(n - 1) * percent // 100)


def _draw(
    ticket: Ticket | None,
    purpose: str,
    policy: ReturnVisitPolicy | None,
    percent: int,
    key: str,
    *,
    occupancy=None,
    activity=None,
    house=None,
) -> bool:
    """Draw `ticket` (or a move-in's `occupancy`, or an `activity`'s `house`) once for
    `purpose` from the project's `key` sequence; one drawn (or passed over) before keeps
    its answer."""
    if ticket is not None:
        subject = {"ticket": ticket}
    elif activity is not None:
        subject = {"activity": activity, "house": house}
    else:
        subject = {"occupancy": occupancy}
    earlier = VisitDraw.objects.filter(purpose=purpose, **subject).first()
    if earlier is not None:
        return earlier.drawn
    project_id = (ticket or occupancy or activity).project_id
    seq = next_value(project_id=project_id, key=key)
    drawn = quota_hit(seq, percent)
    VisitDraw.objects.create(project_id=project_id, purpose=purpose, policy=policy, seq=seq, drawn=drawn, **subject)
    return drawn


# --- policies ------------------------------------------------------------------------------


def policy_for(ticket: Ticket) -> ReturnVisitPolicy | None:
    """The active policy for the ticket: the project's own before the company's, a
    category's before the type's catch-all."""
    candidates = ReturnVisitPolicy.objects.filter(
        Q(project_id=ticket.project_id) | Q(project__isnull=True),
        active=True,
        ticket_type=ticket.type,
        category__in=[ticket.category, ""] if ticket.category else [""],
    )
    ranked = sorted(candidates, key=lambda p: (p.project_id is None, p.category == ""))
    return ranked[0] if ranked else None


@transaction.atomic
def visit_policies_install(*, complaints: str = "002", repairs: str = "standard", project=None) -> int:
    """Install the preset policies (presets.py) for the company (project None) or one
    project. Idempotent: a policy for the same type × category is updated in place (its
    sampling sequence goes on); one for a category the chosen variant does not have is
    retired. Returns the number of active preset policies."""
    project_id = getattr(project, "pk", project)
    try:
        specs = preset_visit_policies(complaints=complaints, repairs=repairs)
    except ValueError:
        raise DomainError("visit_preset_unknown", _("未知的回访预设"), field="variant") from None
    scope = ReturnVisitPolicy.objects.filter(project_id=project_id, active=True)
    wanted = {(s.ticket_type, s.category) for s in specs}
    types = {s.ticket_type for s in specs}
    for stale in scope.filter(ticket_type__in=types):
        if (stale.ticket_type, stale.category) not in wanted:
            stale.active = False
            stale.save(update_fields=["active"])
    preset = f"{complaints}/{repairs}"
    for spec in specs:
        values = {
            "name": spec.name,
            "delay": spec.delay,
            "delay_unit": spec.unit,
            "coverage_percent": spec.coverage,
            "in_person_percent": spec.in_person,
            "visitor": spec.visitor,
            "audit_percent": spec.audit,
            "audit_in_person_percent": spec.audit_in_person,
            "midterm_after_days": spec.midterm_after_days,
            "preset": preset,
            "rules": spec.rules,
        }
        current = scope.filter(ticket_type=spec.ticket_type, category=spec.category).first()
        if current is None:
            ReturnVisitPolicy.objects.create(
                project_id=project_id, ticket_type=spec.ticket_type, category=spec.category, **values
            )
        else:
            for field, value in values.items():
                setattr(current, field, value)
            current.save()
    return len(specs)


# --- scheduling ----------------------------------------------------------------------------


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months later (the month's last day when it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, monthcal.monthrange(year, month)[1]))


def _due(ticket: Ticket, *, start: dt.datetime, amount: int, unit: str, project=None) -> dt.datetime:
    """The due time `amount` `unit`s after `start` — working days on the project's
    calendar; calendar months end at the close of that day (VIS-3 "one month after")."""
    project = project if project is not None else ticket.project
    if unit == CALENDAR_MONTHS:
        local = timezone.localtime(start)
        day = add_months(local.date(), amount)
        return dt.datetime.combine(day, dt.time(23, 59), tzinfo=local.tzinfo)
    calendar = WorkingCalendar.for_project(project) if unit in BUSINESS_UNITS else None
    deadline, _budget = deadline_for(unit=unit, amount=amount, start=start, calendar=calendar)
    return deadline


def warn_time(due_at: dt.datetime, created_at: dt.datetime) -> dt.datetime:
    """When the visitor is reminded of a visit (the visit clock): the morning of the due
    day at WARN_HOUR:WARN_MINUTE local time — the morning before when it is due earlier
    than that — and never before the visit exists."""
    local = timezone.localtime(due_at)
    morning = local.replace(hour=WARN_HOUR, minute=WARN_MINUTE, second=0, microsecond=0)
    if morning >= due_at:
        morning -= dt.timedelta(days=1)
    return max(morning, created_at)


def _least_busy(project_id: int, roles) -> object | None:
    """The project's staff member holding one of `roles` with the fewest visits to do."""
    for role in roles:
        user = (
            staff_with_role(project_id, role, company_wide=False)
            .annotate(todo=Count("return_visits", filter=Q(return_visits__status=VisitStatus.PLANNED)))
            .order_by("todo", "pk")
            .first()
        )
        if user is not None:
            return user
    return None


def visitor_roles(ticket: Ticket | None, rule: str) -> tuple[str, ...]:
    """Whom a visit goes to (VIS-5, CMP-9), most wanted first: important and major
    complaints and move-ins to the PM; other complaints to the head of the complained
    department (customer service: the CS supervisor; the other departments have no head
    role, so the PM); services and repairs to an assistant."""
    if rule == VisitorRule.COMPLAINT_RULE and ticket is not None and ticket.type == TicketType.COMPLAINT:
        if ticket.priority in (Priority.IMPORTANT, Priority.MAJOR):
            first = Role.MANAGER
        else:
            detail = getattr(ticket, "complaint", None)
            department = (detail.complained_department if detail else "") or ticket.department
            first = DEPARTMENT_HEAD_ROLES.get(department, DEFAULT_HEAD_ROLE) if department else Role.SUPERVISOR
    elif rule in (VisitorRule.SUPERVISOR, VisitorRule.MANAGER):
        first = rule
    else:
        first = Role.ASSISTANT
    return (first, *(r for r in FALLBACK_ROLES if r != first))


def clock_fields(due_at: dt.datetime, created_at: dt.datetime) -> dict:
    """A new visit's clock: the reminder time and the first check of the sweep."""
    warn_at = warn_time(due_at, created_at)
    return {"warn_at": warn_at, "next_check_at": min(warn_at, due_at)}


def _create_visit(
    ticket: Ticket | None,
    *,
    purpose: str,
    round: int,
    policy,
    due_at,
    visitor_rule: str,
    in_person: bool,
    rules: str,
    occupancy=None,
    activity=None,
    house=None,
):
    subject = ticket or occupancy or activity
    if ticket is not None:
        lookup = {"ticket": ticket, "round": round}
    elif activity is not None:
        lookup = {"activity": activity, "house": house}
    else:
        lookup = {"occupancy": occupancy}
    now = timezone.now()
    visit, _created = ReturnVisit.objects.get_or_create(
        purpose=purpose,
        **lookup,
        defaults={
            "project_id": subject.project_id,
            "policy": policy,
            "house_id": house.pk if house is not None else subject.house_id,
            "visitor": _least_busy(subject.project_id, visitor_roles(ticket, visitor_rule)),
            "in_person_required": in_person,
            "created_at": now,
            "due_at": due_at,
            "rules": rules,
            **clock_fields(due_at, now),
        },
    )
    return visit


@transaction.atomic
def visits_schedule_for(ticket: Ticket) -> list[ReturnVisit]:
    """Schedule the return visits of a ticket that has just closed (VIS-1, VIS-3…5,
    CMP-9, CMP-10, REP-8); called by desk.services.ticket_transition. Idempotent: a
    ticket is drawn once per purpose; closing again after a visit sent it back schedules
    one recheck visit (复访) per send-back."""
    if ticket.status != Status.CLOSED:
        return []
    policy = policy_for(ticket)
    if policy is None:
        return []
    now = ticket.closed_at or timezone.now()
    visits = []
    sent_back = ticket.return_visits.filter(sent_back_at__isnull=False).order_by("-round").first()
    if sent_back is not None and not ticket.return_visits.filter(round__gt=sent_back.round).exists():
        visits.append(
            _create_visit(
                ticket,
                purpose=VisitPurpose.RECHECK,
                round=sent_back.round + 1,
                policy=policy,
                due_at=_due(ticket, start=now, amount=policy.delay, unit=policy.delay_unit),
                visitor_rule=policy.visitor,
                in_person=sent_back.in_person_required,
                rules="VIS-6",
            )
        )
    if _draw(ticket, VisitPurpose.ROUTINE, policy, policy.coverage_percent, f"visit:{policy.pk}"):
        in_person = bool(policy.in_person_percent) and _draw_in_person(
            ticket, policy.in_person_percent, f"visit-person:{policy.pk}"
        )
        visits.append(
            _create_visit(
                ticket,
                purpose=VisitPurpose.ROUTINE,
                round=1,
                policy=policy,
                due_at=_due(ticket, start=now, amount=policy.delay, unit=policy.delay_unit),
                visitor_rule=policy.visitor,
                in_person=in_person,
                rules=policy.rules,
            )
        )
    audited = ticket.type == TicketType.COMPLAINT and policy.audit_percent
    if audited and _draw(ticket, VisitPurpose.AUDIT, policy, policy.audit_percent, "visit-audit"):
        in_person = _draw_in_person(ticket, policy.audit_in_person_percent, "visit-audit-person")
        visits.append(
            _create_visit(
                ticket,
                purpose=VisitPurpose.AUDIT,
                round=1,
                policy=policy,
                due_at=_due(ticket, start=now, amount=AUDIT_DELAY_DAYS, unit=Unit.CALENDAR_DAYS),
                visitor_rule=VisitorRule.SUPERVISOR,
                in_person=in_person,
                rules="CMP-10",
            )
        )
    return visits


def _draw_in_person(ticket: Ticket, percent: int, key: str) -> bool:
    """The in-person share among the drawn visits, by the same quota rule: at least
    `percent` of them at every moment (CMP-10: ≥30% of the audit visits)."""
    if percent <= 0:
        return False
    return quota_hit(next_value(project_id=ticket.project_id, key=key), percent)


# --- new residents and long services (VIS-3) -------------------------------------------------


def move_in_policy(project_id: int) -> ReturnVisitPolicy | None:
    """The active new-resident policy: the project's own before the company's."""
    candidates = ReturnVisitPolicy.objects.filter(
        Q(project_id=project_id) | Q(project__isnull=True), active=True, ticket_type=MOVE_IN
    )
    return min(candidates, key=lambda p: p.project_id is None, default=None)


@transaction.atomic
def visit_schedule_move_in(*, occupancy) -> ReturnVisit | None:
    """The new-resident visit of a household's move-in (VIS-3, VIS-4, VIS-5): due one
    calendar month after the occupancy starts, to the PM, at the policy's rate (100% in
    the preset). Idempotent: an occupancy is drawn once."""
    if occupancy.role not in MOVE_IN_ROLES:
        return None
    policy = move_in_policy(occupancy.project_id)
    if policy is None:
        return None
    if not _draw(None, VisitPurpose.MOVE_IN, policy, policy.coverage_percent, f"visit:{policy.pk}", occupancy=occupancy):
        return None
    start = dt.datetime.combine(occupancy.start_date, dt.time(0, 0), tzinfo=timezone.get_current_timezone())
    return _create_visit(
        None,
        occupancy=occupancy,
        purpose=VisitPurpose.MOVE_IN,
        round=1,
        policy=policy,
        due_at=_due(None, start=start, amount=policy.delay, unit=policy.delay_unit, project=occupancy.project),
        visitor_rule=policy.visitor,
        in_person=False,
        rules=policy.rules,
    )


def visits_schedule_move_ins(*, today: dt.date | None = None) -> list[ReturnVisit]:
    """The hourly sweep for new residents (VIS-3): every owner's or tenant's occupancy
    started in the last MOVE_IN_LOOKBACK_DAYS days (not in the future, not ended) and
    not drawn yet gets its visit. Reading the occupancies, not hooking the services that
    write them, covers every way a move-in is recorded (the desk, an import, a transfer);
    the draw's unique row makes a repeated or concurrent run schedule nothing twice."""
    from propdesk.residents.models import Occupancy

    today = today or timezone.localdate()
    drawn = VisitDraw.objects.filter(occupancy=OuterRef("pk"), purpose=VisitPurpose.MOVE_IN)
    candidates = (
        Occupancy.objects.filter(
            role__in=MOVE_IN_ROLES,
            end_date__isnull=True,
            start_date__gte=today - dt.timedelta(days=MOVE_IN_LOOKBACK_DAYS),
            start_date__lte=today,
        )
        .exclude(Exists(drawn))
        .select_related("project", "house", "person")
        .order_by("start_date", "pk")
    )
    visits = []
    for occupancy in candidates:
        try:
            visit = visit_schedule_move_in(occupancy=occupancy)
        except IntegrityError:  # drawn by a concurrent run
            continue
        if visit is not None:
            visits.append(visit)
    return visits


@transaction.atomic
def visit_schedule_midterm(*, ticket: Ticket) -> ReturnVisit | None:
    """The mid-term visit of a special service (特约服务, DESK-8, VIS-3) booked for longer
    than its policy's `midterm_after_days`: due at the middle of the booked period, to an
    assistant, at the policy's rate; the end visit follows when the ticket closes.
    Idempotent: a ticket is drawn once for it."""
    if ticket.type != TicketType.SERVICE:
        return None
    policy = policy_for(ticket)
    if policy is None or policy.midterm_after_days is None:
        return None
    work_order = WorkOrder.objects.filter(pk=ticket.pk).first()
    if work_order is None or not (work_order.appointment_start and work_order.appointment_end):
        return None
    span = work_order.appointment_end - work_order.appointment_start
    if span <= dt.timedelta(days=policy.midterm_after_days):
        return None
    if not _draw(ticket, VisitPurpose.MIDTERM, policy, policy.coverage_percent, f"visit-mid:{policy.pk}"):
        return None
    return _create_visit(
        ticket,
        purpose=VisitPurpose.MIDTERM,
        round=1,
        policy=policy,
        due_at=work_order.appointment_start + span / 2,
        visitor_rule=policy.visitor,
        in_person=False,
        rules="VIS-3 DESK-8",
    )


def visits_schedule_midterms(*, now: dt.datetime | None = None) -> list[ReturnVisit]:
    """The hourly sweep for long special services (VIS-3): every service under way (its
    booked period has begun and not ended, the ticket not done) without a mid-term draw
    is offered to `visit_schedule_midterm`, which decides by the period's length."""
    now = now or timezone.now()
    drawn = VisitDraw.objects.filter(ticket=OuterRef("ticket_id"), purpose=VisitPurpose.MIDTERM)
    running = (
        WorkOrder.objects.filter(
            ticket__type=TicketType.SERVICE,
            appointment_start__lte=now,
            appointment_end__gt=now,
        )
        .exclude(ticket__status__in=(Status.RESOLVED, Status.CLOSED, Status.CANCELLED))
        .exclude(Exists(drawn))
        .select_related("ticket__project")
        .order_by("appointment_start", "pk")
    )
    visits = []
    for work_order in running:
        try:
            visit = visit_schedule_midterm(ticket=work_order.ticket)
        except IntegrityError:  # drawn by a concurrent run
            continue
        if visit is not None:
            visits.append(visit)
    return visits


# --- community activities (VIS-1, VIS-3, VIS-4) ----------------------------------------------


def activity_policy(project_id: int) -> ReturnVisitPolicy | None:
    """The active community-activity policy: the project's own before the company's."""
    candidates = ReturnVisitPolicy.objects.filter(
        Q(project_id=project_id) | Q(project__isnull=True), active=True, ticket_type=ACTIVITY
    )
    return min(candidates, key=lambda p: p.project_id is None, default=None)


def _require_manage(by, project_id: int) -> None:
    if not scoping.has_cap(by, Cap.VISIT_MANAGE, project_id):
        raise DomainError("activity_refused", _("只有客服主管或项目经理可以登记社区活动"), field="activity", rule="VIS-1")


@transaction.atomic
def activity_create(*, project, title: str, held_on: dt.date, by, note: str = "") -> CommunityActivity:
    """Record a community activity (社区活动, VIS-1) organised by `by`."""
    _require_manage(by, project.pk)
    title = (title or "").strip()
    if not title:
        raise DomainError("activity_title_required", _("请填写活动名称"), field="title", rule="VIS-1")
    if held_on is None:
        raise DomainError("activity_date_required", _("请填写活动日期"), field="held_on", rule="VIS-3")
    return CommunityActivity.objects.create(project=project, title=title, held_on=held_on, organiser=by, note=note.strip())


@transaction.atomic
def activity_participants_add(*, activity: CommunityActivity, houses, by, persons=None) -> int:
    """Add the households that took part (参与住户): houses of the activity's own project
    only; a house already listed is kept once. `persons` maps a house id to the person
    who came, when known. Returns the number of households added."""
    activity = CommunityActivity.objects.select_for_update().get(pk=activity.pk)
    _require_manage(by, activity.project_id)
    if activity.is_closed:
        raise DomainError("activity_closed", _("活动已结束，不能再登记参与住户"), field="houses", rule="VIS-4")
    houses = list(houses)
    foreign = [h.code for h in houses if h.project_id != activity.project_id]
    if foreign:
        raise DomainError(
            "activity_house_other_project",
            _("参与住户必须是本项目的房屋：%(codes)s") % {"codes": "、".join(foreign)},
            field="houses",
            rule="VIS-4",
        )
    persons = persons or {}
    known = set(activity.participants.values_list("house_id", flat=True))
    added = 0
    for house in houses:
        if house.pk in known:
            continue
        person = persons.get(house.pk)
        if person is not None and person.project_id != activity.project_id:
            raise DomainError("activity_person_other_project", _("参与人必须是本项目的住户"), field="persons", rule="VIS-4")
        ActivityParticipant.objects.create(activity=activity, house=house, person=person)
        known.add(house.pk)
        added += 1
    return added


@transaction.atomic
def activity_close(*, activity: CommunityActivity, by) -> list[ReturnVisit]:
    """Close a community activity and schedule its return visits (VIS-1, VIS-3, VIS-4,
    VIS-5): the households are drawn in building order (building, entrance, floor, room)
    by quota sampling on the activity's own sequence at the policy's rate, so exactly
    ceil(n·30%) of n households are visited and the visits spread over the buildings;
    each visit is due one calendar month after the activity day, to an assistant.
    Idempotent: closing again schedules nothing more (the activity stays closed, and each
    household is drawn once)."""
    activity = CommunityActivity.objects.select_for_update().get(pk=activity.pk)
    _require_manage(by, activity.project_id)
    if activity.is_closed:
        return []
    activity.closed_at, activity.closed_by = timezone.now(), by
    activity.save(update_fields=["closed_at", "closed_by"])
    policy = activity_policy(activity.project_id)
    if policy is None:
        return []
    start = dt.datetime.combine(activity.held_on, dt.time(0, 0), tzinfo=timezone.get_current_timezone())
    due_at = _due(None, start=start, amount=policy.delay, unit=policy.delay_unit, project=activity.project)
    participants = activity.participants.select_related("house__building", "house__entrance").order_by(
        "house__building__number", "house__entrance__number", "house__floor", "house__room", "house_id"
    )
    visits = []
    key = f"visit-activity:{activity.pk}"
    for participant in participants:
        house = participant.house
        if _draw(None, VisitPurpose.ACTIVITY, policy, policy.coverage_percent, key, activity=activity, house=house):
            visits.append(
                _create_visit(
                    None,
                    activity=activity,
                    house=house,
                    purpose=VisitPurpose.ACTIVITY,
                    round=1,
                    policy=policy,
                    due_at=due_at,
                    visitor_rule=policy.visitor,
                    in_person=False,
                    rules=policy.rules,
                )
            )
    return visits


# --- recording ------------------------------------------------------------------------------


def may_record(user, visit: ReturnVisit) -> bool:
    """The assigned visitor records a visit; a supervisor or PM of the project may record
    any of its visits (on the visitor's behalf, or one nobody was assigned)."""
    if not scoping.has_cap(user, Cap.VISIT_RECORD, visit.project_id):
        return False
    return visit.visitor_id == user.pk or scoping.has_cap(user, Cap.VISIT_MANAGE, visit.project_id)


def _check_score(name: str, value: int | None) -> None:
    if value is None or not SCORE_MIN <= value <= SCORE_MAX:
        raise DomainError(
            "visit_score_invalid",
            _("请给出 %(min)d–%(max)d 分的评分") % {"min": SCORE_MIN, "max": SCORE_MAX},
            field=name,
            rule="VIS-2",
        )


def visit_summary(*, purpose: str, method: str, handled: bool, satisfied: bool, scores: tuple, other_matters: str = "") -> str:
    """The comment a recorded visit leaves on its ticket's timeline (VIS-2)."""
    q, r, a = scores
    summary = _(
        "%(purpose)s：%(method)s；是否已处理：%(handled)s；是否满意：%(satisfied)s；质量 %(q)d 分，效果 %(r)d 分，态度 %(a)d 分"
    ) % {
        "purpose": VisitPurpose(purpose).label,
        "method": VisitMethod(method).label,
        "handled": _yes_no(handled),
        "satisfied": _yes_no(satisfied),
        "q": q,
        "r": r,
        "a": a,
    }
    if other_matters:
        summary += _("；其他意见：%(o)s") % {"o": other_matters}
    return summary


def _yes_no(value: bool | None) -> str:
    return _("是") if value else _("否")


@transaction.atomic
def visit_record(
    *,
    visit: ReturnVisit,
    by,
    method: str,
    handled: bool | None,
    satisfied: bool | None,
    score_quality: int | None,
    score_result: int | None,
    score_attitude: int | None,
    other_matters: str = "",
    note: str = "",
    contact_name: str = "",
    signature_png: bytes | None = None,
    signed_sheet: UploadedFile | None = None,
    new_ticket: dict | None = None,
) -> ReturnVisit:
    """Record a visit (VIS-2, VIS-6): method, the three questions, the three scores and,
    for a visit in person or on site, the customer's signature — drawn on the phone or
    a scanned signed sheet. "Not handled" or "unsatisfied" sends the ticket back to the
    responsible person (reopened, with a deadline of the policy's rework days; its
    resolution clock starts again, earlier breaches kept). Anything else the customer
    raises opens a new ticket (`new_ticket`: type, title, category…) linked to the visit."""
    visit = (
        ReturnVisit.objects.select_for_update(of=("self",))
        .select_related("ticket", "policy", "project", "house", "occupancy__person", "activity")
        .get(pk=visit.pk)
    )
    if not may_record(by, visit):
        raise DomainError("visit_not_yours", _("只有回访人或客服主管、项目经理可以记录该回访"), field="visit", rule="VIS-5")
    if visit.is_done:
        raise DomainError("visit_already_done", _("该回访已记录"), field="visit")
    if method not in VisitMethod.values:
        raise DomainError("visit_method_invalid", _("请选择回访方式"), field="method", rule="VIS-6")
    if handled is None:
        raise DomainError("visit_handled_required", _("请记录是否已处理"), field="handled", rule="VIS-2")
    if satisfied is None:
        raise DomainError("visit_satisfied_required", _("请记录客户是否满意"), field="satisfied", rule="VIS-2")
    for name, value in (("score_quality", score_quality), ("score_result", score_result), ("score_attitude", score_attitude)):
        _check_score(name, value)
    if visit.in_person_required and method not in SIGNED_METHODS:
        raise DomainError("visit_in_person_required", _("该回访须上门或现场进行，并由客户签名"), field="method", rule="CMP-10")
    sheet_type = None
    if method in SIGNED_METHODS:
        if signed_sheet is not None:
            sheet_type, _digest = check_scan(signed_sheet, max_bytes=settings.ARCHIVE_MAX_UPLOAD_BYTES, field="signed_sheet")
        else:
            from propdesk.desk.repairs import check_signature_png

            if not signature_png:
                raise DomainError(
                    "visit_signature_required",
                    _("上门或现场回访须由客户签名，或上传客户签字的回访单扫描件"),
                    field="signature",
                    rule="VIS-6",
                )
            check_signature_png(signature_png)
    if new_ticket and not (new_ticket.get("title") or "").strip():
        raise DomainError("visit_new_ticket_title", _("请填写客户提出的新问题"), field="new_title", rule="VIS-2")

    ticket = visit.ticket  # None for a new-resident visit (VIS-3)
    now = timezone.now()
    visit.status = VisitStatus.DONE
    visit.next_check_at = None  # the visit clock stops
    visit.done_at, visit.done_by, visit.method = now, by, method
    visit.handled, visit.satisfied = handled, satisfied
    visit.score_quality, visit.score_result, visit.score_attitude = score_quality, score_result, score_attitude
    visit.other_matters, visit.note, visit.contact_name = other_matters.strip(), note.strip(), contact_name.strip()
    if sheet_type is not None:
        visit.signed_sheet.save(f"visit-{visit.pk}-{now:%Y%m%d%H%M%S}{_EXT[sheet_type]}", signed_sheet, save=False)
    elif method in SIGNED_METHODS:
        visit.signature.save(f"visit-{visit.pk}-{now:%Y%m%d%H%M%S}.png", ContentFile(signature_png), save=False)

    summary = visit_summary(
        purpose=visit.purpose,
        method=method,
        handled=handled,
        satisfied=satisfied,
        scores=(score_quality, score_result, score_attitude),
        other_matters=visit.other_matters,
    )
    from propdesk.desk.services import event_record, ticket_open, ticket_transition

    try:
        if ticket is not None:
            event_record(ticket, EventKind.COMMENT, by=by, note=summary)
        if ticket is not None and not (handled and satisfied):
            visit.sent_back_at = now
            visit.rework_due_at = _due(
                ticket, start=now, amount=visit.policy.rework_days if visit.policy else 2, unit=Unit.BUSINESS_DAYS
            )
            if ticket.status in (Status.RESOLVED, Status.CLOSED):
                ticket_transition(
                    ticket=ticket,
                    to_status=Status.IN_PROGRESS,
                    by=by,
                    note=_("回访%(why)s，退回责任人重新处理，期限 %(due)s")
                    % {
                        "why": _("未处理") if not handled else _("客户不满意"),
                        "due": timezone.localtime(visit.rework_due_at).strftime("%Y-%m-%d %H:%M"),
                    },
                )
            _notify_rework(visit, ticket)
        if new_ticket:
            fields = {k: v for k, v in new_ticket.items() if v not in (None, "")}
            fields.setdefault("channel", Channel.PHONE if method == VisitMethod.PHONE else Channel.VISIT)
            if ticket is not None:
                origin = {
                    "project": ticket.project,
                    "house": ticket.house,
                    "reporter": ticket.reporter,
                    "reporter_name": ticket.reporter_name,
                    "reporter_phone": ticket.reporter_phone,
                    "location": "" if ticket.house_id else ticket.location,
                }
                raised_note = _("回访工单 %(n)s 时客户提出") % {"n": ticket.number}
            elif visit.activity_id:
                came = visit.activity.participants.filter(house_id=visit.house_id).select_related("person").first()
                person = came.person if came else None
                origin = {"project": visit.project, "house": visit.house, "reporter": person}
                if person is not None:
                    origin["reporter_name"] = person.name
                raised_note = _("社区活动“%(t)s”回访时客户提出") % {"t": visit.activity.title}
            else:
                person = visit.occupancy.person
                origin = {"project": visit.project, "house": visit.house, "reporter": person, "reporter_name": person.name}
                raised_note = _("新入住回访时客户提出")
            raised = ticket_open(by=by, **origin, **fields)
            event_record(raised, EventKind.COMMENT, by=by, note=raised_note)
            visit.follow_up_ticket = raised
        visit.save()
    except Exception:
        for stored in (visit.signature, visit.signed_sheet):
            if stored:
                stored.delete(save=False)
        raise
    return visit


_EXT = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def _notify_rework(visit: ReturnVisit, ticket: Ticket) -> None:
    """Tell the responsible person (the ticket's holder) the ticket is back, with its deadline (VIS-6)."""
    from django.urls import reverse

    from propdesk.notifications.services import notify

    holder = ticket.assignee or ticket.receiver
    notify(
        recipients=[holder],
        kind="visit.rework",
        title=_("回访退回：%(n)s %(t)s") % {"n": ticket.number, "t": ticket.title},
        body=_("回访结果：%(why)s。请在 %(due)s 前重新处理。")
        % {
            "why": _("未处理") if not visit.handled else _("客户不满意"),
            "due": timezone.localtime(visit.rework_due_at).strftime("%Y-%m-%d %H:%M"),
        },
        link=reverse("desk:ticket", args=[ticket.pk]),
        project=ticket.project,
        dedupe_key=f"visit-rework:{visit.pk}",
    )


@transaction.atomic
def visit_review(*, visit: ReturnVisit, by, note: str = "") -> ReturnVisit:
    """The PM reviews a recorded visit (VIS-6)."""
    visit = ReturnVisit.objects.select_for_update().get(pk=visit.pk)
    if not scoping.has_cap(by, Cap.VISIT_REVIEW, visit.project_id):
        raise DomainError("visit_review_refused", _("只有项目经理可以审核回访记录"), field="visit", rule="VIS-6")
    if not visit.is_done:
        raise DomainError("visit_not_done", _("回访尚未记录，不能审核"), field="visit", rule="VIS-6")
    if visit.reviewed_at is not None:
        raise DomainError("visit_already_reviewed", _("该回访已审核"), field="visit", rule="VIS-6")
    visit.reviewed_at, visit.reviewed_by, visit.review_note = timezone.now(), by, note.strip()
    visit.save(update_fields=["reviewed_at", "reviewed_by", "review_note"])
    return visit
