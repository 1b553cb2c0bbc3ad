"""Service-desk reads shared by the console pages, the API and the exports: the caller
lookup with what the assistant must see before saying a word, the queues, who may
handle a project's tickets, what a user may do with one ticket, and the timeline in
words."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from propdesk.accounts.models import Membership, User
from propdesk.accounts.roles import ROLE_CAPS, Cap

# The one rule of who may work on a ticket lives in services; pages and the API read it
# from there to show only the actions the service will accept.
from propdesk.billing.selectors import Settlement, settlement
from propdesk.core import scoping
from propdesk.core.console import cached_options
from propdesk.desk.choices import (
    DONE_STATUSES,
    OPEN_STATUSES,
    PAUSED_STATUSES,
    TRANSITIONS,
    TYPE_CATEGORIES,
    Channel,
    ComplaintStep,
    Department,
    EmergencyStep,
    Escalation,
    EventKind,
    Priority,
    Status,
    TicketType,
    Validity,
    WorkOrderStep,
    priorities_for,
)
from propdesk.desk.models import Contact, Ticket, TicketEvent, WorkOrder
from propdesk.desk.repair_selectors import pool
from propdesk.desk.repairs import onsite_promise
from propdesk.desk.services import may_work_on, move_guards
from propdesk.estate.models import House
from propdesk.residents.models import Person

RECENT_CONTACTS = 5
HOUSE_SECTION_ROWS = 10


# --- lists --------------------------------------------------------------------------------


# Queue order: the nearest deadline first (tickets without a running clock last), then the oldest.
QUEUE_ORDER = (F("next_deadline_at").asc(nulls_last=True), "created_at", "id")


def ticket_list(project_ids) -> QuerySet[Ticket]:
    """Tickets of the given projects with what a list row shows, in queue order: the
    nearest deadline first (tickets without a running clock last), then the oldest."""
    return Ticket.objects.filter(project_id__in=project_ids).select_related("project", "house", "assignee").order_by(*QUEUE_ORDER)


def contact_list(project_ids) -> QuerySet[Contact]:
    """Contacts of the given projects, newest first, with what a list row shows."""
    return (
        Contact.objects.filter(project_id__in=project_ids)
        .select_related("project", "house", "person", "ticket", "receiver")
        .order_by("-received_at", "-id")
    )


def my_tickets(user) -> QuerySet[Ticket]:
    """The open tickets assigned to `user` in projects where they may handle tickets
    (我的工单), most pressing first."""
    project_ids = scoping.visible_project_ids(user, Cap.TICKET_HANDLE)
    return ticket_list(project_ids).filter(assignee=user, status__in=OPEN_STATUSES).select_related("reporter", "work_order")


@dataclass(frozen=True)
class MyTicket:
    """One card of 我的工单: the ticket, its next deadline in words, and the next moves its
    assignee makes from the list — a bare start / resolve for most types; for a repair its
    work order: the on-site promise (REP-2), 到场 (held until a paid quote is accepted,
    REP-4) and 完工 with the customer's signature on the work order (REP-6)."""

    ticket: Ticket
    category: str
    deadline: tuple[str, str]
    can_start: bool = False
    can_resolve: bool = False
    work_order: WorkOrder | None = None
    promise: str = ""
    can_arrive: bool = False
    quote_pending: bool = False  # paid work whose quote the customer has not accepted yet
    can_complete: bool = False

    @property
    def has_work_order(self) -> bool:
        return self.ticket.has_work_order

    @property
    def has_visit_facts(self) -> bool:
        """The REP-1 facts for the visit are known: appointment, someone home, spare key."""
        wo = self.work_order
        return wo is not None and (wo.appointment_start is not None or wo.someone_home is not None or wo.spare_key_allowed)


