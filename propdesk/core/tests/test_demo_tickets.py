"""The bulk ticket generator of the large demo scale (`core.demo_tickets`), run small on
the test world: its rows are what the desk services and the SLA engine would have left
— numbering goes on, statuses and times agree, clocks and queues agree, the sweep runs."""

import datetime as dt
import itertools
from collections import Counter

import pytest
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone

from propdesk.accounts.models import Membership
from propdesk.accounts.roles import Role
from propdesk.core.demo_tickets import seed_tickets
from propdesk.core.models import Counter as NumberCounter
from propdesk.core.services import calendar_create_default
from propdesk.desk.choices import (
    DONE_STATUSES,
    OPEN_STATUSES,
    PAUSED_STATUSES,
    TRANSITIONS,
    TYPE_CATEGORIES,
    EventKind,
    Status,
    TicketType,
    Validity,
    priorities_for,
)
from propdesk.desk.models import ComplaintDetail, Ticket, TicketEvent
from propdesk.desk.services import ticket_open
from propdesk.estate.services import project_create
from propdesk.followup.choices import SIGNED_METHODS, VisitMethod, VisitPurpose, VisitStatus
from propdesk.followup.models import ReturnVisit, ReturnVisitPolicy, VisitDraw
from propdesk.followup.presets import AUDIT_DELAY_DAYS
from propdesk.followup.selectors import visits_to_review, visits_todo
from propdesk.followup.services import _due as visit_due
from propdesk.followup.services import policy_for, visit_policies_install
from propdesk.reports.periods import Period, PeriodKind
from propdesk.reports.selectors import kpi_report
from propdesk.sla.choices import ClockState, Unit
from propdesk.sla.models import SlaClock, SlaFiring
from propdesk.sla.services import sla_install_presets, sla_sweep

NOW = dt.datetime(2026, 3, 9, 2, 17, tzinfo=dt.UTC)  # a Monday, 10:17 in Hangzhou: clocks are running
TOTAL = 1000
LIVE = Q(met_at__isnull=True, ended_at__isnull=True)


@pytest.fixture
def generated(world):
    """Projects A and B with staff in every role, and C with none (its desk roster is
    made up); one house each in A and B."""
    calendar_create_default(name="公司默认工作日历")
    sla_install_presets(variant="002")
    visit_policies_install()  # CMP-9 "002", REP-8 standard, as the demo's set-up
    visit_policies_install(repairs="week", project=world.project_b)  # B's own: repairs 60 % (REP-8)
    project_c = project_create(company=world.company, code="c", name="碧水湾")
    world.projects = [world.project_a, world.project_b, project_c]
    world.report = seed_tickets(total=TOTAL, months=1, projects=world.projects, now=NOW, seed=7)
    return world


def _generated() -> list[Ticket]:
    return list(Ticket.objects.order_by("id"))


def test_counts_mix_and_report(generated):
    report = generated.report
    tickets = _generated()
    assert len(tickets) == report.tickets == TOTAL
    assert TicketEvent.objects.filter(ticket__in=tickets).count() == report.events >= TOTAL
    assert SlaClock.objects.filter(ticket__in=tickets).count() == report.clocks > TOTAL
    types = Counter(t.type for t in tickets)
    assert types.most_common(1)[0][0] == TicketType.REPAIR
    assert types[TicketType.COMPLAINT] > 0 and types[TicketType.INQUIRY] > 0
    statuses = Counter(t.status for t in tickets)
    assert statuses[Status.CLOSED] > TOTAL * 0.8
    assert report.open_tickets == sum(statuses[s] for s in OPEN_STATUSES) > 0
    created = [t.created_at for t in tickets]
    assert NOW - dt.timedelta(days=31) <= min(created) and max(created) <= NOW


