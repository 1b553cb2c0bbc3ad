"""The front-desk and repair time limits: DESK-3 transfer in 10 minutes, DESK-4 / REP-3
dispatch in 3 / 5 minutes, DESK-6 answer in 1 working day, REP-2 on-site tiers."""

from __future__ import annotations

import datetime as dt

import pytest

from propdesk.desk.choices import Priority, Status, TicketType
from propdesk.desk.services import ticket_assign
from propdesk.notifications.models import Notification
from propdesk.sla.choices import ClockState, TargetKind
from propdesk.sla.models import SlaClock
from propdesk.sla.services import sla_sweep
from propdesk.sla.tests.conftest import at, clock_of, engineer, move, open_ticket

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("ticket_type", TicketType.values)
def test_desk3_every_ticket_type_has_a_10_minute_transfer_target(world, presets, clock, ticket_type):
    ticket = open_ticket(world, ticket_type)
    transfer = clock_of(ticket, TargetKind.TRANSFER)
    assert transfer.deadline_at == at(2026, 6, 1, 9, 10)
    assert transfer.target.rule == "DESK-3"


def test_desk3_transfer_within_10_minutes_met_or_breached(world, presets, clock):
    # Handed over at 9 min 59 s: met.
    in_time = open_ticket(world, TicketType.INQUIRY)
    clock.advance(minutes=9, seconds=59)
    ticket_assign(ticket=in_time, assignee=engineer(world), by=world.assistant)
    assert clock_of(in_time, TargetKind.TRANSFER).state == ClockState.MET

    # Not handed over in 10 minutes: the sweep records the breach, tells the receiver and
    # (DESK-3: a superior) the supervisor; handing it over later does not undo it.
    clock.set(at(2026, 6, 1, 10, 0))
    late = open_ticket(world, TicketType.INQUIRY)
    clock.set(at(2026, 6, 1, 10, 10, 20))
    report = sla_sweep()
    transfer = clock_of(late, TargetKind.TRANSFER)
    assert (transfer.state, transfer.breached_at) == (ClockState.BREACHED, at(2026, 6, 1, 10, 10))
    assert report.breached == 1
    notices = Notification.objects.filter(dedupe_key__startswith=f"sla:{transfer.pk}:")
    assert {(n.recipient, n.kind) for n in notices} == {
        (world.assistant, "sla.breach"),
        (world.supervisor, "sla.escalation"),
    }
    clock.set(at(2026, 6, 1, 10, 15))
    ticket_assign(ticket=late, assignee=engineer(world), by=world.assistant)
    transfer.refresh_from_db()
    assert (transfer.state, transfer.met_at) == (ClockState.BREACHED, at(2026, 6, 1, 10, 15))


def test_desk3_receiver_handling_it_himself_meets_the_transfer_target(world, presets, clock):
    ticket = open_ticket(world, TicketType.INQUIRY)
    clock.advance(minutes=2)
    move(world, ticket, Status.IN_PROGRESS)
    assert clock_of(ticket, TargetKind.TRANSFER).state == ClockState.MET


def test_desk3_warning_at_80_percent_goes_to_the_receiver(world, presets, clock):
    ticket = open_ticket(world, TicketType.INQUIRY)
    clock.set(at(2026, 6, 1, 9, 8))
    sla_sweep()
    transfer = clock_of(ticket, TargetKind.TRANSFER)
    assert transfer.state == ClockState.RUNNING
    warning = Notification.objects.get(dedupe_key=f"sla:{transfer.pk}:warn:{transfer.target_id}")
    assert (warning.recipient, warning.kind, warning.not_before) == (world.assistant, "sla.warning", None)
    assert transfer.next_check_at == at(2026, 6, 1, 9, 10)  # the breach is next


def test_desk4_repair_dispatched_within_3_minutes(world, presets, clock):
    ticket = open_ticket(world, TicketType.REPAIR, Priority.GENERAL)
    dispatch = clock_of(ticket, TargetKind.DISPATCH)
    assert (dispatch.deadline_at, dispatch.target.rule) == (at(2026, 6, 1, 9, 3), "DESK-4")
    clock.advance(minutes=3)
    ticket_assign(ticket=ticket, assignee=engineer(world), by=world.assistant)
    assert clock_of(ticket, TargetKind.DISPATCH).state == ClockState.MET

    slow = open_ticket(world, TicketType.EMERGENCY)
    clock.advance(minutes=3, seconds=1)
    ticket_assign(ticket=slow, assignee=engineer(world), by=world.assistant)
    dispatch = clock_of(slow, TargetKind.DISPATCH)
    assert (dispatch.state, dispatch.breached_at) == (ClockState.BREACHED, dispatch.deadline_at)


