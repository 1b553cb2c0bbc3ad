"""How clocks follow the ticket: pause and resume, severity changes, breach permanence
over close and reopen, cancellation, Ticket.next_deadline_at, policy versions, presets."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from propdesk.core.errors import DomainError
from propdesk.desk.choices import EventKind, Priority, Status, TicketType
from propdesk.desk.models import TicketEvent
from propdesk.desk.services import ticket_assign, ticket_change_priority
from propdesk.notifications.models import Notification
from propdesk.sla.choices import Anchor, ClockState, StartEvent, StopEvent, TargetKind, Unit
from propdesk.sla.models import EscalationLevel, SlaClock, SlaPolicy, SlaTarget
from propdesk.sla.services import (
    clocks_on_event,
    sla_install_presets,
    sla_policy_activate,
    sla_policy_new_version,
    sla_sweep,
)
from propdesk.sla.tests.conftest import at, clock_of, earliest_ticking_deadline, engineer, move, open_ticket

pytestmark = pytest.mark.django_db


# --- pause and resume -------------------------------------------------------------------


def test_waiting_for_the_customer_pauses_and_resuming_adds_the_waiting_working_time(world, presets, clock):
    ticket = open_ticket(world, TicketType.COMPLAINT, Priority.IMPORTANT)  # Mon 09:00, 1 working day
    resolve = clock_of(ticket, TargetKind.RESOLVE)
    assert resolve.deadline_at == at(2026, 6, 2, 9, 0)
    clock.set(at(2026, 6, 1, 10, 0))
    move(world, ticket, Status.IN_PROGRESS)
    ticket = move(world, ticket, Status.WAITING_CUSTOMER)
    resolve.refresh_from_db()
    # 10:00–12:00, 13:30–17:30 and 08:30–09:00 are left; no deadline while paused.
    assert (resolve.state, resolve.deadline_at, resolve.paused_remaining) == (
        ClockState.PAUSED,
        None,
        dt.timedelta(hours=6, minutes=30),
    )
    assert (resolve.next_check_at, ticket.next_deadline_at) == (None, None)

    clock.set(at(2026, 6, 1, 15, 0))
    ticket = move(world, ticket, Status.IN_PROGRESS)
    resolve.refresh_from_db()
    # 2 h 30 today, 4 h on Tuesday: 08:30–12:00 and 13:30–14:00.
    assert (resolve.state, resolve.deadline_at) == (ClockState.RUNNING, at(2026, 6, 2, 14, 0))
    assert (resolve.paused_total, resolve.paused_business) == (dt.timedelta(hours=5), dt.timedelta(hours=3, minutes=30))
    assert resolve.original_deadline_at == at(2026, 6, 2, 9, 0)
    assert ticket.next_deadline_at == at(2026, 6, 2, 14, 0)


def test_transfer_and_dispatch_do_not_pause(world, presets, clock):
    ticket = open_ticket(world, TicketType.REPAIR, Priority.URGENT)
    move(world, ticket, Status.IN_PROGRESS)
    assert {c.kind: c.state for c in SlaClock.objects.filter(ticket=ticket)} == {
        TargetKind.TRANSFER: ClockState.MET,
        TargetKind.DISPATCH: ClockState.MET,
        TargetKind.ON_SITE: ClockState.MET,
    }


def test_met_while_paused_is_met_in_time(world, presets, clock):
    ticket = open_ticket(world, TicketType.COMPLAINT, Priority.MINOR)
    move(world, ticket, Status.IN_PROGRESS)
    move(world, ticket, Status.WAITING_PARTS)
    clock.set(at(2026, 6, 10, 9, 0))  # long after the original deadline
    move(world, ticket, Status.RESOLVED)
    resolve = clock_of(ticket, TargetKind.RESOLVE)
    assert (resolve.state, resolve.breached_at, resolve.met_at) == (ClockState.MET, None, at(2026, 6, 10, 9, 0))
    assert resolve.deadline_at > resolve.met_at


def test_pausing_an_overdue_clock_records_the_breach(world, presets, clock):
    ticket = open_ticket(world, TicketType.COMPLAINT, Priority.MINOR)  # due 14:30
    move(world, ticket, Status.IN_PROGRESS)
    clock.set(at(2026, 6, 1, 14, 30, 5))  # before the sweep came by
    move(world, ticket, Status.WAITING_CUSTOMER)
    resolve = clock_of(ticket, TargetKind.RESOLVE)
    assert (resolve.state, resolve.breached_at) == (ClockState.BREACHED, at(2026, 6, 1, 14, 30))
    assert resolve.next_check_at <= clock.now  # due: the sweep still sends the breach notice
    clock.advance(seconds=15)
    sla_sweep()
    fired = dict(resolve.firings.values_list("key", "detail__notified"))
    target = resolve.target_id
    # The warning point passed unnoticed: recorded, not sent once the clock is overdue.
    assert fired == {f"warn:{target}": None, f"breach:{target}": 1, "level:overrun-supervisor": 1}
    resolve.refresh_from_db()
    assert resolve.next_check_at == at(2026, 6, 8, 9, 0)  # CMP-5's step is next


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(st.integers(1, 3 * 24 * 60), st.integers(0, 5 * 24 * 60)),
        min_size=1,
        max_size=3,
    )
)
def test_pause_and_resume_through_the_services_never_shorten_a_deadline(world, presets, clock, steps):
    """Property: whatever the moments of pausing and resuming, each resume gives a
    deadline no earlier than the one before the pause (see also test_arithmetic)."""
    clock.set(at(2026, 9, 21, 9, 0))
    ticket = open_ticket(world, TicketType.COMPLAINT, Priority.MAJOR)  # 2 working days, 15 days
    ticket = move(world, ticket, Status.IN_PROGRESS)  # the answer is given
    resolve = clock_of(ticket, TargetKind.RESOLVE)
    deadline = resolve.deadline_at
    for run_minutes, wait_minutes in steps:
        if clock.now + dt.timedelta(minutes=run_minutes) >= deadline:
            break
        clock.advance(minutes=run_minutes)
        ticket = move(world, ticket, Status.WAITING_CUSTOMER)
        clock.advance(minutes=wait_minutes)
        ticket = move(world, ticket, Status.IN_PROGRESS)
        resolve.refresh_from_db()
        assert resolve.deadline_at >= deadline
        assert resolve.deadline_at - deadline == dt.timedelta(minutes=wait_minutes)  # calendar days: the wait itself
        deadline = resolve.deadline_at
    assert ticket.next_deadline_at == earliest_ticking_deadline(ticket)


# --- severity changes -------------------------------------------------------------------


def test_severity_change_recomputes_and_keeps_original_deadline(world, presets, clock):
    ticket = open_ticket(world, TicketType.COMPLAINT, Priority.MINOR)  # Mon 09:00: due 14:30
    resolve = clock_of(ticket, TargetKind.RESOLVE)
    assert resolve.deadline_at == at(2026, 6, 1, 14, 30)
    clock.set(at(2026, 6, 1, 9, 30))
    move(world, ticket, Status.IN_PROGRESS)
    move(world, ticket, Status.WAITING_CUSTOMER)
    clock.set(at(2026, 6, 1, 10, 30))
    ticket = move(world, ticket, Status.IN_PROGRESS)  # 1 working hour paused: due 15:30

    clock.set(at(2026, 6, 1, 11, 0))
    ticket = ticket_change_priority(ticket=ticket, priority=Priority.IMPORTANT, by=world.supervisor, reason="影响较大")
    resolve.refresh_from_db()
    # Same clock, new target: 1 working day from the start (Tue 09:00) plus the hour paused.
    assert resolve.target.policy.priority == Priority.IMPORTANT
    assert (resolve.started_at, resolve.deadline_at) == (at(2026, 6, 1, 9, 0), at(2026, 6, 2, 10, 0))
    assert resolve.original_deadline_at == at(2026, 6, 1, 14, 30)
    assert resolve.budget == dt.timedelta(hours=7, minutes=30)

    # Major adds an answer target, started from the ticket's start — unless the answer
    # was given already (here it was: the ticket is in progress).
    ticket = ticket_change_priority(ticket=ticket, priority=Priority.MAJOR, by=world.supervisor, reason="重大")
    resolve.refresh_from_db()
    assert resolve.deadline_at == at(2026, 6, 16, 9, 0) + dt.timedelta(hours=1)  # 15 days + the calendar hour paused
    assert not SlaClock.objects.filter(ticket=ticket, kind=TargetKind.FIRST_ANSWER).exists()
    assert ticket.next_deadline_at == earliest_ticking_deadline(ticket)


def test_severity_change_while_paused_keeps_the_clock_paused(world, presets, clock):
    ticket = open_ticket(world, TicketType.COMPLAINT, Priority.MINOR)
    move(world, ticket, Status.IN_PROGRESS)
    clock.set(at(2026, 6, 1, 10, 0))
    ticket = move(world, ticket, Status.WAITING_CUSTOMER)
    ticket = ticket_change_priority(ticket=ticket, priority=Priority.IMPORTANT, by=world.supervisor, reason="影响较大")
    resolve = clock_of(ticket, TargetKind.RESOLVE)
    # Important: due Tue 09:00; at the pause (10:00) 6 h 30 of working time were left.
    assert (resolve.state, resolve.deadline_at, resolve.paused_remaining) == (
        ClockState.PAUSED,
        None,
        dt.timedelta(hours=6, minutes=30),
    )


def test_severity_change_leaves_a_breached_clock_breached(world, presets, clock):
    ticket = open_ticket(world, TicketType.REPAIR, Priority.GENERAL)
    clock.set(at(2026, 6, 1, 9, 4))
    sla_sweep()  # dispatch (3 min) breached
    ticket = ticket_change_priority(ticket=ticket, priority=Priority.URGENT, by=world.supervisor, reason="漏水加剧")
    dispatch = clock_of(ticket, TargetKind.DISPATCH)
    assert (dispatch.state, dispatch.breached_at) == (ClockState.BREACHED, at(2026, 6, 1, 9, 3))
    on_site = clock_of(ticket, TargetKind.ON_SITE)
    assert (on_site.state, on_site.deadline_at, on_site.original_deadline_at) == (
        ClockState.RUNNING,
        at(2026, 6, 1, 9, 15),
        at(2026, 6, 1, 17, 30),
    )
    assert ticket.next_deadline_at == at(2026, 6, 1, 9, 3)  # the overdue dispatch sorts first


# --- breach permanence ------------------------------------------------------------------


def test_breach_is_permanent_after_close_and_reopen(world, presets, clock):
    ticket = open_ticket(world, TicketType.COMPLAINT, Priority.MINOR)
    ticket = ticket_assign(ticket=ticket, assignee=engineer(world), by=world.assistant)
    clock.set(at(2026, 6, 1, 14, 31))
    sla_sweep()
    first = clock_of(ticket, TargetKind.RESOLVE)
    assert first.state == ClockState.BREACHED

    clock.set(at(2026, 6, 1, 16, 0))
    ticket = move(world, ticket, Status.RESOLVED)
    ticket = move(world, ticket, Status.CLOSED)
    first.refresh_from_db()
    assert (first.state, first.breached_at, first.met_at) == (ClockState.BREACHED, at(2026, 6, 1, 14, 30), at(2026, 6, 1, 16, 0))
    assert ticket.next_deadline_at is None

    # The customer calls again on Wednesday: reopened, a fresh resolution clock runs.
    clock.set(at(2026, 6, 3, 10, 0))
    ticket = move(world, ticket, Status.IN_PROGRESS)
    first.refresh_from_db()
    fresh = clock_of(ticket, TargetKind.RESOLVE)
    assert fresh.pk != first.pk
    assert (fresh.state, fresh.started_at, fresh.deadline_at) == (
        ClockState.RUNNING,
        at(2026, 6, 3, 10, 0),
        at(2026, 6, 3, 15, 30),
    )
    assert (first.state, first.breached_at) == (ClockState.BREACHED, at(2026, 6, 1, 14, 30))
    assert ticket.next_deadline_at == at(2026, 6, 3, 15, 30)

    clock.set(at(2026, 6, 3, 11, 0))
    move(world, ticket, Status.RESOLVED)
    states = list(SlaClock.objects.filter(ticket=ticket, kind=TargetKind.RESOLVE).order_by("pk").values_list("state", flat=True))
    assert states == [ClockState.BREACHED, ClockState.MET]


def test_a_breached_clock_cannot_lose_its_breach_time(world, presets, clock):
    ticket = open_ticket(world, TicketType.INQUIRY)
    transfer = clock_of(ticket, TargetKind.TRANSFER)
    with pytest.raises(IntegrityError), transaction.atomic():
        SlaClock.objects.filter(pk=transfer.pk).update(state=ClockState.BREACHED)


# --- cancellation -----------------------------------------------------------------------


def test_cancelled_tickets_stop_clocks(world, presets, clock):
    ticket = open_ticket(world, TicketType.REPAIR, Priority.GENERAL)
    clock.set(at(2026, 6, 1, 9, 5))
    sla_sweep()  # dispatch breached at 9:03
    ticket = move(world, ticket, Status.CANCELLED, note="业主已自行修好")
    clocks = {c.kind: c for c in SlaClock.objects.filter(ticket=ticket)}
    assert {kind: c.state for kind, c in clocks.items()} == {
        TargetKind.TRANSFER: ClockState.CANCELLED,
        TargetKind.DISPATCH: ClockState.BREACHED,  # not undone
        TargetKind.ON_SITE: ClockState.CANCELLED,
    }
    assert all(c.ended_at == at(2026, 6, 1, 9, 5) and c.next_check_at is None and c.met_at is None for c in clocks.values())
    assert ticket.next_deadline_at is None
    clock.set(at(2026, 6, 2, 9, 0))
    assert sla_sweep().due == 0


# --- next_deadline_at -------------------------------------------------------------------


def test_next_deadline_at_kept_equal_to_the_earliest_running_deadline(world, presets, clock):
    ticket = open_ticket(world, TicketType.REPAIR, Priority.URGENT)

    def check(expected):
        ticket.refresh_from_db()
        assert ticket.next_deadline_at == earliest_ticking_deadline(ticket) == expected

    check(at(2026, 6, 1, 9, 3))  # dispatch (3 min) before transfer (10) and on site (15)
    clock.set(at(2026, 6, 1, 9, 2))
    ticket = ticket_assign(ticket=ticket, assignee=engineer(world), by=world.assistant)
    check(at(2026, 6, 1, 9, 15))  # transfer and dispatch met; on site left
    clock.set(at(2026, 6, 1, 9, 5))
    ticket = move(world, ticket, Status.WAITING_APPOINTMENT)
    check(None)  # paused: no deadline
    clock.set(at(2026, 6, 1, 11, 0))
    ticket = move(world, ticket, Status.IN_PROGRESS)
    check(None)  # on site: met
    assert clock_of(ticket, TargetKind.ON_SITE).state == ClockState.MET


def test_next_deadline_at_keeps_an_overdue_deadline(world, presets, clock):
    ticket = open_ticket(world, TicketType.INQUIRY)
    clock.set(at(2026, 6, 1, 9, 11))
    sla_sweep()
    ticket.refresh_from_db()
    assert ticket.next_deadline_at == at(2026, 6, 1, 9, 10)


# --- policies ---------------------------------------------------------------------------


def test_a_new_policy_version_leaves_running_clocks_alone(world, presets, clock):
    manager = world.users[("manager", "a")]
    admin = world.users[("admin", "*")]
    old_ticket = open_ticket(world, TicketType.COMPLAINT, Priority.MINOR)
    policy = SlaPolicy.objects.get(project=None, ticket_type=TicketType.COMPLAINT, priority=Priority.MINOR, active=True)
    with pytest.raises(DomainError):
        sla_policy_new_version(policy=policy, by=manager)  # company presets: company-wide admins only
    draft = sla_policy_new_version(policy=policy, by=admin)
    assert (draft.version, draft.active, draft.targets.count()) == (2, False, policy.targets.count())
    assert draft.targets.get(kind=TargetKind.RESOLVE).levels.count() == 2
    SlaTarget.objects.filter(policy=draft, kind=TargetKind.RESOLVE).update(amount=2, unit=Unit.BUSINESS_DAYS)
    sla_policy_activate(policy=draft, by=admin)
    policy.refresh_from_db()
    assert (policy.active, draft.active) == (False, True)

    new_ticket = open_ticket(world, TicketType.COMPLAINT, Priority.MINOR)
    assert clock_of(old_ticket, TargetKind.RESOLVE).deadline_at == at(2026, 6, 1, 14, 30)  # version 1
    assert clock_of(new_ticket, TargetKind.RESOLVE).deadline_at == at(2026, 6, 3, 9, 0)  # version 2


def test_a_project_policy_wins_over_the_company_preset(world, presets, clock):
    sla_install_presets(variant="001", project=world.project_a)
    a = open_ticket(world, TicketType.REPAIR, Priority.GENERAL)
    assert clock_of(a, TargetKind.DISPATCH).target.rule == "REP-3"
    b = open_ticket(world, TicketType.REPAIR, Priority.GENERAL, house=None, location="大门", **{})
    assert clock_of(b, TargetKind.DISPATCH).deadline_at == at(2026, 6, 1, 9, 5)


def test_presets_install_once_and_switch_variant_by_new_versions(world, calendar):
    first = sla_install_presets(variant="002")
    assert (first.created, first.unchanged, first.replaced) == (12, 0, 0)
    again = sla_install_presets(variant="002")
    assert (again.created, again.unchanged, again.replaced) == (0, 12, 0)
    switch = sla_install_presets(variant="001")
    assert (switch.created, switch.unchanged, switch.replaced) == (0, 0, 12)
    assert SlaPolicy.objects.filter(active=True).count() == 12
    assert set(SlaPolicy.objects.filter(active=True).values_list("version", "preset")) == {(2, "001")}
    with pytest.raises(DomainError):
        sla_install_presets(variant="003")


def test_every_preset_names_its_rules(world, calendar):
    sla_install_presets(variant="002")
    for target in SlaTarget.objects.all():
        assert target.rule, target
        assert all(level.rule for level in target.levels.all())
    complaint_major = SlaPolicy.objects.get(ticket_type=TicketType.COMPLAINT, priority=Priority.MAJOR, active=True)
    assert complaint_major.rules == "DESK-3 CMP-6 CMP-5"


def test_a_target_can_start_at_the_first_assignment_and_warn_before_its_deadline(world, calendar, clock):
    """A hand-made project policy: the technician is on site within 30 minutes of being
    dispatched, and is reminded 10 minutes before (a level relative to the deadline)."""
    policy = SlaPolicy.objects.create(
        project=world.project_a, ticket_type=TicketType.SERVICE, priority=Priority.NORMAL, name="特约服务", active=True
    )
    target = SlaTarget.objects.create(
        policy=policy,
        kind=TargetKind.ON_SITE,
        amount=30,
        unit=Unit.CALENDAR_MINUTES,
        start_event=StartEvent.ASSIGNED,
        stop_event=StopEvent.STARTED,
        warn_at_percent=None,
    )
    EscalationLevel.objects.create(target=target, code="remind", anchor=Anchor.DEADLINE, offset_minutes=-10, notify_holder=True)
    ticket = open_ticket(world, TicketType.SERVICE)
    assert not SlaClock.objects.filter(ticket=ticket).exists()
    clock.set(at(2026, 6, 1, 10, 0))
    ticket = ticket_assign(ticket=ticket, assignee=engineer(world), by=world.assistant)
    on_site = clock_of(ticket, TargetKind.ON_SITE)
    assert (on_site.started_at, on_site.deadline_at, on_site.next_check_at) == (
        at(2026, 6, 1, 10, 0),
        at(2026, 6, 1, 10, 30),
        at(2026, 6, 1, 10, 20),
    )
    assert ticket.next_deadline_at == at(2026, 6, 1, 10, 30)
    # A second hand-over does not start it again.
    clock.set(at(2026, 6, 1, 10, 5))
    ticket = ticket_assign(ticket=ticket, assignee=world.users[("guard", "a")], by=world.assistant)
    assert SlaClock.objects.filter(ticket=ticket).count() == 1
    clock.set(at(2026, 6, 1, 10, 20, 5))
    assert sla_sweep().fired == 1
    reminder = Notification.objects.get(dedupe_key=f"sla:{on_site.pk}:level:remind")
    assert reminder.recipient == world.users[("guard", "a")]  # the holder now


def test_events_that_cannot_move_a_clock_cost_no_query(world, presets, clock, django_assert_num_queries):
    ticket = open_ticket(world, TicketType.INQUIRY)
    event = TicketEvent(ticket=ticket, project_id=ticket.project_id, kind=EventKind.COMMENT, at=clock.now)
    with django_assert_num_queries(0):
        clocks_on_event(event)
