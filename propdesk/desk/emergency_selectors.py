"""Reads for emergencies (DESK-7) and the duty roster: the panel on an emergency ticket's
page and the roster page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.utils import timezone

from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.desk.choices import EmergencyStep, EventKind
from propdesk.desk.emergencies import on_duty
from propdesk.desk.models import DutyShift, EmergencyCheck, EmergencyDetail, Ticket, TicketEvent
from propdesk.desk.services import may_work_on


@dataclass
class EmergencyPanel:
    detail: EmergencyDetail | None
    checks: list[EmergencyCheck]
    responders: list
    on_duty_now: list
    caller_updates: list[TicketEvent]
    can_act: bool  # tick steps, inform the caller, write the summary
    done_count: int = field(init=False)

    def __post_init__(self) -> None:
        self.done_count = sum(1 for check in self.checks if check.done_at)


def emergency_panel(user, ticket: Ticket) -> EmergencyPanel:
    detail = EmergencyDetail.objects.filter(ticket=ticket).select_related("plan", "summary_by").first()
    responders = list(detail.responders.order_by("pk")) if detail else []
    return EmergencyPanel(
        detail=detail,
        checks=list(EmergencyCheck.objects.filter(ticket=ticket).select_related("done_by")),
        responders=responders,
        on_duty_now=list(on_duty(ticket.project_id, ticket.department)) if ticket.department else [],
        caller_updates=list(
            TicketEvent.objects.filter(ticket=ticket, kind=EventKind.EMERGENCY, after__step=EmergencyStep.CALLER_INFORMED)
            .select_related("actor")
            .order_by("at", "pk")
        ),
        can_act=ticket.is_open and (may_work_on(user, ticket) or any(u.pk == user.pk for u in responders)),
    )


def roster(project_ids, *, start: dt.date, days: int) -> QuerySet[DutyShift]:
    """Shifts overlapping the `days` days from `start` (local dates), in time order."""
    tz = timezone.get_current_timezone()
    begin = dt.datetime.combine(start, dt.time.min, tzinfo=tz)
    end = begin + dt.timedelta(days=days)
    return (
        DutyShift.objects.filter(project_id__in=project_ids, starts_at__lt=end, ends_at__gt=begin)
        .select_related("project", "user")
        .order_by("starts_at", "department", "pk")
    )


def roster_editable(user, project_ids) -> frozenset[int]:
    """The projects among `project_ids` whose roster `user` may change (dispatchers)."""
    return frozenset(project_ids) & scoping.visible_project_ids(user, Cap.TICKET_DISPATCH)
