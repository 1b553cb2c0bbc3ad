"""Complaint time limits: CMP-6 under policy "002" and "001" — with the worked example
across the 2026 National Day holiday (国庆节 Thu Oct 1 – Wed Oct 7; Sat Oct 10 is a
make-up workday) — and CMP-5: an effective complaint unresolved after 7 days becomes
major."""

from __future__ import annotations

import datetime as dt

import pytest

from propdesk.desk.choices import EventKind, Priority, Status, TicketType, Validity
from propdesk.desk.complaints import complaint_classify
from propdesk.desk.models import TicketEvent
from propdesk.notifications.models import Notification
from propdesk.sla.choices import ClockState, TargetKind
from propdesk.sla.models import SlaClock, SlaFiring
from propdesk.sla.services import sla_sweep
from propdesk.sla.tests.conftest import at, clock_of, move, open_ticket

pytestmark = pytest.mark.django_db


def _deadlines(ticket) -> dict[str, dt.datetime]:
    return {c.kind: c.deadline_at for c in SlaClock.objects.filter(ticket=ticket)}


def test_cmp6_002_major_answer_and_resolution_deadlines_across_national_day(world, presets, clock):
    """THE worked example: a major complaint logged on Wednesday 2026-09-30 at 16:00
    under policy 002 — a clear answer within 2 working days, resolved within 15 days.

    - Answer: 2 working days keep the position in the working day (16:00), counted on
      working days only: Oct 1–7 are holidays, so day 1 is Thu Oct 8 and day 2 is
      Fri Oct 9 → **Fri 2026-10-09 16:00** (15 working hours: 1 h 30 on Sep 30, 7 h 30
      on Oct 8, 6 h on Oct 9). Its 80 % warning is 3 working hours before: Oct 9 11:30.
    - Resolution: 15 calendar days run through the holiday → **Thu 2026-10-15 16:00**.
    - Transfer (DESK-3): 16:10 the same day — the ticket's next deadline.
    - CMP-5's 7-day step comes due on Wed Oct 7 16:00, inside the holiday: the ticket is
      major already, so nothing is raised, and the reminder to supervisor, manager and
      head office waits for the office to open: Thu Oct 8 08:30.
    """
    clock.set(at(2026, 9, 30, 16, 0))
    ticket = open_ticket(world, TicketType.COMPLAINT, Priority.MAJOR)
    assert _deadlines(ticket) == {
        TargetKind.TRANSFER: at(2026, 9, 30, 16, 10),
        TargetKind.FIRST_ANSWER: at(2026, 10, 9, 16, 0),
        TargetKind.RESOLVE: at(2026, 10, 15, 16, 0),
    }
    answer = clock_of(ticket, TargetKind.FIRST_ANSWER)
    assert (answer.budget, answer.warn_at) == (dt.timedelta(hours=15), at(2026, 10, 9, 11, 30))
    resolve = clock_of(ticket, TargetKind.RESOLVE)
    assert (resolve.budget, resolve.warn_at) == (dt.timedelta(days=15), at(2026, 10, 12, 16, 0))
    assert ticket.next_deadline_at == at(2026, 9, 30, 16, 10)

    # The supervisor takes it up and classifies it effective (CMP-4).
    clock.set(at(2026, 9, 30, 16, 5))
    move(world, ticket, Status.IN_PROGRESS)
    complaint_classify(ticket=ticket, validity=Validity.EFFECTIVE, by=world.supervisor)
    ticket.refresh_from_db()
    assert clock_of(ticket, TargetKind.FIRST_ANSWER).state == ClockState.MET
    assert ticket.next_deadline_at == at(2026, 10, 15, 16, 0)

    clock.set(at(2026, 10, 7, 16, 0, 20))
    report = sla_sweep()
    ticket.refresh_from_db()
    assert (report.fired, report.raised, ticket.priority) == (1, 0, Priority.MAJOR)
    reminders = Notification.objects.filter(dedupe_key=f"sla:{resolve.pk}:level:cmp5-unresolved-7d")
    assert {n.recipient for n in reminders} == {
        world.supervisor,
        world.users[("manager", "a")],
        world.users[("head_office", "*")],
    }
    assert {n.not_before for n in reminders} == {at(2026, 10, 8, 8, 30)}

    # Resolved on Oct 14: within the 15 days.
    clock.set(at(2026, 10, 14, 10, 0))
    move(world, ticket, Status.RESOLVED)
    resolve.refresh_from_db()
    assert (resolve.state, resolve.met_at, resolve.breached_at) == (ClockState.MET, at(2026, 10, 14, 10, 0), None)