def my_work(user, now: dt.datetime) -> list[MyTicket]:
    """我的工单: the open tickets assigned to `user`, most pressing first, each with the
    moves the services will accept from them (no query per card)."""
    rows = []
    for ticket in my_tickets(user):
        common = {
            "ticket": ticket,
            "category": category_label(ticket.type, ticket.category),
            "deadline": deadline_text(ticket.next_deadline_at, now),
        }
        if ticket.has_work_order:
            work_order = getattr(ticket, "work_order", None)
            quote_pending = bool(work_order and work_order.paid and work_order.quote_accepted_at is None)
            rows.append(
                MyTicket(
                    **common,
                    work_order=work_order,
                    promise=onsite_promise(ticket, work_order),
                    can_arrive=ticket.status == Status.ASSIGNED or ticket.status in PAUSED_STATUSES,
                    quote_pending=quote_pending,
                    can_complete=ticket.status == Status.IN_PROGRESS,
                )
            )
        else:
            moves = ticket_permissions(user, ticket).moves
            rows.append(
                MyTicket(
                    **common,
                    can_start=Status.IN_PROGRESS in moves and ticket.status != Status.IN_PROGRESS,
                    can_resolve=Status.RESOLVED in moves,
                )
            )
    return rows


def pool_waiting(user) -> int | None:
    """How many repairs wait in the open pool (抢单池) of the projects where `user` grabs
    repairs; None for those who do not grab."""
    project_ids = scoping.visible_project_ids(user, Cap.REPAIR_GRAB)
    return pool(project_ids).count() if project_ids else None


def house_tickets(house: House, limit: int = HOUSE_SECTION_ROWS) -> list[Ticket]:
    return list(Ticket.objects.filter(house=house).select_related("assignee").order_by("-created_at", "-id")[:limit])


def house_contacts(house: House, limit: int = HOUSE_SECTION_ROWS) -> list[Contact]:
    return list(Contact.objects.filter(house=house).select_related("ticket", "receiver", "person")[:limit])


# --- the caller panel ---------------------------------------------------------------------


@dataclass
class CallerContext:
    """What the assistant sees about a picked caller before saying a word (DESK-1): the
    person, the house, their open tickets, their last contacts and whether the house is
    in arrears (FEE-9's settlement, for users who may see fees)."""

    person: Person | None = None
    house: House | None = None
    residents: list = field(default_factory=list)  # the house's active occupancies, to pick the caller from
    open_tickets: list[Ticket] = field(default_factory=list)
    recent_contacts: list[Contact] = field(default_factory=list)
    arrears: Settlement | None = None  # None: no house picked, or fees not visible to the user

    def __bool__(self) -> bool:
        return self.person is not None or self.house is not None


def caller_context(user, *, person: Person | None, house: House | None) -> CallerContext:
    """Open tickets and the last contacts of the picked person and/or house, as far as
    the user may see tickets in their project."""
    context = CallerContext(person=person, house=house)
    if not context:
        return context
    match = Q(pk__in=[])
    contact_match = Q(pk__in=[])
    if house is not None:
        match |= Q(house=house)
        contact_match |= Q(house=house)
        context.residents = list(
            house.occupancies.filter(end_date__isnull=True).select_related("person").order_by("-is_primary_contact", "role")
        )
    if person is not None:
        match |= Q(reporter=person)
        contact_match |= Q(person=person)
    tickets = scoping.restrict(Ticket.objects.filter(match, status__in=OPEN_STATUSES), user, Cap.TICKET_VIEW)
    context.open_tickets = list(tickets.select_related("house", "assignee").order_by("-created_at", "-id"))
    contacts = scoping.restrict(Contact.objects.filter(contact_match), user, Cap.TICKET_VIEW)
    context.recent_contacts = list(contacts.select_related("house", "ticket", "receiver")[:RECENT_CONTACTS])
    if house is not None and scoping.has_cap(user, Cap.FEE_VIEW, house.project_id):
        context.arrears = settlement(house)
    return context


# --- who may do what ----------------------------------------------------------------------