def test_rep3_work_order_within_5_minutes_under_policy_001(world, presets_001, clock):
    ticket = open_ticket(world, TicketType.REPAIR, Priority.URGENT)
    dispatch = clock_of(ticket, TargetKind.DISPATCH)
    assert (dispatch.deadline_at, dispatch.target.rule) == (at(2026, 6, 1, 9, 5), "REP-3")


def test_rep3_emergencies_are_called_to_engineering_at_once_night_or_day(world, presets, clock):
    clock.set(at(2026, 6, 6, 2, 0))  # Saturday night
    ticket = open_ticket(world, TicketType.EMERGENCY)
    clock.advance(seconds=20)
    sla_sweep()
    dispatch = clock_of(ticket, TargetKind.DISPATCH)
    call = Notification.objects.get(dedupe_key=f"sla:{dispatch.pk}:level:call-engineering")
    assert (call.recipient, call.severity, call.not_before) == (engineer(world), "urgent", None)
    assert set(call.deliveries.values_list("channel", flat=True)) == {"in_app", "sms", "wechat"}


@pytest.mark.parametrize(
    ("priority", "deadline"),
    [
        (Priority.VERY_URGENT, at(2026, 6, 1, 10, 10)),  # on site in 10 minutes
        (Priority.URGENT, at(2026, 6, 1, 10, 15)),  # 15 minutes
        (Priority.GENERAL, at(2026, 6, 1, 17, 30)),  # the same working day
    ],
)
def test_rep2_on_site_tiers(world, presets, clock, priority, deadline):
    clock.set(at(2026, 6, 1, 10, 0))
    ticket = open_ticket(world, TicketType.REPAIR, priority)
    on_site = clock_of(ticket, TargetKind.ON_SITE)
    assert (on_site.deadline_at, on_site.target.rule) == (deadline, "REP-2")
    ticket_assign(ticket=ticket, assignee=engineer(world), by=world.assistant)
    clock.set(deadline)
    move(world, ticket, Status.IN_PROGRESS)  # the technician is on site
    assert clock_of(ticket, TargetKind.ON_SITE).state == ClockState.MET


def test_rep2_general_repair_reported_after_hours_is_due_the_next_working_day(world, presets, clock):
    clock.set(at(2026, 9, 30, 18, 0))  # the evening before 国庆节
    ticket = open_ticket(world, TicketType.REPAIR, Priority.GENERAL)
    assert clock_of(ticket, TargetKind.ON_SITE).deadline_at == at(2026, 10, 8, 17, 30)


def test_rep2_waiting_for_the_appointment_pauses_the_on_site_clock(world, presets, clock):
    clock.set(at(2026, 6, 1, 10, 0))
    ticket = open_ticket(world, TicketType.REPAIR, Priority.GENERAL)
    ticket = ticket_assign(ticket=ticket, assignee=engineer(world), by=world.assistant)
    clock.set(at(2026, 6, 1, 11, 0))
    ticket = move(world, ticket, Status.WAITING_APPOINTMENT)
    on_site = clock_of(ticket, TargetKind.ON_SITE)
    assert (on_site.state, on_site.deadline_at, on_site.paused_remaining) == (
        ClockState.PAUSED,
        None,
        dt.timedelta(hours=5),  # 11:00–12:00 and 13:30–17:30
    )
    # The customer's appointment is Tuesday 14:00: the clock runs again then, with the
    # five working hours it had left.
    clock.set(at(2026, 6, 2, 14, 0))
    move(world, ticket, Status.IN_PROGRESS)
    on_site = clock_of(ticket, TargetKind.ON_SITE)
    assert on_site.state == ClockState.MET


def test_desk6_request_answered_within_one_working_day(world, presets, clock):
    clock.set(at(2026, 6, 5, 15, 0))  # Friday afternoon
    ticket = open_ticket(world, TicketType.SUGGESTION)
    answer = clock_of(ticket, TargetKind.FIRST_ANSWER)
    assert (answer.deadline_at, answer.target.rule) == (at(2026, 6, 8, 15, 0), "DESK-6")  # Monday
    request = open_ticket(world, TicketType.REQUEST)
    assert clock_of(request, TargetKind.FIRST_ANSWER).deadline_at == at(2026, 6, 8, 15, 0)


def test_ticket_without_policy_has_no_clocks(world, calendar, clock):
    ticket = open_ticket(world, TicketType.COMPLAINT, Priority.MAJOR)
    assert not SlaClock.objects.filter(ticket=ticket).exists()
    assert ticket.next_deadline_at is None