@pytest.mark.parametrize(
    ("priority", "resolve_by"),
    [
        # Half a working day: 1 h 30 left on Sep 30, 2 h 30 on Thu Oct 8.
        (Priority.MINOR, at(2026, 10, 8, 11, 0)),
        # One working day: the same position on the next working day.
        (Priority.IMPORTANT, at(2026, 10, 8, 16, 0)),
    ],
)
def test_cmp6_002_minor_and_important_across_national_day(world, presets, clock, priority, resolve_by):
    clock.set(at(2026, 9, 30, 16, 0))
    ticket = open_ticket(world, TicketType.COMPLAINT, priority)
    assert _deadlines(ticket) == {TargetKind.TRANSFER: at(2026, 9, 30, 16, 10), TargetKind.RESOLVE: resolve_by}


def test_cmp6_002_overrun_goes_to_the_supervisor_in_office_hours(world, presets, clock):
    clock.set(at(2026, 6, 1, 14, 0))  # Monday: 3 h 30 today, 30 min on Tuesday
    ticket = open_ticket(world, TicketType.COMPLAINT, Priority.MINOR)
    resolve = clock_of(ticket, TargetKind.RESOLVE)
    assert resolve.deadline_at == at(2026, 6, 2, 9, 0)
    clock.set(at(2026, 6, 2, 9, 0, 15))
    sla_sweep()
    overrun = Notification.objects.get(dedupe_key=f"sla:{resolve.pk}:level:overrun-supervisor")
    assert (overrun.recipient, overrun.not_before) == (world.supervisor, None)


def test_cmp6_001_major_director_told_at_once_even_at_night(world, presets_001, clock):
    clock.set(at(2026, 9, 30, 22, 0))
    ticket = open_ticket(world, TicketType.COMPLAINT, Priority.MAJOR)
    # Answer: 2 working days from the next opening (Oct 8 08:30) → close of Oct 9;
    # resolution: 10 calendar days → Sat Oct 10 (a make-up workday, not that it matters).
    assert _deadlines(ticket) == {
        TargetKind.TRANSFER: at(2026, 9, 30, 22, 10),
        TargetKind.FIRST_ANSWER: at(2026, 10, 9, 17, 30),
        TargetKind.RESOLVE: at(2026, 10, 10, 22, 0),
    }
    clock.advance(seconds=20)
    sla_sweep()
    resolve = clock_of(ticket, TargetKind.RESOLVE)
    alerts = Notification.objects.filter(dedupe_key=f"sla:{resolve.pk}:level:director")
    assert {n.recipient for n in alerts} == {world.users[("manager", "a")], world.users[("head_office", "*")]}
    assert {(n.severity, n.not_before) for n in alerts} == {("urgent", None)}


def test_cmp6_001_important_supervisor_told_within_the_hour_and_minor_in_two_days(world, presets_001, clock):
    important = open_ticket(world, TicketType.COMPLAINT, Priority.IMPORTANT)
    minor = open_ticket(world, TicketType.COMPLAINT, Priority.MINOR)
    assert clock_of(important, TargetKind.RESOLVE).deadline_at == at(2026, 6, 4, 9, 0)  # 3 working days
    assert clock_of(minor, TargetKind.RESOLVE).deadline_at == at(2026, 6, 3, 9, 0)  # 2 working days
    clock.advance(seconds=20)
    sla_sweep()
    resolve = clock_of(important, TargetKind.RESOLVE)
    assert Notification.objects.get(dedupe_key=f"sla:{resolve.pk}:level:supervisor-1h").recipient == world.supervisor


