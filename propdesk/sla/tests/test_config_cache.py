"""The SLA policies and working calendars a ticket needs are memoised per process
(core.configcache) and stay correct across processes: a change is seen through the
database stamp alone, never through this process's memory."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from propdesk.core import configcache
from propdesk.core.models import CalendarException
from propdesk.core.workcalendar import WorkingCalendar
from propdesk.desk.choices import TicketType
from propdesk.sla.models import SlaClock, SlaTarget
from propdesk.sla.selectors import policy_for
from propdesk.sla.services import sla_policy_activate, sla_policy_new_version

from .conftest import open_ticket

pytestmark = pytest.mark.django_db

INQUIRY = {"ticket_type": TicketType.INQUIRY, "priority": "normal"}


def _amounts(project_id) -> dict[str, int]:
    return {t.kind: t.amount for t in policy_for(project_id=project_id, **INQUIRY).targets.all()}


def test_warm_lookups_read_only_the_stamp(world, presets):
    with configcache.pinned():
        policy_for(project_id=world.project_a.pk, **INQUIRY)
        WorkingCalendar.for_project(world.project_a)
    with CaptureQueriesContext(connection) as captured, configcache.pinned():
        policy_for(project_id=world.project_a.pk, **INQUIRY)
        WorkingCalendar.for_project(world.project_a)
    assert [q["sql"] for q in captured] == [captured[0]["sql"]]
    assert "core_configstamp" in captured[0]["sql"]


def test_a_preset_and_the_default_calendar_serving_many_projects_are_read_once(world, presets):
    """A company of 200 projects on the company preset and default calendar: a worker
    meeting a new project reads nothing but the stamp (they were read once per project)."""
    with configcache.pinned():
        policy = policy_for(project_id=world.project_a.pk, **INQUIRY)
        calendar = WorkingCalendar.for_project(world.project_a)
    with CaptureQueriesContext(connection) as captured, configcache.pinned():
        assert policy_for(project_id=world.project_b.pk, **INQUIRY) is policy
        assert WorkingCalendar.for_project(world.project_b) is calendar
    assert len(captured) == 1 and "core_configstamp" in captured[0]["sql"]


def test_a_change_committed_by_another_process_is_seen_through_the_stamp(world, presets):
    project_id = world.project_a.pk
    target = policy_for(project_id=project_id, **INQUIRY).targets.all()[0]
    # Another process edits the target: its rows change, not this process's memory.
    SlaTarget.objects.filter(pk=target.pk).update(amount=target.amount + 7)
    assert _amounts(project_id)[target.kind] == target.amount  # the memo, while the stamp is unchanged
    memo = configcache._memo
    configcache.changed()  # … and gives the stamp a new token in its transaction
    assert configcache._memo is memo  # nothing in this process was told
    assert _amounts(project_id)[target.kind] == target.amount + 7


def test_a_target_saved_on_the_admin_screen_is_seen(world, presets):
    project_id = world.project_a.pk
    target = SlaTarget.objects.get(pk=policy_for(project_id=project_id, **INQUIRY).targets.all()[0].pk)
    target.amount += 5
    target.save()
    assert _amounts(project_id)[target.kind] == target.amount


def test_a_new_active_version_starts_the_next_tickets_clocks(world, presets, clock):
    old = policy_for(project_id=world.project_a.pk, **INQUIRY)
    draft = sla_policy_new_version(policy=old, by=world.users[("admin", "*")])
    draft_target = draft.targets.order_by("pk")[0]
    SlaTarget.objects.filter(pk=draft_target.pk).update(amount=draft_target.amount * 2)  # edited in bulk
    sla_policy_activate(policy=draft, by=world.users[("admin", "*")])
    ticket = open_ticket(world, TicketType.INQUIRY)
    started = SlaClock.objects.get(ticket=ticket, kind=draft_target.kind)
    assert started.target_id == draft_target.pk
    assert started.target.amount == draft_target.amount * 2


def test_a_holiday_added_to_the_calendar_is_seen(world, calendar):
    day = dt.date(2026, 6, 3)  # a Wednesday
    assert WorkingCalendar.for_project(world.project_a).is_working_day(day)
    CalendarException.objects.create(calendar=calendar, date=day, kind=CalendarException.Kind.HOLIDAY, name="停电")
    assert not WorkingCalendar.for_project(world.project_a).is_working_day(day)


def test_a_rolled_back_change_is_not_kept(world, presets):
    project_id = world.project_a.pk
    target = SlaTarget.objects.get(pk=policy_for(project_id=project_id, **INQUIRY).targets.all()[0].pk)
    before = target.amount
    with pytest.raises(RuntimeError), transaction.atomic():
        target.amount += 3
        target.save()
        assert _amounts(project_id)[target.kind] == before + 3  # the changing transaction sees it
        raise RuntimeError("rolled back")
    assert _amounts(project_id)[target.kind] == before


def test_a_new_ticket_is_written_once_with_its_next_deadline(world, presets, clock):
    with CaptureQueriesContext(connection) as captured:
        ticket = open_ticket(world, TicketType.INQUIRY)
    assert not [q for q in captured if q["sql"].startswith('UPDATE "desk_ticket"')]
    deadlines = [c.deadline_at for c in SlaClock.objects.filter(ticket=ticket)]
    assert deadlines
    ticket.refresh_from_db()
    assert ticket.next_deadline_at == min(deadlines)
