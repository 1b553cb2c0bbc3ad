"""The daily fact table (sla.md, Statistics): the KPI report read from the facts equals the
report computed from the live rows, a late change to an old ticket reaches the facts on
the next refresh, a refresh is idempotent, and the refresh is scheduled."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from propdesk.desk.choices import Channel, ContactOutcome, Department, Status, TicketType, Validity
from propdesk.desk.models import Ticket, TicketEvent
from propdesk.reports import services
from propdesk.reports.models import DailyFact, FactDay, ProjectDay
from propdesk.reports.periods import Period, PeriodKind
from propdesk.reports.selectors import kpi_report
from propdesk.reports.tests.conftest import NOW, SHANGHAI, Builder
from propdesk.sla.choices import ClockState, TargetKind

JUNE = Period.containing(PeriodKind.MONTH, dt.date(2026, 6, 1))
JULY = Period.containing(PeriodKind.MONTH, dt.date(2026, 7, 1))
BASE = dt.datetime(2026, 6, 29, tzinfo=SHANGHAI)  # data from 26 June to 3 July, across the month's end
LATER = dt.datetime(2026, 7, 2, 12, 0, tzinfo=SHANGHAI)  # 29 June – 1 July from the facts, 2 July on live


# A time near a Shanghai day's edge (00:00, 23:59, the UTC midnight at 08:00) or anywhere.
minutes = st.one_of(st.sampled_from([0, 1, 8 * 60, 23 * 60 + 59]), st.integers(0, 24 * 60 - 1))
times = st.builds(lambda day, m: BASE + dt.timedelta(days=day, minutes=m), st.integers(-3, 4), minutes)
tickets = st.lists(
    st.fixed_dictionaries(
        {
            "b": st.booleans(),
            "type": st.sampled_from([TicketType.COMPLAINT, TicketType.REPAIR, TicketType.INQUIRY]),
            "category": st.sampled_from(["", "plumbing", "cleaning"]),
            "status": st.sampled_from([Status.NEW, Status.RESOLVED, Status.CLOSED]),
            "department": st.sampled_from(["", Department.ENGINEERING, Department.CLEANING]),
            "validity": st.sampled_from([None, Validity.EFFECTIVE, Validity.INVALID, Validity.PENDING]),
            "created": times,
            "paid": st.one_of(st.none(), st.tuples(st.sampled_from([None, Decimal("12.50")]), st.one_of(st.none(), times))),
            "clocks": st.lists(
                st.tuples(
                    st.sampled_from([TargetKind.RESOLVE, TargetKind.ON_SITE]),
                    st.sampled_from([ClockState.RUNNING, ClockState.MET, ClockState.BREACHED, ClockState.CANCELLED]),
                    times,
                ),
                max_size=2,
                unique_by=lambda clock: clock[0],  # one clock a target kind (sla_clock constraints)
            ),
            "contact": st.one_of(st.none(), st.tuples(st.sampled_from([Channel.PHONE, Channel.VISIT]), times)),
            "visit": st.one_of(
                st.none(), st.tuples(times, st.one_of(st.none(), times), st.sampled_from([None, True, False]), st.booleans())
            ),
        }
    ),
    max_size=12,
)


def _build(world, rows) -> None:
    b = Builder(world)
    for r in rows:
        project = world.project_b if r["b"] else world.project_a
        validity = r["validity"] if r["type"] == TicketType.COMPLAINT else None
        paid = r["paid"] if r["type"] == TicketType.REPAIR else None
        t = b.ticket(
            r["type"], r["created"], project=project, category=r["category"], status=r["status"], department=r["department"],
            validity=validity, paid=paid,
        )  # fmt: skip
        for kind, state, deadline in r["clocks"]:
            b.clock(t, kind, state, deadline)
        if r["contact"]:
            channel, received = r["contact"]
            b.contact(channel, received, ContactOutcome.TICKET, t, project=project)
        if r["visit"]:
            due, done, satisfied, scored = r["visit"]
            b.visit(t, due, done, handled=True, satisfied=satisfied, scores=(4, 5, 3) if scored and done else (None,) * 3)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=tickets)
def test_the_report_from_the_facts_equals_the_report_from_the_live_rows(world, rows):
    ids = {world.project_a.pk, world.project_b.pk}
    with transaction.atomic():
        _build(world, rows)
        live = [kpi_report(scope, period, now=LATER) for scope in (ids, {world.project_a.pk}) for period in (JUNE, JULY)]
        services.facts_rebuild(now=LATER)
        assert FactDay.objects.filter(day__gte=dt.date(2026, 7, 2)).count() == 0  # today stays live
        from_facts = [kpi_report(scope, period, now=LATER) for scope in (ids, {world.project_a.pk}) for period in (JUNE, JULY)]
        assert from_facts == live
        transaction.set_rollback(True)


def test_the_report_reads_the_facts_of_the_days_that_have_them(world, kpi, django_assert_num_queries):
    """With the facts built, the days that have them cost one query a period (and the
    previous one), one for the ranking, one for the trend, and one to find them; the days
    without — 20 to 30 June, `now` being 20 June — are read live (5 queries for the
    sections, 4 for the ranking, 3 for the trend); and the projects, 5 for VIS-7."""
    ids = {world.project_a.pk, world.project_b.pk}
    live = kpi_report(ids, JUNE, now=NOW)
    services.facts_rebuild(since=dt.date(2025, 6, 1), now=NOW)
    assert DailyFact.objects.exists()
    with django_assert_num_queries(1 + (1 + 5) + 1 + (1 + 4 + 1) + (1 + 3) + 5):
        assert kpi_report(ids, JUNE, now=NOW) == live


def test_a_change_to_an_old_ticket_reaches_the_facts_on_the_next_refresh(world, kpi):
    own = {world.project_a.pk}
    services.facts_rebuild(now=NOW)
    before = kpi_report(own, JUNE, now=NOW).repairs.done
    ticket = kpi.plumbing[2]  # received 10 June, in progress
    Ticket.objects.filter(pk=ticket.pk).update(status=Status.RESOLVED)
    TicketEvent.objects.create(project=ticket.project, ticket=ticket, kind="status", at=NOW + dt.timedelta(hours=1))
    assert kpi_report(own, JUNE, now=NOW).repairs.done == before  # the facts of 10 June are stale…
    services.facts_refresh_recent(now=NOW + dt.timedelta(hours=2))
    assert kpi_report(own, JUNE, now=NOW).repairs.done == before + 1  # … until the refresh
    FactDay.objects.all().delete()
    assert kpi_report(own, JUNE, now=NOW).repairs.done == before + 1  # as the live rows say


def test_a_refresh_is_idempotent(world, kpi):
    def stored():
        facts = sorted(map(str, DailyFact.objects.values_list(*[f.name for f in DailyFact._meta.fields if f.name != "id"])))
        return facts, sorted(map(str, ProjectDay.objects.values_list("day", "project", "tickets", "met", "breached")))

    days = [dt.date(2026, 6, 1) + dt.timedelta(days=n) for n in range(30)]
    services.facts_refresh(days=days, now=NOW)
    once = stored()
    services.facts_refresh(days=days, now=NOW)
    assert stored() == once
    assert len(once[0]) > 20
    services.facts_refresh(days=days, projects=[world.project_a.pk], now=NOW)
    assert stored() == once


def test_the_rebuild_command_and_the_refreshes_are_scheduled(world, kpi):
    from propdesk.celery import app
    from propdesk.reports import tasks

    call_command("reports_facts_rebuild", "--since", "2026-06-01", stdout=io.StringIO())
    assert FactDay.objects.filter(day=dt.date(2026, 6, 1)).exists()
    schedule = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert {"propdesk.reports.tasks.refresh_facts_recent", "propdesk.reports.tasks.refresh_facts_late"} <= schedule
    assert app.conf.beat_schedule["reports-facts-recent"]["schedule"] <= 15 * 60
    assert tasks.refresh_facts_recent.name == "propdesk.reports.tasks.refresh_facts_recent"
