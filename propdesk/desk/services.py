"""Service-desk writes: one transactional function per business operation. Every change
to a ticket appends a TicketEvent through `_record`, the one place the timeline grows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.accounts.roles import Cap
from propdesk.core import configcache, scoping
from propdesk.core.errors import DomainError
from propdesk.core.numbering import next_value
from propdesk.core.phones import normalise_phone
from propdesk.core.uploads import check_scan
from propdesk.desk.choices import (
    DONE_STATUSES,
    TRANSITIONS,
    TYPE_CATEGORIES,
    WORK_ORDER_TYPES,
    Channel,
    ContactOutcome,
    Department,
    EventKind,
    Priority,
    Status,
    TicketType,
    priorities_for,
)
from propdesk.desk.models import Contact, ServiceProvider, Ticket, TicketAttachment, TicketEvent
from propdesk.estate.models import House, Project
from propdesk.residents.models import Person
from propdesk.sla.services import clocks_on_event, first_deadline

# Ticket types that concern a place: a house or a described common-area location.
_PLACED_TYPES = frozenset({TicketType.COMPLAINT, TicketType.REPAIR, TicketType.EMERGENCY, TicketType.SERVICE})


def event_record(
    ticket: Ticket, kind: str, *, by, before: dict | None = None, after: dict | None = None, note: str = ""
) -> TicketEvent:
    """Append one event to the ticket's timeline (the only writer of TicketEvent); the
    ticket's SLA clocks follow it."""
    event = TicketEvent.objects.create(
        project_id=ticket.project_id,
        ticket=ticket,
        kind=kind,
        actor=by,
        at=timezone.now(),
        before=before or {},
        after=after or {},
        note=note,
    )
    clocks_on_event(event)
    return event


def _check_in_project(project_id: int, house: House | None, reporter: Person | None) -> None:
    if house is not None and house.project_id != project_id:
        raise DomainError("ticket_house_project", _("房屋不属于该项目"), field="house")
    if reporter is not None and reporter.project_id != project_id:
        raise DomainError("ticket_reporter_project", _("报告人不属于该项目"), field="reporter")


def _check_priority(ticket_type: str, priority: str) -> None:
    allowed = priorities_for(ticket_type)
    if priority not in allowed:
        labels = "、".join(str(Priority(p).label) for p in allowed)
        raise DomainError(
            "ticket_priority_invalid", _("该类型工单的等级只能是：%(allowed)s") % {"allowed": labels}, field="priority"
        )


# The rule each type's category list comes from.
_CATEGORY_RULES = {TicketType.COMPLAINT: "CMP-3", TicketType.EMERGENCY: "INC-4"}


def _check_category(ticket_type: str, category: str) -> None:
    choices = TYPE_CATEGORIES.get(ticket_type)
    rule = _CATEGORY_RULES.get(ticket_type, "")
    if category and (choices is None or category not in choices.values):
        raise DomainError("ticket_category_invalid", _("分类无效：%(c)s") % {"c": category}, field="category", rule=rule)
    if choices is not None and not category:
        raise DomainError("ticket_category_required", _("请选择分类"), field="category", rule=rule)


