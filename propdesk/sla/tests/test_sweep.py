"""The sweep: due clocks only, each warning / level / breach exactly once (run twice, and
two sweeps at once on PostgreSQL), routine reminders wait for office hours while urgent
alerts go out at once, a failing clock does not stop the batch, the Celery task."""

from __future__ import annotations

import datetime as dt

import pytest

from propdesk.core.testing import postgresql_only, race
from propdesk.desk.choices import Priority, TicketType
from propdesk.notifications.models import Notification
from propdesk.sla import services
from propdesk.sla.choices import ClockState, TargetKind
from propdesk.sla.models import SlaClock, SlaFiring
from propdesk.sla.services import sla_sweep
from propdesk.sla.tasks import sweep
from propdesk.sla.tests.conftest import at, clock_of, open_ticket

pytestmark = pytest.mark.django_db


def test_sweep_reads_only_due_clocks(world, presets, clock, django_assert_max_num_queries):
    for _ in range(3):
        open_ticket(world, TicketType.INQUIRY)
    clock.advance(minutes=5)  # nothing due before 09:08
    with django_assert_max_num_queries(1):
        report = sla_sweep()
    assert (report.due, report.fired) == (0, 0)


def test_sweep_fires_each_level_exactly_once(world, presets, clock):
    ticket = open_ticket(world, TicketType.COMPLAINT, Priority.MINOR)  # resolve due 14:30
    clock.set(at(2026, 6, 1, 14, 31))
    first = sla_sweep()
    assert (first.breached, first.fired) == (2, 6)  # transfer, resolve: warn + breach + level each
    keys = sorted(SlaFiring.objects.filter(clock__ticket=ticket).values_list("key", flat=True))
    notified = Notification.objects.count()

    second = sla_sweep()  # the same moment: nothing is due any more
    assert (second.due, second.fired) == (0, 0)
    clock.set(at(2026, 6, 5, 9, 0))
    third = sla_sweep()  # later, before CMP-5's step: nothing either
    assert (third.due, third.fired) == (0, 0)
    assert sorted(SlaFiring.objects.filter(clock__ticket=ticket).values_list("key", flat=True)) == keys
    assert Notification.objects.count() == notified

    # Even when a clock is made due again by hand, a firing is never repeated.
    SlaClock.objects.filter(ticket=ticket).update(next_check_at=at(2026, 6, 1, 9, 0))
    fourth = sla_sweep()
    assert (fourth.due, fourth.fired) == (2, 0)
    assert Notification.objects.count() == notified


def test_firings_happen_in_time_order_as_the_clock_advances(world, presets, clock):
    ticket = open_ticket(world, TicketType.INQUIRY)
    transfer = clock_of(ticket, TargetKind.TRANSFER)
    clock.set(at(2026, 6, 1, 9, 8, 1))
    assert sla_sweep().fired == 1  # the warning
    transfer.refresh_from_db()
    assert (transfer.state, transfer.next_check_at) == (ClockState.RUNNING, at(2026, 6, 1, 9, 10))
    clock.set(at(2026, 6, 1, 9, 10, 1))
    assert sla_sweep().fired == 2  # the breach and its level
    transfer.refresh_from_db()
    assert (transfer.state, transfer.next_check_at) == (ClockState.BREACHED, None)


def test_routine_reminders_wait_for_office_hours_urgent_alerts_do_not(world, presets_001, clock):
    # A complaint logged on Friday at 17:25: its DESK-3 transfer is overrun at 17:35,
    # after the office closed at 17:30.
    clock.set(at(2026, 6, 5, 17, 25))
    ticket = open_ticket(world, TicketType.COMPLAINT, Priority.MINOR)
    transfer = clock_of(ticket, TargetKind.TRANSFER)
    clock.set(at(2026, 6, 5, 17, 36))
    sla_sweep()
    level = Notification.objects.get(dedupe_key=f"sla:{transfer.pk}:level:transfer-overdue")
    breach = Notification.objects.get(dedupe_key=f"sla:{transfer.pk}:breach:{transfer.target_id}")
    # The supervisor's routine reminder: Monday 08:30. A calendar-minute breach notice to
    # the holder goes out at once.
    assert (level.recipient, level.not_before) == (world.supervisor, at(2026, 6, 8, 8, 30))
    assert (breach.recipient, breach.not_before) == (world.assistant, None)
    assert not level.deliveries.filter(status="sent").exists()