HANDLER_ROLES = tuple(role for role, caps in ROLE_CAPS.items() if Cap.TICKET_HANDLE in caps)


def ticket_handlers(project_ids, *, company_wide: bool = False) -> QuerySet[User]:
    """Active staff who may handle tickets in the projects: the assignee choices. Company-
    wide accounts (head office, administrators) only when `company_wide`."""
    memberships = Q(project_id__in=project_ids)
    if company_wide:
        memberships |= Q(project__isnull=True)
    user_ids = Membership.objects.filter(memberships, role__in=HANDLER_ROLES).values("user_id")
    return User.objects.filter(pk__in=user_ids, is_active=True, kind=User.Kind.STAFF).order_by("display_name", "username")


def handler_options(project_ids) -> list[tuple[int, str]]:
    """(user id, name) of `ticket_handlers(project_ids)`: the queue's handler filter, kept
    a minute (core.console.cached_options) — head office's lists ~1,400 staff."""

    def build():
        handlers = ticket_handlers(project_ids).only("pk", "display_name", "username")
        return [(user.pk, str(user)) for user in handlers]

    return cached_options("handlers", project_ids, build)


def handler_choices(project_id: int) -> list[tuple[int, str]]:
    """(user id, "name · role") for the project's staff who may handle tickets."""
    rows = (
        Membership.objects.filter(project_id=project_id, role__in=HANDLER_ROLES, user__is_active=True)
        .select_related("user")
        .order_by("role", "user__display_name", "user__username")
    )
    seen: dict[int, str] = {}
    for membership in rows:
        label = f"{membership.user} · {membership.get_role_display()}"
        seen[membership.user_id] = (
            f"{seen[membership.user_id]}、{membership.get_role_display()}" if membership.user_id in seen else label
        )
    return list(seen.items())


@dataclass(frozen=True)
class TicketPermissions:
    """What the user may do with one ticket: exactly what the services will accept."""

    moves: tuple[str, ...]  # statuses the user may move the ticket to
    can_assign: bool
    can_change_priority: bool
    can_comment: bool
    priorities: tuple[str, ...]


def ticket_permissions(user, ticket: Ticket) -> TicketPermissions:
    project_id = ticket.project_id
    dispatcher = scoping.has_cap(user, Cap.TICKET_DISPATCH, project_id)
    moves = tuple(s for s in Status.values if s in TRANSITIONS[ticket.status]) if may_work_on(user, ticket) else ()
    moves = tuple(s for s in moves if _move_allowed(ticket, s))
    return TicketPermissions(
        moves=moves,
        can_assign=(dispatcher or ticket.receiver_id == user.pk)
        and ticket.status not in DONE_STATUSES
        and scoping.has_cap(user, Cap.TICKET_CREATE, project_id),
        can_change_priority=(dispatcher or scoping.has_cap(user, Cap.TICKET_CLASSIFY, project_id))
        and len(priorities_for(ticket.type)) > 1,
        can_comment=scoping.has_cap(user, Cap.TICKET_VIEW, project_id),
        priorities=priorities_for(ticket.type),
    )


def _move_allowed(ticket: Ticket, status: str) -> bool:
    """The same type-specific checks ticket_transition makes (services.move_guards)."""
    from propdesk.core.errors import DomainError

    guard = move_guards(ticket).get(status)
    try:
        if guard is not None:
            guard(ticket)
    except DomainError:
        return False
    return True


def may_change_priority(user, ticket: Ticket) -> bool:
    return scoping.has_cap(user, Cap.TICKET_DISPATCH, ticket.project_id) or scoping.has_cap(
        user, Cap.TICKET_CLASSIFY, ticket.project_id
    )


# --- labels -------------------------------------------------------------------------------


def category_label(ticket_type: str, category: str) -> str:
    choices = TYPE_CATEGORIES.get(ticket_type)
    if choices is not None and category in choices.values:
        return str(choices(category).label)
    return category


