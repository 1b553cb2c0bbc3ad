"""Complaint services (投诉, CMP-2…8): details, classification, linking complaints about
one happening, and the recorded handling steps. Ticket-wide writes go through
desk.services; this module adds what only complaints have."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.accounts.roles import Cap, Role
from propdesk.core import scoping
from propdesk.core.errors import DomainError
from propdesk.desk.choices import (
    MAJOR_COMPLAINANTS,
    ComplaintStep,
    Department,
    EventKind,
    Priority,
    TicketType,
    Validity,
)
from propdesk.desk.models import ComplaintDetail, Happening, Ticket
from propdesk.desk.services import event_record, ticket_change_priority

# CMP-7: who hears of an important or major complaint at once.
ALERTED_ROLES = {
    Priority.IMPORTANT: (Role.SUPERVISOR, Role.MANAGER),
    Priority.MAJOR: (Role.SUPERVISOR, Role.MANAGER, Role.HEAD_OFFICE),
}


def _complaint(ticket: Ticket) -> ComplaintDetail:
    if ticket.type != TicketType.COMPLAINT:
        raise DomainError("not_a_complaint", _("该工单不是投诉"), field="ticket")
    detail, _created = ComplaintDetail.objects.get_or_create(ticket=ticket)
    return detail


def _require_classifier(by, ticket: Ticket) -> None:
    if not scoping.has_cap(by, Cap.TICKET_CLASSIFY, ticket.project_id):
        raise DomainError("complaint_classify_refused", _("投诉须由客服主管定性（CMP-4）"), field="validity", rule="CMP-4")


def alert_upward(*, ticket: Ticket) -> None:
    """Report an important or major complaint upward at once (CMP-7): supervisor and PM,
    and head office for a major one. Each ticket × level is announced once."""
    from propdesk.notifications.selectors import staff_with_role
    from propdesk.notifications.services import notify

    roles = ALERTED_ROLES.get(ticket.priority)
    if not roles:
        return
    recipients = staff_with_role(ticket.project_id, roles)
    label = Priority(ticket.priority).label
    notify(
        recipients=recipients,
        kind="complaint.escalated",
        title=_("%(level)s投诉：%(title)s") % {"level": label, "title": ticket.title},
        body=_("工单 %(number)s（%(place)s）已定为%(level)s投诉，请立即关注。")
        % {"number": ticket.number, "place": ticket.place, "level": label},
        link=f"/desk/tickets/{ticket.pk}/",
        project=ticket.project,
        urgent=True,
        channels=("in_app", "sms"),
        dedupe_key=f"cmp7:{ticket.pk}:{ticket.priority}",
    )


@transaction.atomic
def complaint_record_details(
    *, ticket: Ticket, by, complained_department: str = "", complained_person: str = "", customer_demand: str = ""
) -> ComplaintDetail:
    """What the receiver fills in on the complaint form (CMP-2)."""
    scoping.require(by, Cap.TICKET_CREATE, ticket.project_id)
    if complained_department and complained_department not in Department.values:
        raise DomainError("complaint_department_invalid", _("被投诉部门无效"), field="complained_department")
    detail = _complaint(ticket)
    detail.complained_department = complained_department
    detail.complained_person = complained_person.strip()
    detail.customer_demand = customer_demand.strip()
    detail.save()
    return detail


@transaction.atomic
def complaint_classify(
    *, ticket: Ticket, validity: str, by, explanation: str = "", severity: str | None = None
) -> ComplaintDetail:
    """The supervisor's classification (CMP-4): effective with a severity (CMP-5), or
    invalid — which still records the polite explanation given to the customer."""
    _require_classifier(by, ticket)
    detail = _complaint(ticket)
    if validity not in (Validity.EFFECTIVE, Validity.INVALID):
        raise DomainError("complaint_validity_invalid", _("请选择有效投诉或无效投诉"), field="validity", rule="CMP-4")
    if validity == Validity.INVALID and not explanation.strip():
        raise DomainError(
            "complaint_explanation_required", _("无效投诉也须记录向客户所作的解释（CMP-4）"), field="explanation", rule="CMP-4"
        )
    before = {"validity": detail.validity}
    detail.validity, detail.explanation = validity, explanation.strip()
    detail.classified_by, detail.classified_at = by, timezone.now()
    detail.save()
    event_record(ticket, EventKind.CLASSIFIED, by=by, before=before, after={"validity": validity}, note=detail.explanation)
    if validity == Validity.EFFECTIVE and severity and severity != ticket.priority:
        ticket = ticket_change_priority(ticket=ticket, priority=severity, by=by, reason=_("投诉定性"))
    if validity == Validity.EFFECTIVE:
        alert_upward(ticket=ticket)
    return detail


def _complainant_key(ticket: Ticket) -> str:
    """Who complained: the registered person, else the phone, else the house, else the ticket."""
    if ticket.reporter_id:
        return f"p{ticket.reporter_id}"
    if ticket.reporter_phone:
        return f"t{ticket.reporter_phone}"
    if ticket.house_id:
        return f"h{ticket.house_id}"
    return f"k{ticket.pk}"


@transaction.atomic
def happening_create(*, project, title: str, by) -> Happening:
    scoping.require(by, Cap.TICKET_CLASSIFY, project.pk)
    if not title.strip():
        raise DomainError("happening_title_required", _("请填写事件名称"), field="title")
    return Happening.objects.create(project=project, title=title.strip(), created_by=by, created_at=timezone.now())


@transaction.atomic
def complaint_link(*, ticket: Ticket, happening: Happening, by) -> Happening:
    """Link a complaint to a happening (CMP-5). The happening row is locked while linking,
    so when the fifth distinct customer is linked by two people at the same moment the
    complaints are promoted to major exactly once; later links are promoted on arrival."""
    _require_classifier(by, ticket)
    if happening.project_id != ticket.project_id:
        raise DomainError("happening_project", _("事件不属于该项目"), field="happening")
    happening = Happening.objects.select_for_update().get(pk=happening.pk)
    detail = _complaint(ticket)
    if detail.happening_id == happening.pk:
        return happening
    before = {"happening": detail.happening_id}
    detail.happening = happening
    detail.save(update_fields=["happening"])
    event_record(ticket, EventKind.LINKED, by=by, before=before, after={"happening": happening.pk}, note=happening.title)
    linked = list(Ticket.objects.filter(complaint__happening=happening).filter(~Q(status="cancelled")).select_related("house"))
    complainants = {_complainant_key(t) for t in linked}
    if happening.promoted_at is None and len(complainants) >= MAJOR_COMPLAINANTS:
        happening.promoted_at = timezone.now()
        happening.save(update_fields=["promoted_at"])
    if happening.promoted_at is not None:
        reason = _("同一事件投诉客户达 %(n)s 户（CMP-5）") % {"n": len(complainants)}
        for other in linked:
            if other.priority != Priority.MAJOR:
                promoted = ticket_change_priority(ticket=other, priority=Priority.MAJOR, by=by, reason=reason)
                alert_upward(ticket=promoted)
    return happening


@transaction.atomic
def complaint_record_step(*, ticket: Ticket, step: str, text: str, by) -> ComplaintDetail:
    """Record a step of the complaint flow (CMP-8): the supervisor's handling opinion, the
    complained department's handling, the result told to the customer."""
    detail = _complaint(ticket)
    if step not in ComplaintStep.values:
        raise DomainError("complaint_step_invalid", _("处理步骤无效"), field="step", rule="CMP-8")
    if step == ComplaintStep.OPINION:
        _require_classifier(by, ticket)
    else:
        scoping.require(by, Cap.TICKET_HANDLE, ticket.project_id)
    if not text.strip():
        raise DomainError(
            "complaint_step_text", _("请填写%(step)s") % {"step": ComplaintStep(step).label}, field="text", rule="CMP-8"
        )
    setattr(detail, step, text.strip())
    detail.save(update_fields=[step])
    event_record(ticket, EventKind.STEP, by=by, after={"step": step}, note=text.strip())
    return detail
