"""Return-visit writes (VIS-1…6, CMP-9, CMP-10, REP-8): one transactional function per
business operation.

    visit_policies_install(complaints="002", repairs="standard", project=None)
    visits_schedule_for(ticket)        ← desk.services.ticket_transition, on CLOSED
    visit_record(visit=…, by=…, method=…, handled=…, satisfied=…, scores…)
    visit_review(visit=…, by=…, note=…)

Sampling is deterministic quota sampling: the n-th closed ticket of a project under a
policy is visited iff ceil(n·p) > ceil((n−1)·p). After n closed tickets exactly ceil(n·p)
have been drawn — never fewer than the rate, at every moment, and exactly the rate when
n·p is whole (1,000 repairs at 60% → 600 visits). The same rule draws the in-person share
of the visits and the CMP-10 audit sample.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.accounts.roles import Cap, Role
from propdesk.core import scoping
from propdesk.core.errors import DomainError
from propdesk.core.numbering import next_value
from propdesk.core.uploads import check_scan
from propdesk.core.workcalendar import WorkingCalendar
from propdesk.desk.choices import Channel, EventKind, Priority, Status, TicketType
from propdesk.desk.models import Ticket
from propdesk.followup.choices import (
    DEFAULT_HEAD_ROLE,
    DEPARTMENT_HEAD_ROLES,
    FALLBACK_ROLES,
    SCORE_MAX,
    SCORE_MIN,
    SIGNED_METHODS,
    VisitMethod,
    VisitorRule,
    VisitPurpose,
    VisitStatus,
)
from propdesk.followup.models import ReturnVisit, ReturnVisitPolicy, VisitDraw
from propdesk.followup.presets import AUDIT_DELAY_DAYS, preset_visit_policies
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


def _draw(ticket: Ticket, purpose: str, policy: ReturnVisitPolicy | None, percent: int, key: str) -> bool:
    """Draw `ticket` once for `purpose` from the project's `key` sequence; a ticket drawn
    (or passed over) before keeps its answer."""
    earlier = VisitDraw.objects.filter(ticket=ticket, purpose=purpose).first()
    if earlier is not None:
        return earlier.drawn
    seq = next_value(project_id=ticket.project_id, key=key)
    drawn = quota_hit(seq, percent)
    VisitDraw.objects.create(project_id=ticket.project_id, ticket=ticket, purpose=purpose, policy=policy, seq=seq, drawn=drawn)
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


def _due(ticket: Ticket, *, start: dt.datetime, amount: int, unit: str) -> dt.datetime:
    calendar = WorkingCalendar.for_project(ticket.project) if unit in BUSINESS_UNITS else None
    deadline, _budget = deadline_for(unit=unit, amount=amount, start=start, calendar=calendar)
    return deadline


def _least_busy(ticket: Ticket, roles) -> object | None:
    """The project's staff member holding one of `roles` with the fewest visits to do."""
    for role in roles:
        user = (
            staff_with_role(ticket.project_id, role, company_wide=False)
            .annotate(todo=Count("return_visits", filter=Q(return_visits__status=VisitStatus.PLANNED)))
            .order_by("todo", "pk")
            .first()
        )
        if user is not None:
            return user
    return None


def visitor_roles(ticket: Ticket, rule: str) -> tuple[str, ...]:
    """Whom a visit goes to (VIS-5, CMP-9), most wanted first: important and major
    complaints to the PM; other complaints to the head of the complained department
    (customer service: the CS supervisor; the other departments have no head role, so
    the PM); services and repairs to an assistant."""
    if rule == VisitorRule.COMPLAINT_RULE and ticket.type == TicketType.COMPLAINT:
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


def _create_visit(ticket: Ticket, *, purpose: str, round: int, policy, due_at, visitor_rule: str, in_person: bool, rules: str):
    visit, _created = ReturnVisit.objects.get_or_create(
        ticket=ticket,
        purpose=purpose,
        round=round,
        defaults={
            "project_id": ticket.project_id,
            "policy": policy,
            "house_id": ticket.house_id,
            "visitor": _least_busy(ticket, visitor_roles(ticket, visitor_rule)),
            "in_person_required": in_person,
            "due_at": due_at,
            "rules": rules,
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
    visit = ReturnVisit.objects.select_for_update(of=("self",)).select_related("ticket", "policy").get(pk=visit.pk)
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

    ticket = visit.ticket
    now = timezone.now()
    visit.status = VisitStatus.DONE
    visit.done_at, visit.done_by, visit.method = now, by, method
    visit.handled, visit.satisfied = handled, satisfied
    visit.score_quality, visit.score_result, visit.score_attitude = score_quality, score_result, score_attitude
    visit.other_matters, visit.note, visit.contact_name = other_matters.strip(), note.strip(), contact_name.strip()
    if sheet_type is not None:
        visit.signed_sheet.save(f"visit-{visit.pk}-{now:%Y%m%d%H%M%S}{_EXT[sheet_type]}", signed_sheet, save=False)
    elif method in SIGNED_METHODS:
        visit.signature.save(f"visit-{visit.pk}-{now:%Y%m%d%H%M%S}.png", ContentFile(signature_png), save=False)

    summary = _(
        "%(purpose)s：%(method)s；是否已处理：%(handled)s；是否满意：%(satisfied)s；质量 %(q)d 分，效果 %(r)d 分，态度 %(a)d 分"
    ) % {
        "purpose": visit.get_purpose_display(),
        "method": VisitMethod(method).label,
        "handled": _yes_no(handled),
        "satisfied": _yes_no(satisfied),
        "q": score_quality,
        "r": score_result,
        "a": score_attitude,
    }
    if visit.other_matters:
        summary += _("；其他意见：%(o)s") % {"o": visit.other_matters}
    from propdesk.desk.services import event_record, ticket_open, ticket_transition

    try:
        event_record(ticket, EventKind.COMMENT, by=by, note=summary)
        if not (handled and satisfied):
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
            raised = ticket_open(
                project=ticket.project,
                by=by,
                house=ticket.house,
                reporter=ticket.reporter,
                reporter_name=ticket.reporter_name,
                reporter_phone=ticket.reporter_phone,
                location="" if ticket.house_id else ticket.location,
                **fields,
            )
            event_record(raised, EventKind.COMMENT, by=by, note=_("回访工单 %(n)s 时客户提出") % {"n": ticket.number})
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