def deadline_text(deadline: dt.datetime | None, now: dt.datetime) -> tuple[str, str]:
    """("还剩 25 分钟" / "已超时 2 小时", css class) for a ticket's next deadline."""
    if deadline is None:
        return "", ""
    seconds = (deadline - now).total_seconds()
    amount = _duration(abs(seconds))
    if seconds >= 0:
        return _("还剩 %(t)s") % {"t": amount}, "warn" if seconds < 3600 else ""
    return _("已超时 %(t)s") % {"t": amount}, "bad"


def _duration(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 60:
        return ngettext("%(n)d 分钟", "%(n)d 分钟", minutes) % {"n": minutes}
    hours = minutes // 60
    if hours < 48:
        return ngettext("%(n)d 小时", "%(n)d 小时", hours) % {"n": hours}
    days = hours // 24
    return ngettext("%(n)d 天", "%(n)d 天", days) % {"n": days}


# --- the timeline in words ----------------------------------------------------------------

_FIELD_LABELS = {
    "status": lambda: _("状态"),
    "priority": lambda: _("等级"),
    "assignee": lambda: _("处理人"),
    "department": lambda: _("责任部门"),
    "type": lambda: _("类型"),
    "category": lambda: _("分类"),
    "name": lambda: _("文件"),
    "validity": lambda: _("定性"),
    "step": lambda: _("步骤"),
    "escalated_to": lambda: _("上报对象"),
    "attachment": None,  # the attachment's id: the name says it
    "happening": None,  # the happening's id: the note carries its title
    "position": None,  # a checklist step's number: the note carries the step
}


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class TimelineEntry:
    event: TicketEvent
    changes: list[Change]


_VALUE_CHOICES = {
    "status": Status,
    "priority": Priority,
    "department": Department,
    "type": TicketType,
    "channel": Channel,
    "validity": Validity,
    "escalated_to": Escalation,
}


def _value_label(key: str, value, users: dict[int, str], ticket_type: str, kind: str = "") -> str:
    if value in (None, ""):
        return "—"
    steps = {EventKind.WORK_ORDER: WorkOrderStep, EventKind.EMERGENCY: EmergencyStep}.get(kind, ComplaintStep)
    choices = {**_VALUE_CHOICES, "step": steps}
    if key in choices and value in choices[key].values:
        return str(choices[key](value).label)
    if key == "assignee":
        return users.get(value, f"#{value}")
    if key == "category":
        return category_label(ticket_type, value)
    return str(value)


def timeline(ticket: Ticket, events=None) -> list[TimelineEntry]:
    """The ticket's events in order, each with its changes as labelled before → after."""
    events = list(events if events is not None else ticket.events.select_related("actor"))
    user_ids = {
        value
        for event in events
        for part in (event.before, event.after)
        for key, value in part.items()
        if key == "assignee" and isinstance(value, int)
    }
    users = {user.pk: str(user) for user in User.objects.filter(pk__in=user_ids)} if user_ids else {}
    entries = []
    for event in events:
        changes = []
        keys = [*event.before, *[k for k in event.after if k not in event.before]]
        for key in keys:
            if key in _FIELD_LABELS and _FIELD_LABELS[key] is None:
                continue
            before, after = event.before.get(key), event.after.get(key)
            if key in event.before and before == after:
                continue
            label = _FIELD_LABELS[key]() if key in _FIELD_LABELS else key
            changes.append(
                Change(
                    label=label,
                    before=_value_label(key, before, users, ticket.type, event.kind) if key in event.before else "",
                    after=_value_label(key, after, users, ticket.type, event.kind) if key in event.after else "",
                )
            )
        entries.append(TimelineEntry(event=event, changes=changes))
    return entries


def event_kind_label(kind: str) -> str:
    return str(EventKind(kind).label) if kind in EventKind.values else kind