def test_cmp5_effective_complaint_unresolved_after_7_days_becomes_major(world, presets, clock):
    ticket = open_ticket(world, TicketType.COMPLAINT, Priority.MINOR)  # Mon 2026-06-01 09:00
    complaint_classify(ticket=ticket, validity=Validity.EFFECTIVE, by=world.supervisor)
    resolve = clock_of(ticket, TargetKind.RESOLVE)
    clock.set(at(2026, 6, 1, 14, 31))
    sla_sweep()  # half a working day is over: 14:30
    resolve.refresh_from_db()
    assert (resolve.state, resolve.breached_at) == (ClockState.BREACHED, at(2026, 6, 1, 14, 30))
    assert resolve.next_check_at == at(2026, 6, 8, 9, 0)  # the CMP-5 step is still to come

    clock.set(at(2026, 6, 8, 9, 0, 10))
    report = sla_sweep()
    ticket.refresh_from_db()
    assert (ticket.priority, report.raised) == (Priority.MAJOR, 1)
    event = TicketEvent.objects.get(ticket=ticket, kind=EventKind.PRIORITY)
    assert (event.actor, event.before, event.after) == (None, {"priority": "minor"}, {"priority": "major"})
    assert "CMP-5" in event.note and "7 天" in event.note
    told = Notification.objects.filter(dedupe_key=f"sla:{resolve.pk}:level:cmp5-unresolved-7d")
    assert {n.recipient for n in told} == {world.supervisor, world.users[("manager", "a")], world.users[("head_office", "*")]}
    # The breach stays (the clock keeps its target); the major policy's answer target
    # starts from the complaint's start and is overdue at once.
    resolve.refresh_from_db()
    assert (resolve.state, resolve.target.policy.priority) == (ClockState.BREACHED, Priority.MINOR)
    answer = clock_of(ticket, TargetKind.FIRST_ANSWER)
    assert (answer.started_at, answer.deadline_at) == (at(2026, 6, 1, 9, 0), at(2026, 6, 3, 9, 0))

    # Later sweeps fire the step no more.
    clock.advance(hours=1)
    sla_sweep()
    sla_sweep()
    assert SlaFiring.objects.filter(key="level:cmp5-unresolved-7d").count() == 1
    assert told.count() == 3
    assert TicketEvent.objects.filter(ticket=ticket, kind=EventKind.PRIORITY).count() == 1


def test_cmp5_waits_while_the_complaint_is_not_classified_effective(world, presets, clock):
    ticket = open_ticket(world, TicketType.COMPLAINT, Priority.IMPORTANT)
    resolve = clock_of(ticket, TargetKind.RESOLVE)
    clock.set(at(2026, 6, 8, 9, 0, 10))
    sla_sweep()
    ticket.refresh_from_db()
    resolve.refresh_from_db()
    assert ticket.priority == Priority.IMPORTANT
    assert resolve.next_check_at == at(2026, 6, 8, 10, 0, 10)  # looked at again in an hour
    assert not SlaFiring.objects.filter(key="level:cmp5-unresolved-7d").exists()

    complaint_classify(ticket=ticket, validity=Validity.EFFECTIVE, by=world.supervisor)
    clock.set(at(2026, 6, 8, 10, 0, 10))
    sla_sweep()
    ticket.refresh_from_db()
    assert ticket.priority == Priority.MAJOR


def test_cmp5_invalid_complaint_is_never_raised(world, presets, clock):
    ticket = open_ticket(world, TicketType.COMPLAINT, Priority.MINOR)
    complaint_classify(ticket=ticket, validity=Validity.INVALID, explanation="已向业主解释", by=world.supervisor)
    clock.set(at(2026, 6, 20, 9, 0))
    sla_sweep()
    ticket.refresh_from_db()
    assert ticket.priority == Priority.MINOR


def test_cmp5_step_does_not_fire_again_after_raising_a_running_clock(world, presets, clock):
    """An important complaint waiting for the customer all week: its resolution clock is
    paused, not breached, so the raise moves it to the major target (15 days from the
    start plus the time paused); the CMP-5 step has the same code there and stays fired."""
    ticket = open_ticket(world, TicketType.COMPLAINT, Priority.IMPORTANT)
    complaint_classify(ticket=ticket, validity=Validity.EFFECTIVE, by=world.supervisor)
    clock.set(at(2026, 6, 1, 9, 5))
    move(world, ticket, Status.IN_PROGRESS)
    move(world, ticket, Status.WAITING_CUSTOMER)
    clock.set(at(2026, 6, 5, 10, 0))
    move(world, ticket, Status.IN_PROGRESS)  # paused 4 days 55 minutes
    resolve = clock_of(ticket, TargetKind.RESOLVE)
    assert resolve.deadline_at == at(2026, 6, 8, 9, 55)  # 7 h 25 working time left at the pause
    clock.set(at(2026, 6, 8, 9, 0, 10))
    sla_sweep()
    resolve = clock_of(ticket, TargetKind.RESOLVE)
    assert (resolve.state, resolve.target.policy.priority) == (ClockState.RUNNING, Priority.MAJOR)
    # 15 calendar days from the start, plus the calendar time spent paused.
    assert resolve.deadline_at == at(2026, 6, 16, 9, 0) + dt.timedelta(days=4, minutes=55)
    assert resolve.original_deadline_at == at(2026, 6, 2, 9, 0)
    clock.advance(hours=2)
    sla_sweep()
    assert SlaFiring.objects.filter(clock=resolve, key="level:cmp5-unresolved-7d").count() == 1
    # Supervisor, manager and head office, once each.
    assert Notification.objects.filter(dedupe_key__endswith="level:cmp5-unresolved-7d").count() == 3