def test_numbering_continues_after_the_generated_tickets(generated):
    project = generated.project_a
    # A second run dated now, so that this year's counter has generated numbers too.
    seed_tickets(total=120, months=1, projects=[project], now=timezone.now(), seed=3)
    numbers = set(Ticket.objects.filter(project=project).values_list("number", flat=True))
    counters = dict(NumberCounter.objects.filter(project=project, key__startswith="ticket-").values_list("key", "value"))
    for key, value in counters.items():  # each stands at the last number it gave
        assert f"{key[7:]}{value:06d}" in numbers and f"{key[7:]}{value + 1:06d}" not in numbers
    year = timezone.localtime(timezone.now()).year
    ticket = ticket_open(project=project, type=TicketType.INQUIRY, title="咨询停车", by=generated.assistant)
    assert ticket.number == f"{year}{counters[f'ticket-{year}'] + 1:06d}" and ticket.number not in numbers
    for project in generated.projects:
        for key, value in NumberCounter.objects.filter(project=project, key__startswith="ticket-").values_list("key", "value"):
            numbers = Ticket.objects.filter(project=project, number__startswith=key[7:]).values_list("number", flat=True)
            sequence = sorted(int(n[4:]) for n in numbers)
            assert sequence == list(range(1, value + 1))  # gap-free, no collision


def test_fields_agree_with_the_state_machine(generated):
    _report = generated
    for t in _generated():
        assert t.priority in priorities_for(t.type)
        choices = TYPE_CATEGORIES.get(t.type)
        assert (t.category in choices.values) if choices else t.category == ""
        assert t.house_id or t.location or t.type not in (TicketType.REPAIR, TicketType.COMPLAINT)
        if t.status == Status.CLOSED:
            assert t.created_at <= t.resolved_at <= t.closed_at <= NOW
        elif t.status == Status.RESOLVED:
            assert t.resolved_at is not None and t.closed_at is None
        else:
            assert t.resolved_at is None and t.closed_at is None
        if t.status == Status.ASSIGNED:
            assert t.assignee_id is not None
        if t.status == Status.NEW:
            assert t.assignee_id is None and t.department == ""


def test_timelines_start_with_created_and_end_in_the_status(generated):
    _report = generated
    tickets = {t.pk: t for t in _generated()}
    events: dict[int, list[TicketEvent]] = {}
    for event in TicketEvent.objects.filter(ticket_id__in=tickets).order_by("at", "id"):
        events.setdefault(event.ticket_id, []).append(event)
    for pk, ticket in tickets.items():
        timeline = events[pk]
        assert timeline[0].kind == EventKind.CREATED and timeline[0].at == ticket.created_at
        assert all(ticket.created_at <= e.at <= NOW for e in timeline)
        moves = [e for e in timeline if e.kind in (EventKind.STATUS, EventKind.ASSIGNED)]
        if ticket.status != Status.NEW:
            assert moves and moves[-1].after["status"] == ticket.status, (ticket.number, ticket.status)
        if ticket.status in OPEN_STATUSES:  # the whole way for every open ticket
            statuses = [Status.NEW] + [e.after["status"] for e in moves]
            assert all(b in TRANSITIONS[a] for a, b in itertools.pairwise(statuses)), ticket.number


def test_clocks_agree_with_tickets_and_queues(generated):
    _report = generated
    tickets = {t.pk: t for t in _generated()}
    clocks: dict[int, list[SlaClock]] = {}
    for clock in SlaClock.objects.filter(ticket_id__in=tickets):
        clocks.setdefault(clock.ticket_id, []).append(clock)
    states = Counter()
    for pk, ticket in tickets.items():
        mine = clocks.get(pk, [])
        assert len({c.kind for c in mine}) == len(mine)  # one clock per target kind
        live = [c for c in mine if c.is_live]
        states.update(c.state for c in mine)
        if ticket.status in DONE_STATUSES:
            assert not live, ticket.number
        ticking = [c.deadline_at for c in live if c.state in (ClockState.RUNNING, ClockState.BREACHED)]
        assert ticket.next_deadline_at == (min(ticking) if ticking else None)
        for c in mine:
            assert c.started_at == ticket.created_at
            if c.state == ClockState.BREACHED:
                assert c.breached_at == c.original_deadline_at <= NOW
            if c.state == ClockState.RUNNING:
                assert c.deadline_at > NOW and c.next_check_at is not None
            if c.state == ClockState.PAUSED:
                assert ticket.status in PAUSED_STATUSES and c.deadline_at is None and c.paused_remaining > dt.timedelta(0)
            if c.state == ClockState.MET:
                assert c.met_at <= c.deadline_at
    assert states[ClockState.MET] and states[ClockState.BREACHED] and states[ClockState.RUNNING]
    # The same through the database, as the queue reads it.
    open_tickets = Ticket.objects.filter(pk__in=tickets, status__in=OPEN_STATUSES)
    for ticket in open_tickets:
        expected = SlaClock.objects.filter(LIVE, ticket=ticket, state__in=(ClockState.RUNNING, ClockState.BREACHED)).aggregate(
            at=Min("deadline_at")
        )["at"]
        assert ticket.next_deadline_at == expected