@transaction.atomic
def ticket_open(
    *,
    project: Project,
    type: str,
    title: str,
    by,
    description: str = "",
    priority: str | None = None,
    category: str = "",
    channel: str = Channel.PHONE,
    house: House | None = None,
    location: str = "",
    reporter: Person | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    department: str = "",
) -> Ticket:
    """Open a ticket of any type. `by` is its receiver, who owns it until it is handed to
    the responsible person (首问责任制, DESK-3)."""
    scoping.require(by, Cap.TICKET_CREATE, project.pk)
    if type not in TicketType.values:
        raise DomainError("ticket_type_invalid", _("工单类型无效"), field="type")
    if channel not in Channel.values:
        raise DomainError("ticket_channel_invalid", _("来源渠道无效"), field="channel")
    if department and department not in Department.values:
        raise DomainError("ticket_department_invalid", _("责任部门无效"), field="department")
    if not title.strip():
        raise DomainError("ticket_title_required", _("请填写工单摘要"), field="title")
    priority = priority or priorities_for(type)[0]
    _check_priority(type, priority)
    _check_category(type, category)
    _check_in_project(project.pk, house, reporter)
    if type in _PLACED_TYPES and house is None and not location.strip():
        raise DomainError("ticket_place_required", _("请填写房号或公共区域位置"), field="house", rule="CMP-2")
    now = timezone.now()
    ticket = Ticket(
        project=project,
        type=type,
        category=category,
        priority=priority,
        title=title.strip(),
        description=description.strip(),
        channel=channel,
        house=house,
        location=location.strip(),
        reporter=reporter,
        reporter_name=reporter_name.strip() or (reporter.name if reporter else ""),
        reporter_phone=normalise_phone(reporter_phone) or (reporter.mobile if reporter else ""),
        receiver=by,
        department=department,
        created_at=now,
    )
    with configcache.pinned():  # the deadline and the clocks from one SLA configuration
        ticket.next_deadline_at = first_deadline(ticket)  # written with the row, not updated after it
        # The project's counter row stays locked until commit: numbered as late as possible.
        year = timezone.localtime(now).year
        ticket.number = f"{year}{next_value(project_id=project.pk, key=f'ticket-{year}'):06d}"
        ticket.save(force_insert=True)
        event_record(ticket, EventKind.CREATED, by=by, after={"status": ticket.status, "priority": priority, "type": type})
    if type == TicketType.EMERGENCY:
        from propdesk.desk.emergencies import emergency_raise

        emergency_raise(ticket=ticket, by=by)  # DESK-7: the one click notifies and starts the plan
    return ticket


def lock_ticket(ticket: Ticket) -> Ticket:
    return Ticket.objects.select_for_update().get(pk=ticket.pk)


def may_work_on(user, ticket: Ticket) -> bool:
    """Dispatchers work on any ticket of the project; others on those assigned to them
    (or received by them while nobody else holds it, DESK-3)."""
    if scoping.has_cap(user, Cap.TICKET_DISPATCH, ticket.project_id):
        return True
    if not scoping.has_cap(user, Cap.TICKET_HANDLE, ticket.project_id):
        return False
    return ticket.assignee_id == user.pk or (ticket.assignee_id is None and ticket.receiver_id == user.pk)


def move_guards(ticket: Ticket) -> dict[str, Callable[[Ticket], None]]:
    """The type-specific checks a move must pass, by target status; each raises
    DomainError. Repairs start only after an accepted quote (REP-4) and are resolved
    only through the work order's completion (REP-6); an emergency is done only with its
    written summary (INC-4). Special services follow their work order like repairs
    (DESK-8: the customer accepts the fee first and the work at the end)."""
    if ticket.type in WORK_ORDER_TYPES:
        from propdesk.desk import repairs

        return {Status.IN_PROGRESS: repairs.check_may_start, Status.RESOLVED: repairs.check_may_resolve}
    if ticket.type == TicketType.EMERGENCY:
        from propdesk.desk import emergencies

        return {Status.RESOLVED: emergencies.check_may_resolve}
    return {}


@transaction.atomic
def ticket_transition(*, ticket: Ticket, to_status: str, by, note: str = "") -> Ticket:
    """Move a ticket along its state machine (choices.TRANSITIONS); any other move is
    refused. Resolving and closing stamp their times; reopening keeps the earlier ones in
    the timeline."""
    ticket = lock_ticket(ticket)
    if not may_work_on(by, ticket):
        raise DomainError("ticket_not_yours", _("只有处理人或派单员可以变更该工单"), field="status")
    if to_status not in TRANSITIONS.get(ticket.status, frozenset()):
        raise DomainError(
            "ticket_transition_refused",
            _("工单状态不能从“%(from)s”变为“%(to)s”")
            % {"from": Status(ticket.status).label, "to": Status(to_status).label if to_status in Status.values else to_status},
            field="status",
        )
    guard = move_guards(ticket).get(to_status)
    if guard is not None:
        guard(ticket)
    if to_status == Status.CANCELLED and not note.strip():
        raise DomainError("ticket_cancel_reason", _("取消工单须填写原因"), field="note")
    before = {"status": ticket.status}
    reopened = ticket.status in DONE_STATUSES and to_status not in DONE_STATUSES
    now = timezone.now()
    ticket.status = to_status
    if to_status == Status.RESOLVED:
        ticket.resolved_at = now
    if to_status == Status.CLOSED:
        ticket.closed_at = now
    if reopened:
        ticket.resolved_at = ticket.closed_at = None
    ticket.save(update_fields=["status", "resolved_at", "closed_at"])
    event_record(
        ticket, EventKind.REOPENED if reopened else EventKind.STATUS, by=by, before=before, after={"status": to_status}, note=note
    )
    if to_status == Status.CLOSED:
        from propdesk.followup.services import visits_schedule_for

        visits_schedule_for(ticket)  # VIS-1…5: the return visits the policy asks for
    return ticket


