"""The SLA board selector: due soon, breached, counts per department and per assignee —
only the given projects, in a fixed number of queries."""

from __future__ import annotations

import pytest

from propdesk.desk.choices import Department, Priority, Status, TicketType
from propdesk.desk.services import ticket_assign, ticket_open
from propdesk.sla.choices import TargetKind
from propdesk.sla.selectors import board, clocks_for_ticket
from propdesk.sla.services import sla_sweep
from propdesk.sla.tests.conftest import at, engineer, move, open_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def scene(world, presets, clock):
    """On Mon 2026-06-01 in project A: one engineering repair overdue for dispatch,
    one cleaning complaint (assigned to the engineer) in its warning window, one inquiry
    done in time; in project B an overdue inquiry."""
    tech = engineer(world)
    clock.set(at(2026, 6, 1, 9, 0))
    overdue = open_ticket(world, TicketType.REPAIR, Priority.GENERAL, department=Department.ENGINEERING)
    clock.set(at(2026, 6, 1, 9, 45))
    warned = open_ticket(world, TicketType.COMPLAINT, Priority.MINOR, department=Department.CLEANING)
    ticket_assign(ticket=warned, assignee=tech, by=world.assistant)
    warned = move(world, warned, Status.IN_PROGRESS)
    done = open_ticket(world, TicketType.INQUIRY)
    move(world, done, Status.RESOLVED)
    clock.set(at(2026, 6, 1, 9, 0))
    ticket_open(project=world.project_b, type=TicketType.INQUIRY, title="B", by=world.outsider)
    clock.set(at(2026, 6, 1, 13, 30))
    sla_sweep()
    return overdue, warned


def test_board_lists_due_soon_and_breached_per_department_and_assignee(world, scene, django_assert_num_queries):
    overdue, warned = scene
    with django_assert_num_queries(1):
        sla = board([world.project_a.pk], now=at(2026, 6, 1, 14, 30))
    with django_assert_num_queries(2):
        due_soon, breached = list(sla.due_soon), list(sla.breached)
    # The complaint (4 working hours from 09:45: due 15:15) is past its warning point, 14:27.
    assert [(c.ticket, c.kind) for c in due_soon] == [(warned, TargetKind.RESOLVE)]
    # The repair: dispatch (09:03) and transfer (09:10) overdue; on site is due at 17:30.
    assert [(c.ticket, c.kind) for c in breached] == [(overdue, TargetKind.DISPATCH), (overdue, TargetKind.TRANSFER)]
    assert (sla.due_soon_count, sla.breached_count) == (1, 1)
    assert [(row.key, row.label, row.due_soon, row.breached) for row in sla.by_department] == [
        (Department.ENGINEERING, "工程部", 0, 1),
        (Department.CLEANING, "保洁部", 1, 0),
    ]
    assert [(row.key, row.due_soon, row.breached) for row in sla.by_assignee] == [
        (None, 0, 1),
        (engineer(world).pk, 1, 0),
    ]


def test_board_shows_only_the_given_projects(world, scene):
    only_b = board([world.project_b.pk], now=at(2026, 6, 1, 13, 30))
    assert (only_b.due_soon_count, only_b.breached_count) == (0, 1)
    assert [row.label for row in only_b.by_department] == ["未指定部门"]
    assert board([], now=at(2026, 6, 1, 13, 30)).breached_count == 0


def test_board_counts_a_running_clock_past_its_deadline_before_the_sweep(world, scene):
    overdue, warned = scene
    sla = board([world.project_a.pk], now=at(2026, 6, 1, 15, 16))  # the complaint was due 15:15
    assert {c.ticket for c in sla.breached} == {overdue, warned}
    assert sla.due_soon_count == 0


def test_clocks_for_ticket(world, scene):
    overdue, _warned = scene
    assert [c.kind for c in clocks_for_ticket(overdue)] == [TargetKind.TRANSFER, TargetKind.DISPATCH, TargetKind.ON_SITE]
