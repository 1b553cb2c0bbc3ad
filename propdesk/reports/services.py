"""Writes of the reports app: the daily fact table (sla.md, Statistics; reports.models).

    facts_refresh(days=…, projects=None, now=None) -> int   recompute whole days (idempotent)
    facts_refresh_recent(now=None) -> int     every 15 minutes: yesterday and the days changes touched
    facts_refresh_late(now=None) -> int       nightly: the last LATE_DAYS days
    facts_rebuild(since=None, now=None, progress=None) -> int  backfill (reports_facts_rebuild, seed_demo)

A day's facts are what `reports.selectors.live_facts` counts for it, stored per project;
they go stale when something of that day changes later — a ticket received that day is
resolved, reclassified or reopened, a clock due that day is met, a return visit due that
day is made. Every such change is an event of the ticket (desk.services.event_record; the
SLA clocks follow the events), so `facts_refresh_recent` recomputes, besides yesterday,
the days and projects of every ticket with an event since the last refresh: the day it
was received, its clocks' deadlines, its contacts, visits and paid work order. Changes
that leave no ticket event (a visit made for no ticket, a contact back-dated) are caught
by the nightly `facts_refresh_late` within LATE_DAYS days (a return visit is due within
30 days of closing, VIS-3); older days keep their facts until a rebuild.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from django.db import connection, transaction
from django.db.models import Max, Min, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from propdesk.desk.models import Contact, Ticket, TicketEvent, WorkOrder
from propdesk.estate.models import Project
from propdesk.followup.models import ReturnVisit
from propdesk.reports.models import DailyFact, FactDay, ProjectDay
from propdesk.reports.periods import midnight
from propdesk.reports.selectors import MEASURES, TOTALS, fold_totals, live_facts
from propdesk.sla.models import SlaClock

LATE_DAYS = 40
MARGIN = dt.timedelta(minutes=5)  # events committed late by a long transaction are still seen


def _today(now: dt.datetime) -> dt.date:
    return timezone.localtime(now, timezone.get_default_timezone()).date()


def facts_refresh(*, days: Iterable[dt.date], projects: Iterable[int] | None = None, now: dt.datetime | None = None) -> int:
    """Recompute the facts of each of `days` for `projects` (every project when None):
    the day's grouped counts from the live rows (five aggregate queries), its old rows
    deleted and the new ones inserted in one transaction per day; a day that has ended,
    refreshed for every project, is marked (FactDay) for the report to read. Running it
    twice writes the same rows. Returns the number of fact rows written."""
    now = now or timezone.now()
    today = _today(now)
    ids = list(projects) if projects is not None else list(Project.objects.values_list("pk", flat=True))
    written = 0
    for day in sorted(set(days)):
        with transaction.atomic():
            rows = live_facts(ids, midnight(day), midnight(day + dt.timedelta(days=1)), now=now, by="project")
            totals = [
                ProjectDay(day=day, project_id=key, **t) for key, t in fold_totals(rows).items() if any(t[n] for n in TOTALS)
            ]
            facts = [DailyFact(day=day, project_id=row.pop("key"), **row) for row in rows if any(row[name] for name in MEASURES)]
            stale = Q(day=day) if projects is None else Q(day=day, project_id__in=ids)
            DailyFact.objects.filter(stale).delete()
            ProjectDay.objects.filter(stale).delete()
            DailyFact.objects.bulk_create(facts, batch_size=2000)
            ProjectDay.objects.bulk_create(totals, batch_size=2000)
            if projects is None and day < today:
                FactDay.objects.update_or_create(day=day, defaults={"refreshed_at": now})
        written += len(facts)
    return written


def facts_changed(*, since: dt.datetime) -> dict[dt.date, set[int]]:
    """The days and projects whose facts the ticket events since `since` may have changed
    (see the module docstring). Five queries."""
    tz = timezone.get_default_timezone()
    tickets = TicketEvent.objects.filter(at__gte=since).values("ticket_id")
    touched = [
        (Ticket.objects.filter(pk__in=tickets), "created_at"),
        (SlaClock.objects.filter(ticket_id__in=tickets, deadline_at__isnull=False), "deadline_at"),
        (Contact.objects.filter(ticket_id__in=tickets), "received_at"),
        (ReturnVisit.objects.filter(Q(ticket_id__in=tickets) | Q(done_at__gte=since)), "due_at"),
        (WorkOrder.objects.filter(ticket_id__in=tickets, completed_at__isnull=False), "completed_at"),
    ]
    changed: dict[dt.date, set[int]] = {}
    for qs, field in touched:
        project = "ticket__project_id" if qs.model is WorkOrder else "project_id"
        for project_id, day in qs.annotate(d=TruncDate(field, tzinfo=tz)).values_list(project, "d").distinct():
            changed.setdefault(day, set()).add(project_id)
    return changed


def facts_refresh_recent(*, now: dt.datetime | None = None) -> int:
    """Every ~15 minutes (beat "reports-facts-recent"): yesterday for every project (so
    that it is marked soon after midnight), and the older marked days of the projects that
    ticket events since the last refresh touched. Today is never stored: the report
    computes it live. Returns the number of fact rows written."""
    now = now or timezone.now()
    yesterday = _today(now) - dt.timedelta(days=1)
    last = FactDay.objects.aggregate(at=Max("refreshed_at"))["at"]
    written = facts_refresh(days=[yesterday], now=now)
    if last is not None:
        changed = facts_changed(since=last - MARGIN)
        marked = set(FactDay.objects.filter(day__in=[d for d in changed if d < yesterday]).values_list("day", flat=True))
        for day in sorted(marked):
            written += facts_refresh(days=[day], projects=changed[day], now=now)
    return written


def facts_refresh_late(*, now: dt.datetime | None = None) -> int:
    """Nightly (beat "reports-facts-late"): the last LATE_DAYS days for every project."""
    now = now or timezone.now()
    today = _today(now)
    return facts_refresh(days=[today - dt.timedelta(days=n) for n in range(1, LATE_DAYS + 1)], now=now)


def facts_rebuild(
    *, since: dt.date | None = None, now: dt.datetime | None = None, progress: Callable[[str], None] | None = None
) -> int:
    """Backfill: every day from `since` (default: the first day any ticket, contact, clock
    or return visit falls on) to yesterday. For `manage.py reports_facts_rebuild` and the
    large demo seed. Returns the number of fact rows written."""
    now = now or timezone.now()
    today = _today(now)
    if since is None:
        firsts = [
            Ticket.objects.aggregate(at=Min("created_at"))["at"],
            Contact.objects.aggregate(at=Min("received_at"))["at"],
            SlaClock.objects.aggregate(at=Min("deadline_at"))["at"],
            ReturnVisit.objects.aggregate(at=Min("due_at"))["at"],
        ]
        firsts = [_today(at) for at in firsts if at is not None]
        if not firsts:
            return 0
        since = min(firsts)
    written = 0
    day = since
    while day < today:
        written += facts_refresh(days=[day], now=now)
        if progress and day.day == 1:
            progress(f"{day:%Y-%m}: {written:,} fact rows")
        day += dt.timedelta(days=1)
    if connection.vendor == "postgresql":
        # A backfill replaces most rows: without fresh statistics the planner expects a
        # handful and sorts the report's GROUP BY on disk instead of hashing ~100 groups.
        with connection.cursor() as cursor:
            for model in (DailyFact, ProjectDay, FactDay):
                cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return written