@transaction.atomic
def ticket_assign(*, ticket: Ticket, assignee, by, department: str = "", note: str = "") -> Ticket:
    """Hand a ticket to the responsible person (转交/派单, DESK-3/DESK-4). The assignee must
    be able to handle tickets in the project; a new ticket becomes ASSIGNED."""
    ticket = lock_ticket(ticket)
    if not (scoping.has_cap(by, Cap.TICKET_DISPATCH, ticket.project_id) or ticket.receiver_id == by.pk):
        raise DomainError("ticket_assign_refused", _("只有派单员或首问责任人可以派单"), field="assignee", rule="DESK-3")
    if not scoping.has_cap(assignee, Cap.TICKET_HANDLE, ticket.project_id):
        raise DomainError("ticket_assignee_invalid", _("%(who)s 不能处理本项目的工单") % {"who": assignee}, field="assignee")
    if ticket.status in DONE_STATUSES:
        raise DomainError("ticket_done", _("已处理或已关闭的工单不能派单"), field="assignee")
    if department and department not in Department.values:
        raise DomainError("ticket_department_invalid", _("责任部门无效"), field="department")
    before = {"assignee": ticket.assignee_id, "department": ticket.department, "status": ticket.status}
    ticket.assignee = assignee
    ticket.department = department or ticket.department
    if ticket.status == Status.NEW:
        ticket.status = Status.ASSIGNED
    ticket.save(update_fields=["assignee", "department", "status"])
    kind = EventKind.TRANSFERRED if before["assignee"] else EventKind.ASSIGNED
    after = {"assignee": assignee.pk, "department": ticket.department, "status": ticket.status}
    event_record(ticket, kind, by=by, before=before, after=after, note=note)
    return ticket


@transaction.atomic
def ticket_change_priority(*, ticket: Ticket, priority: str, by, reason: str) -> Ticket:
    """Change severity/urgency; the reason is kept on the timeline (SLA clocks recompute)."""
    ticket = lock_ticket(ticket)
    if not (
        scoping.has_cap(by, Cap.TICKET_DISPATCH, ticket.project_id) or scoping.has_cap(by, Cap.TICKET_CLASSIFY, ticket.project_id)
    ):
        raise DomainError("ticket_priority_refused", _("无权变更工单等级"), field="priority")
    _check_priority(ticket.type, priority)
    if not reason.strip():
        raise DomainError("ticket_priority_reason", _("变更等级须填写原因"), field="reason")
    if priority == ticket.priority:
        return ticket
    before = {"priority": ticket.priority}
    ticket.priority = priority
    ticket.save(update_fields=["priority"])
    event_record(ticket, EventKind.PRIORITY, by=by, before=before, after={"priority": priority}, note=reason.strip())
    return ticket


@transaction.atomic
def ticket_escalate_priority(*, ticket: Ticket, priority: str, reason: str) -> Ticket:
    """Raise severity/urgency by the system — an SLA escalation level, e.g. CMP-5: an
    effective complaint unresolved after 7 days becomes major. The event has no actor and
    the reason as its note. Only raises: a lower or equal priority, or a ticket already
    resolved, closed or cancelled, is left as it is."""
    ticket = lock_ticket(ticket)
    _check_priority(ticket.type, priority)
    order = priorities_for(ticket.type)
    if ticket.status in DONE_STATUSES or (ticket.priority in order and order.index(priority) <= order.index(ticket.priority)):
        return ticket
    before = {"priority": ticket.priority}
    ticket.priority = priority
    ticket.save(update_fields=["priority"])
    event_record(ticket, EventKind.PRIORITY, by=None, before=before, after={"priority": priority}, note=reason.strip())
    return ticket


@transaction.atomic
def ticket_comment(*, ticket: Ticket, note: str, by) -> TicketEvent:
    scoping.require(by, Cap.TICKET_VIEW, ticket.project_id)
    if not note.strip():
        raise DomainError("ticket_comment_empty", _("备注不能为空"), field="note")
    return event_record(ticket, EventKind.COMMENT, by=by, note=note.strip())