def test_complaints_have_details_and_firings_belong_to_live_clocks(generated):
    complaints = [t for t in _generated() if t.type == TicketType.COMPLAINT]
    details = {d.ticket_id: d for d in ComplaintDetail.objects.all()}
    assert set(details) == {t.pk for t in complaints}
    for ticket in complaints:
        if ticket.status == Status.NEW:
            assert details[ticket.pk].validity == Validity.PENDING
    firings = list(SlaFiring.objects.select_related("clock"))
    for firing in firings:
        assert firing.fired_at <= NOW and firing.clock.is_live
        assert firing.clock.next_check_at is None or firing.clock.next_check_at > NOW
    fired = {(f.clock_id, f.key) for f in firings}
    overdue = SlaClock.objects.filter(LIVE, state=ClockState.BREACHED)
    assert overdue.exists()
    for clock in overdue:  # the sweep has recorded every breach that came due
        assert (clock.pk, f"breach:{clock.target_id}") in fired


def test_projects_without_desk_staff_get_a_roster(generated):
    project_c = generated.projects[2]
    roles = Counter(Membership.objects.filter(project=project_c).values_list("role", flat=True))
    assert roles == {Role.ASSISTANT: 1, Role.SUPERVISOR: 1, Role.ENGINEER: 2, Role.GUARD: 1, Role.CLEANER: 1}
    assert generated.report.staff_created == 6
    tickets = Ticket.objects.filter(project=project_c)
    assert tickets.exists() and not tickets.exclude(receiver__memberships__project=project_c).exists()
    assert not tickets.filter(house__isnull=True, location="").exists()  # no house there: common areas


def test_the_sweep_runs_clean_afterwards(generated):
    later = NOW + dt.timedelta(days=2)  # past the next working day: warnings and breaches come due
    report = sla_sweep(now=later, batch=100_000)
    assert report.errors == 0
    assert report.due > 0 and report.processed == report.due and report.fired > 0
    assert sla_sweep(now=later, batch=100_000).due == 0  # what was due is done, once


def test_same_seed_and_now_give_the_same_tickets(generated):
    projects = generated.projects

    def run() -> list[tuple]:
        with transaction.atomic():
            existing = set(Ticket.objects.values_list("pk", flat=True))
            seed_tickets(total=200, months=1, projects=projects, now=NOW, seed=11)
            fields = ("number", "type", "priority", "status", "created_at", "next_deadline_at", "house_id", "assignee_id")
            rows = sorted(Ticket.objects.exclude(pk__in=existing).values_list(*fields))
            transaction.set_rollback(True)
        return rows

    assert run() == run()


