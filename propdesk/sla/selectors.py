"""SLA reads: the policy a ticket runs under, a ticket's clocks, and the SLA board.

board(project_ids, now=None) -> Board   — due soon, breached, counts per department
                                          and per assignee (the console's SLA board)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.desk.choices import Department
from propdesk.sla.choices import ClockState
from propdesk.sla.models import SlaClock, SlaPolicy

LIVE = Q(met_at__isnull=True, ended_at__isnull=True)


def policy_for(*, project_id: int | None, ticket_type: str, priority: str) -> SlaPolicy | None:
    """The active policy for a type × priority: the project's own, else the company
    preset; with its targets and their levels prefetched."""
    where = Q(project__isnull=True) if project_id is None else Q(project_id=project_id) | Q(project__isnull=True)
    rows = list(
        SlaPolicy.objects.filter(where, active=True, ticket_type=ticket_type, priority=priority).prefetch_related(
            "targets__levels"
        )
    )
    return next((p for p in rows if p.project_id is not None), rows[0] if rows else None)


def clocks_for_ticket(ticket) -> QuerySet[SlaClock]:
    """A ticket's clocks, oldest first, with their targets (for the ticket page)."""
    return SlaClock.objects.filter(ticket_id=ticket.pk).select_related("target__policy").order_by("started_at", "pk")


@dataclass(frozen=True)
class BoardRow:
    key: str | int | None
    label: str
    due_soon: int
    breached: int


@dataclass(frozen=True)
class Board:
    now: dt.datetime
    due_soon: QuerySet[SlaClock]  # in the warning window, earliest deadline first
    breached: QuerySet[SlaClock]  # overdue and not yet met, most overdue first
    by_department: list[BoardRow]
    by_assignee: list[BoardRow]

    @property
    def due_soon_count(self) -> int:
        return sum(row.due_soon for row in self.by_department)

    @property
    def breached_count(self) -> int:
        return sum(row.breached for row in self.by_department)


def _due_soon(now: dt.datetime) -> Q:
    return Q(state=ClockState.RUNNING, warn_at__lte=now, deadline_at__gt=now)


def _breached(now: dt.datetime) -> Q:
    # A running clock past its deadline is breached already; the sweep records it within seconds.
    return Q(state=ClockState.BREACHED) | Q(state=ClockState.RUNNING, deadline_at__lte=now)


def _worst_first(row: BoardRow) -> tuple:
    return (-row.breached, -row.due_soon, str(row.label))


def board(project_ids: Iterable[int], *, now: dt.datetime | None = None) -> Board:
    """The SLA board of `project_ids` (the caller's visible projects): clocks due soon
    (past their warning point), clocks breached and still unmet (open tickets), and the
    number of tickets in each per department and per assignee.

    Reads only live clocks through the partial index (project, state, deadline_at); the
    counts are one grouped query, the two lists are lazy querysets for the page to slice."""
    now = now or timezone.now()
    live = SlaClock.objects.filter(LIVE, project_id__in=list(project_ids))
    related = ("ticket__assignee", "ticket__house", "target")
    due_soon = live.filter(_due_soon(now)).select_related(*related).order_by("deadline_at", "pk")
    breached = live.filter(_breached(now)).select_related(*related).order_by("deadline_at", "pk")
    rows = (
        live.filter(_due_soon(now) | _breached(now))
        .values("ticket__department", "ticket__assignee_id", "ticket__assignee__display_name", "ticket__assignee__username")
        .annotate(
            due_soon=Count("ticket", filter=_due_soon(now), distinct=True),
            breached=Count("ticket", filter=_breached(now), distinct=True),
        )
        .order_by()
    )
    departments: dict[str, list[int]] = {}
    assignees: dict[int | None, list] = {}
    for row in rows:
        dept = departments.setdefault(row["ticket__department"] or "", [0, 0])
        dept[0] += row["due_soon"]
        dept[1] += row["breached"]
        name = row["ticket__assignee__display_name"] or row["ticket__assignee__username"] or _("未派单")
        person = assignees.setdefault(row["ticket__assignee_id"], [name, 0, 0])
        person[1] += row["due_soon"]
        person[2] += row["breached"]
    by_department = [
        BoardRow(key, Department(key).label if key in Department.values else _("未指定部门"), due, late)
        for key, (due, late) in departments.items()
    ]
    by_assignee = [BoardRow(key, name, due, late) for key, (name, due, late) in assignees.items()]
    return Board(
        now=now,
        due_soon=due_soon,
        breached=breached,
        by_department=sorted(by_department, key=_worst_first),
        by_assignee=sorted(by_assignee, key=_worst_first),
    )