@transaction.atomic
def ticket_attach(*, ticket: Ticket, upload: UploadedFile, by) -> TicketAttachment:
    """A photo or document on a ticket, type checked by content (PDF/JPEG/PNG)."""
    scoping.require(by, Cap.TICKET_VIEW, ticket.project_id)
    content_type, _digest = check_scan(upload, max_bytes=settings.ARCHIVE_MAX_UPLOAD_BYTES)
    attachment = TicketAttachment(
        project_id=ticket.project_id,
        ticket=ticket,
        original_name=upload.name[:200],
        content_type=content_type,
        size=upload.size,
        uploaded_by=by,
        uploaded_at=timezone.now(),
    )
    attachment.file.save(upload.name, upload, save=False)
    try:
        attachment.save()
        event_record(ticket, EventKind.ATTACHMENT, by=by, after={"attachment": attachment.pk, "name": attachment.original_name})
    except Exception:
        attachment.file.delete(save=False)
        raise
    return attachment


@transaction.atomic
def contact_log(
    *,
    project: Project,
    channel: str,
    content: str,
    by,
    received_at: dt.datetime | None = None,
    caller_number: str = "",
    caller_name: str = "",
    person: Person | None = None,
    house: House | None = None,
    read_back: str = "",
    answer: str = "",
    ticket: dict | None = None,
    existing_ticket: Ticket | None = None,
    referred_to: ServiceProvider | None = None,
) -> Contact:
    """Record a call or visit (DESK-1). It ends one of four ways: answered on the spot
    (`answer`), a new ticket (`ticket`: the fields of ticket_open), joined to an open
    ticket of the same matter (`existing_ticket`), or referred to a nearby provider for a
    service the company does not offer (`referred_to`, DESK-8)."""
    scoping.require(by, Cap.TICKET_CREATE, project.pk)
    if channel not in Channel.values:
        raise DomainError("contact_channel_invalid", _("渠道无效"), field="channel", rule="DESK-1")
    if not content.strip():
        raise DomainError("contact_content_required", _("请记录来电/来访内容"), field="content", rule="DESK-1")
    _check_in_project(project.pk, house, person)
    # A referral may carry what the customer was told; the other endings exclude each other.
    endings = sum(bool(x) for x in (ticket, existing_ticket, referred_to))
    answered = bool(answer.strip())
    if endings > 1 or (endings == 0 and not answered) or (answered and (ticket or existing_ticket)):
        raise DomainError(
            "contact_outcome_required",
            _("请选择处理结果：当场答复、转为工单、并入已有工单或转介周边服务商（四选一）"),
            field="outcome",
            rule="DESK-1",
        )
    if referred_to is not None and (referred_to.project_id != project.pk or not referred_to.active):
        raise DomainError("contact_provider_invalid", _("请选择本项目在用的周边服务商"), field="referred_to", rule="DESK-8")
    received_at = received_at or timezone.now()
    if received_at > timezone.now() + dt.timedelta(minutes=1):
        raise DomainError("contact_time_future", _("来电/来访时间不能晚于现在"), field="received_at")
    if existing_ticket is not None and (existing_ticket.project_id != project.pk or not existing_ticket.is_open):
        raise DomainError("contact_ticket_invalid", _("只能并入本项目未完成的工单"), field="existing_ticket")
    if ticket:
        fields = {
            "channel": channel,
            "house": house,
            "reporter": person,
            "reporter_name": caller_name,
            "reporter_phone": caller_number,
            **ticket,
        }
        linked = ticket_open(project=project, by=by, **fields)
        outcome = ContactOutcome.TICKET
    elif existing_ticket is not None:
        linked = existing_ticket
        outcome = ContactOutcome.LINKED
        event_record(linked, EventKind.COMMENT, by=by, note=_("客户再次来电/来访：%(c)s") % {"c": content.strip()})
    elif referred_to is not None:
        linked, outcome = None, ContactOutcome.REFERRED
    else:
        linked, outcome = None, ContactOutcome.ANSWERED
    return Contact.objects.create(
        project=project,
        channel=channel,
        received_at=received_at,
        caller_number=normalise_phone(caller_number),
        caller_name=caller_name.strip() or (person.name if person else ""),
        person=person,
        house=house,
        content=content.strip(),
        read_back=read_back.strip(),
        outcome=outcome,
        answer=answer.strip(),
        ticket=linked,
        referred_to=referred_to,
        receiver=by,
    )