def test_a_failing_clock_is_retried_later_and_does_not_stop_the_batch(world, presets, clock, monkeypatch):
    good = open_ticket(world, TicketType.INQUIRY)
    bad = open_ticket(world, TicketType.SUGGESTION)
    bad_clock = clock_of(bad, TargetKind.TRANSFER)
    original = services._act

    def act(clock_row, *args, **kwargs):
        if clock_row.pk == bad_clock.pk:
            raise RuntimeError("provider exploded")
        return original(clock_row, *args, **kwargs)

    monkeypatch.setattr(services, "_act", act)
    clock.set(at(2026, 6, 1, 9, 11))
    report = sla_sweep()
    assert (report.errors, report.error_clock_ids) == (1, [bad_clock.pk])
    assert clock_of(good, TargetKind.TRANSFER).state == ClockState.BREACHED
    bad_clock.refresh_from_db()
    # Rolled back as a whole (no half-recorded breach) and looked at again in 5 minutes.
    assert (bad_clock.state, bad_clock.next_check_at) == (ClockState.RUNNING, at(2026, 6, 1, 9, 16))
    assert not SlaFiring.objects.filter(clock=bad_clock).exists()


def test_batch_takes_the_earliest_due_first(world, presets, clock):
    first = open_ticket(world, TicketType.INQUIRY)
    clock.advance(minutes=1)
    second = open_ticket(world, TicketType.INQUIRY)
    clock.set(at(2026, 6, 1, 9, 30))
    assert sla_sweep(batch=1).processed == 1
    assert clock_of(first, TargetKind.TRANSFER).state == ClockState.BREACHED
    assert clock_of(second, TargetKind.TRANSFER).state == ClockState.RUNNING


def test_sweep_task_is_thin(world, presets, clock):
    open_ticket(world, TicketType.INQUIRY)
    clock.set(at(2026, 6, 1, 9, 11))
    result = sweep.delay().get()
    assert (result["processed"], result["breached"]) == (1, 1)


def test_sweep_is_scheduled_every_20_seconds():
    from propdesk.celery import app

    assert app.conf.beat_schedule["sla-sweep"] == {"task": "propdesk.sla.tasks.sweep", "schedule": 20}


# --- concurrency (PostgreSQL) -----------------------------------------------------------


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_fire_each_level_once(world, calendar):
    from propdesk.sla.services import sla_install_presets

    sla_install_presets(variant="002")
    tickets = [open_ticket(world, TicketType.COMPLAINT, Priority.MINOR) for _ in range(20)]
    later = max(t.created_at for t in tickets) + dt.timedelta(days=3)
    results = race(2, lambda: sla_sweep(now=later))
    assert not [r for r in results if isinstance(r, Exception)], results
    # Every ticket: transfer and resolve breached, each with warning, breach and level.
    assert sum(r.fired for r in results) == SlaFiring.objects.count() == 20 * 6
    assert SlaClock.objects.filter(state=ClockState.BREACHED).count() == 40
    keys = list(Notification.objects.values_list("recipient_id", "dedupe_key"))
    assert len(keys) == len(set(keys))


# --- batches ----------------------------------------------------------------------------


def test_one_batch_fires_warnings_breaches_and_levels_each_as_due(world, presets, clock):
    late = open_ticket(world, TicketType.INQUIRY)  # transfer: warning 09:08, breach and level 09:10
    clock.advance(minutes=2)
    warned = open_ticket(world, TicketType.INQUIRY)  # warning 09:10, breach 09:12
    clock.advance(minutes=3)
    open_ticket(world, TicketType.INQUIRY)  # warning 09:13: not due
    clock.set(at(2026, 6, 1, 9, 10, 30))
    report = sla_sweep()
    assert (report.due, report.processed, report.fired, report.breached) == (2, 2, 4, 1)
    late_clock, warned_clock = clock_of(late, TargetKind.TRANSFER), clock_of(warned, TargetKind.TRANSFER)
    assert sorted(SlaFiring.objects.filter(clock=late_clock).values_list("key", flat=True)) == sorted(
        [f"breach:{late_clock.target_id}", "level:transfer-overdue", f"warn:{late_clock.target_id}"]
    )
    assert list(SlaFiring.objects.filter(clock=warned_clock).values_list("key", flat=True)) == [f"warn:{warned_clock.target_id}"]
    assert (late_clock.state, late_clock.next_check_at) == (ClockState.BREACHED, None)
    assert (warned_clock.state, warned_clock.next_check_at) == (ClockState.RUNNING, at(2026, 6, 1, 9, 12))
    # The late clock's warning came too late to be worth sending: it is recorded, skipped.
    assert SlaFiring.objects.get(clock=late_clock, key__startswith="warn").detail["skipped"] == "breached"
    sent = sorted(Notification.objects.values_list("dedupe_key", "kind", "recipient__username"))
    assert sent == [
        (f"sla:{late_clock.pk}:breach:{late_clock.target_id}", "sla.breach", world.assistant.username),
        (f"sla:{late_clock.pk}:level:transfer-overdue", "sla.escalation", world.supervisor.username),
        (f"sla:{warned_clock.pk}:warn:{warned_clock.target_id}", "sla.warning", world.assistant.username),
    ]
    assert SlaFiring.objects.get(clock=late_clock, key="level:transfer-overdue").detail["notified"] == 1


