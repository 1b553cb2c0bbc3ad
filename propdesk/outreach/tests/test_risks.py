"""Household risk flags: repeated complaints, repeated repairs of one fault, low satisfaction."""

from __future__ import annotations

import datetime as dt

import pytest

from propdesk.desk.choices import TicketType
from propdesk.outreach.choices import OutreachMethod, Satisfaction
from propdesk.outreach.risks import household_risks, households_risks
from propdesk.outreach.services import proactive_visit_record

from .conftest import at, make_house, return_visit, ticket_on

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 16)


def codes(house):
    return [f.code for f in household_risks(house, on=TODAY)]


def test_risk_two_complaints_in_90_days(world, clock):
    house = make_house(world.project_a, "1", "101")
    ticket_on(world, house, type=TicketType.COMPLAINT, category="cleaning", when=at(2026, 8, 10))  # 98 days before
    ticket_on(world, house, type=TicketType.COMPLAINT, category="security", when=at(2026, 11, 1))
    assert codes(house) == []
    ticket_on(world, house, type=TicketType.COMPLAINT, category="cleaning", when=at(2026, 8, 19))  # day 90
    assert codes(house) == ["repeat_complaints"]
    ticket_on(world, house, type=TicketType.COMPLAINT, category="cleaning", when=at(2026, 11, 3), status="cancelled")
    [flag] = household_risks(house, on=TODAY)
    assert "2 次" in flag.detail


def test_risk_same_fault_repaired_twice_in_60_days(world, clock):
    house = make_house(world.project_a, "1", "101")
    ticket_on(world, house, type=TicketType.REPAIR, category="plumbing", when=at(2026, 10, 1))
    ticket_on(world, house, type=TicketType.REPAIR, category="electrical", when=at(2026, 10, 20))
    assert codes(house) == []
    ticket_on(world, house, type=TicketType.REPAIR, category="plumbing", when=at(2026, 8, 1))  # outside 60 days
    assert codes(house) == []
    ticket_on(world, house, type=TicketType.REPAIR, category="plumbing", when=at(2026, 11, 10))
    [flag] = household_risks(house, on=TODAY)
    assert flag.code == "repeat_repairs" and "给排水 2 次" in flag.detail


def test_risk_low_satisfaction_unsatisfied_visit_or_low_average(world, clock):
    unsatisfied, low, proactive, fine, old = (make_house(world.project_a, "1", f"{n}01") for n in range(1, 6))
    return_visit(world, unsatisfied, done_at=at(2026, 9, 1), satisfied=False, score=4)
    return_visit(world, low, done_at=at(2026, 10, 1), score=2)
    return_visit(world, low, done_at=at(2026, 10, 5), score=2)
    proactive_visit_record(
        project=world.project_a,
        house=proactive,
        by=world.assistant,
        visited_on=dt.date(2026, 11, 2),
        method=OutreachMethod.PHONE,
        satisfaction=Satisfaction.UNSATISFIED,
    )
    return_visit(world, fine, done_at=at(2026, 10, 1), score=2)
    return_visit(world, fine, done_at=at(2026, 10, 2), score=5)
    return_visit(world, old, done_at=at(2026, 5, 10), satisfied=False, score=1)  # more than 6 months ago
    flags = households_risks([h.pk for h in (unsatisfied, low, proactive, fine, old)], on=TODAY)
    assert {pk: [f.code for f in fs] for pk, fs in flags.items()} == {
        unsatisfied.pk: ["low_satisfaction"],
        low.pk: ["low_satisfaction"],
        proactive.pk: ["low_satisfaction"],
    }
    assert "平均 2.0 分" in flags[low.pk][0].detail


def test_risk_bulk_version_reads_a_fixed_number_of_queries(world, clock, django_assert_max_num_queries):
    houses = [make_house(world.project_a, "1", f"{n}01") for n in range(1, 8)]
    for house in houses:
        ticket_on(world, house, type=TicketType.COMPLAINT, category="cleaning", when=at(2026, 11, 1))
        ticket_on(world, house, type=TicketType.COMPLAINT, category="cleaning", when=at(2026, 11, 2))
    with django_assert_max_num_queries(4):
        flags = households_risks([h.pk for h in houses], on=TODAY)
    assert len(flags) == 7
    with django_assert_max_num_queries(4):
        assert households_risks(project_id=world.project_a.pk, on=TODAY) == flags
    assert households_risks(project_id=world.project_b.pk, on=TODAY) == {}