def test_return_visits_follow_the_policies(generated):
    """VIS-1, VIS-3, REP-8, CMP-9, CMP-10: every closed ticket of a type with a policy is
    drawn once in closing order by the quota rule, and the drawn ones have their visit,
    due after the policy's delay on the project's calendar."""
    tickets = {t.pk: t for t in _generated()}
    draws = list(VisitDraw.objects.select_related("policy").order_by("project_id", "policy_id", "purpose", "seq"))
    policy_types = set(ReturnVisitPolicy.objects.filter(active=True).values_list("ticket_type", flat=True))
    closed = {pk for pk, t in tickets.items() if t.status == Status.CLOSED and t.type in policy_types}
    assert {d.ticket_id for d in draws if d.purpose == VisitPurpose.ROUTINE} == closed
    for d in draws:
        assert d.policy == policy_for(tickets[d.ticket_id])  # the project's own policy first
    sequences = itertools.groupby(draws, key=lambda d: (d.project_id, d.policy_id, d.purpose))
    shares = {}
    for (project_id, _policy, purpose), group in sequences:
        group = list(group)
        percent = group[0].policy.audit_percent if purpose == VisitPurpose.AUDIT else group[0].policy.coverage_percent
        assert [d.seq for d in group] == list(range(1, len(group) + 1))
        closing = [tickets[d.ticket_id].closed_at for d in group]
        assert closing == sorted(closing)  # drawn in closing order
        drawn = sum(d.drawn for d in group)
        assert drawn == -(-len(group) * percent // 100)  # exactly ceil(n·p)
        shares[(project_id, purpose, percent)] = drawn / len(group)
    assert {percent for _p, _purpose, percent in shares} >= {100, 60, 10}
    for d in draws:  # the sampling sequences go on from here (visits_schedule_for)
        key = f"visit:{d.policy_id}" if d.purpose == VisitPurpose.ROUTINE else "visit-audit"
        assert NumberCounter.objects.get(project_id=d.project_id, key=key).value >= d.seq

    visits = list(ReturnVisit.objects.select_related("policy"))
    assert {(v.ticket_id, v.purpose) for v in visits} == {(d.ticket_id, d.purpose) for d in draws if d.drawn}
    for v in visits:
        ticket = tickets[v.ticket_id]
        assert ticket.status == Status.CLOSED and v.created_at == ticket.closed_at and v.round == 1
        if v.purpose == VisitPurpose.ROUTINE:
            expected = visit_due(ticket, start=ticket.closed_at, amount=v.policy.delay, unit=v.policy.delay_unit)
        else:
            expected = ticket.closed_at + dt.timedelta(days=AUDIT_DELAY_DAYS)
        assert v.due_at == expected
        assert v.visitor_id is not None and v.warn_at is not None
        if v.status == VisitStatus.DONE:
            assert ticket.closed_at <= v.done_at <= NOW and v.next_check_at is None
            assert v.method and v.handled is not None and v.satisfied is not None
            assert all(1 <= s <= 5 for s in (v.score_quality, v.score_result, v.score_attitude))
            if v.in_person_required:
                assert v.method in SIGNED_METHODS
            sent_back = not (v.handled and v.satisfied)  # VIS-6
            assert (v.sent_back_at == v.done_at) is sent_back
            if sent_back:
                rework = visit_due(ticket, start=v.done_at, amount=v.policy.rework_days, unit=Unit.BUSINESS_DAYS)
                assert v.rework_due_at == rework
        else:
            assert v.done_at is None and v.created_at >= NOW - dt.timedelta(days=14)
            assert (v.next_check_at is None) is (v.due_at <= NOW)
    done = [v for v in visits if v.status == VisitStatus.DONE]
    assert 0.85 <= sum(v.satisfied for v in done) / len(done) < 1
    assert 0.85 <= sum(v.done_at <= v.due_at for v in done) / len(done) < 1
    assert sum(v.method == VisitMethod.PHONE for v in done) > len(done) / 2
    assert any(v.status == VisitStatus.PLANNED for v in visits)
    # the service's summary comment on tickets with a full timeline
    comments = TicketEvent.objects.filter(kind=EventKind.COMMENT, ticket_id__in=[v.ticket_id for v in done])
    assert comments.exists() and all("是否满意" in c.note for c in comments)
    assert generated.report.visits["done"] + generated.report.visits["planned"] == len(visits)


def test_visit_reports_read_the_generated_visits(generated):
    """VIS-4 / VIS-2 in the KPI report, and the visitor's and PM's lists, over the rows."""
    ids = [p.pk for p in generated.projects]
    period = Period.containing(PeriodKind.MONTH, timezone.localtime(NOW - dt.timedelta(days=10)).date())
    report = kpi_report(ids, period, now=NOW)
    due = ReturnVisit.objects.filter(due_at__gte=period.start, due_at__lt=period.end)
    assert report.visits.due == due.count() > 0
    assert report.visits.done == due.filter(status=VisitStatus.DONE).count() > 0
    assert 85 <= report.visits.satisfied_rate < 100  # per cent
    assert 4 <= report.visits.score_quality <= 5
    supervisor = generated.users[("supervisor", "a")]
    todo = list(visits_todo(supervisor, ids))
    assert todo and all(v.status == VisitStatus.PLANNED for v in todo)
    assert visits_to_review(ids).count() == ReturnVisit.objects.filter(status=VisitStatus.DONE).count()