def test_sweep_queries_do_not_grow_with_the_due_clocks(world, presets, clock):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from propdesk.core import configcache

    def queries_for(tickets: int, when: dt.datetime) -> int:
        for _ in range(tickets):
            open_ticket(world, TicketType.INQUIRY)
        clock.set(when)
        configcache.forget()  # both sweeps read the calendars
        with CaptureQueriesContext(connection) as captured:
            assert sla_sweep().processed == tickets
        return len(captured)

    few = queries_for(2, at(2026, 6, 1, 9, 11))
    clock.set(at(2026, 6, 1, 10, 0))
    many = queries_for(12, at(2026, 6, 1, 10, 11))
    assert few == many


def test_clocks_with_different_next_checks_are_written_in_one_statement(world, presets, clock):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def warn(tickets: int, start: dt.datetime) -> int:
        clock.set(start)
        opened = []
        for _ in range(tickets):
            opened.append(open_ticket(world, TicketType.INQUIRY))  # transfer: warning at 8 min, breach at 10
            clock.advance(seconds=10)
        clock.set(start + dt.timedelta(minutes=9))  # every warning due, no breach
        with CaptureQueriesContext(connection) as captured:
            report = sla_sweep()
        assert (report.processed, report.fired, report.breached) == (tickets, tickets, 0)
        clocks = [clock_of(ticket, TargetKind.TRANSFER) for ticket in opened]
        assert [(c.state, c.next_check_at) for c in clocks] == [(ClockState.RUNNING, c.deadline_at) for c in clocks]
        assert len({c.next_check_at for c in clocks}) == tickets
        return len(captured)

    few = warn(2, at(2026, 6, 1, 9, 0))
    clock.set(at(2026, 6, 1, 9, 30))
    assert sla_sweep().breached == 2
    assert warn(6, at(2026, 6, 1, 10, 0)) == few


def test_a_failing_notification_costs_only_its_clock(world, presets, clock, monkeypatch):
    tickets = [open_ticket(world, TicketType.INQUIRY) for _ in range(3)]
    bad = clock_of(tickets[1], TargetKind.TRANSFER)
    original = services.notify_many

    def notify_many(messages):
        if any(m.dedupe_key.startswith(f"sla:{bad.pk}:") for m in messages):
            raise RuntimeError("SMS gateway refused the batch")
        return original(messages)

    monkeypatch.setattr(services, "notify_many", notify_many)
    clock.set(at(2026, 6, 1, 9, 11))
    report = sla_sweep()
    assert (report.due, report.processed, report.errors, report.error_clock_ids) == (3, 2, 1, [bad.pk])
    for ticket in (tickets[0], tickets[2]):
        assert clock_of(ticket, TargetKind.TRANSFER).state == ClockState.BREACHED
    bad.refresh_from_db()
    assert (bad.state, bad.next_check_at) == (ClockState.RUNNING, at(2026, 6, 1, 9, 16))
    assert not SlaFiring.objects.filter(clock=bad).exists()
    assert not Notification.objects.filter(dedupe_key__startswith=f"sla:{bad.pk}:").exists()
    # Its turn comes again five minutes later, and it fires then.
    monkeypatch.setattr(services, "notify_many", original)
    clock.set(at(2026, 6, 1, 9, 16))
    assert sla_sweep().fired == 3
    assert clock_of(tickets[1], TargetKind.TRANSFER).state == ClockState.BREACHED


@postgresql_only
@pytest.mark.django_db(transaction=True)
def test_a_clock_whose_ticket_is_locked_is_left_for_the_next_sweep(world, calendar):
    import threading

    from django.db import connection, transaction

    from propdesk.desk.models import Ticket
    from propdesk.sla.services import sla_install_presets

    sla_install_presets(variant="002")
    tickets = [open_ticket(world, TicketType.INQUIRY) for _ in range(3)]
    later = max(t.created_at for t in tickets) + dt.timedelta(minutes=11)
    locked, release = threading.Event(), threading.Event()

    def hold() -> None:  # a user's transaction holds the ticket (desk services lock it first)
        try:
            with transaction.atomic():
                Ticket.objects.select_for_update().get(pk=tickets[1].pk)
                locked.set()
                release.wait(30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert locked.wait(10)
        report = sla_sweep(now=later)  # does not wait for the lock
    finally:
        release.set()
        holder.join(30)
    assert (report.due, report.processed, report.skipped) == (3, 2, 1)
    assert clock_of(tickets[1], TargetKind.TRANSFER).state == ClockState.RUNNING
    assert sla_sweep(now=later).processed == 1
    assert SlaClock.objects.filter(state=ClockState.BREACHED).count() == 3
