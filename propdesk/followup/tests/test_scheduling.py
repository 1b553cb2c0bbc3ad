"""Scheduling return visits when a ticket closes: policies and presets (VIS-3, VIS-4,
CMP-9, REP-8), who visits (VIS-5), deterministic quota sampling, and the CMP-10 sample."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from django.utils import timezone

from propdesk.desk.choices import Department, Priority, RepairTrade, Status, TicketType
from propdesk.desk.complaints import complaint_record_details
from propdesk.desk.models import Ticket
from propdesk.desk.services import ticket_transition
from propdesk.estate.services import house_create
from propdesk.followup.choices import VisitPurpose
from propdesk.followup.models import ReturnVisit, VisitDraw
from propdesk.followup.services import quota_hit, visit_policies_install, visits_schedule_for

from .conftest import at, close, open_ticket

pytestmark = pytest.mark.django_db


def test_quota_sampling_holds_exactly_ceil_n_p_at_every_prefix():
    for percent in (0, 10, 30, 50, 60, 99, 100):
        drawn = 0
        for n in range(1, 401):
            drawn += quota_hit(n, percent)
            assert drawn == -(-n * percent // 100), (percent, n)


def _closed_tickets(world, count: int, *, type: str, category: str, houses) -> list[Ticket]:
    now = timezone.now()
    rows = [
        Ticket(
            project=world.project_a,
            number=f"T{n:06d}",
            type=type,
            category=category,
            priority=Priority.GENERAL if type == TicketType.REPAIR else Priority.MINOR,
            status=Status.CLOSED,
            title="closed",
            house=houses[n % len(houses)],
            receiver=world.assistant,
            created_at=now,
            closed_at=now,
        )
        for n in range(count)
    ]
    return Ticket.objects.bulk_create(rows)


def test_rep8_thousand_closed_repairs_at_60_percent_make_exactly_600_visits_spread_over_buildings(world, calendar):
    visit_policies_install(repairs="week")  # REP-8 / VIS-4: one week after, ≥60%
    houses = [
        house_create(project=world.project_a, building_number=str(b), entrance_number="1", room="101", floor=1, area=Decimal(80))
        for b in range(1, 5)
    ]
    tickets = _closed_tickets(world, 1000, type=TicketType.REPAIR, category=RepairTrade.DOOR_WINDOW, houses=houses)
    for ticket in tickets:
        visits_schedule_for(ticket)
    visits = ReturnVisit.objects.filter(purpose=VisitPurpose.ROUTINE)
    assert visits.count() == 600
    assert VisitDraw.objects.filter(purpose=VisitPurpose.ROUTINE).count() == 1000
    per_building = Counter(visits.values_list("house__building_id", flat=True))
    assert set(per_building) == {h.building_id for h in houses}
    assert all(abs(n - 150) <= 1 for n in per_building.values()), per_building
    # At every prefix of the closed sequence the rate is met (never below 60%).
    drawn = dict(VisitDraw.objects.values_list("seq", "drawn"))
    running = 0
    for seq in range(1, 1001):
        running += drawn[seq]
        assert running * 100 >= seq * 60
    # due one calendar week after closing, to an assistant (VIS-5)
    visit = visits.first()
    assert visit.due_at == visit.ticket.closed_at + dt.timedelta(days=7)
    assert visit.visitor == world.assistant


def test_cmp9_every_complaint_is_visited_within_one_working_day_by_the_department_head(world, presets, clock):
    clock.set(at(2026, 6, 5, 16, 0))  # Friday afternoon
    ticket = open_ticket(world)
    complaint_record_details(ticket=ticket, by=world.supervisor, complained_department=Department.CUSTOMER_SERVICE)
    close(world, ticket)
    visit = ReturnVisit.objects.get(ticket=ticket, purpose=VisitPurpose.ROUTINE)
    assert visit.due_at == at(2026, 6, 8, 16, 0)  # one working day: Monday, not Saturday
    assert visit.visitor == world.supervisor  # VIS-5: head of customer service
    assert "CMP-9" in visit.rules


def test_cmp9_001_variant_gives_three_working_days(world, calendar, clock):
    visit_policies_install(complaints="001")
    ticket = open_ticket(world)
    close(world, ticket)
    assert ReturnVisit.objects.get(ticket=ticket, purpose=VisitPurpose.ROUTINE).due_at == at(2026, 6, 4, 9, 0)


@pytest.mark.parametrize(
    ("priority", "department", "role"),
    [
        (Priority.MAJOR, Department.CUSTOMER_SERVICE, "manager"),  # VIS-5: major → PM
        (Priority.IMPORTANT, Department.CLEANING, "manager"),  # CMP-9: important → PM
        (Priority.MINOR, Department.CUSTOMER_SERVICE, "supervisor"),  # head of customer service
        (Priority.MINOR, Department.CLEANING, "manager"),  # no cleaning-head role: the PM answers for it
    ],
)
def test_vis5_who_visits_a_complaint(world, presets, priority, department, role):
    ticket = open_ticket(world, priority=priority)
    complaint_record_details(ticket=ticket, by=world.supervisor, complained_department=department)
    close(world, ticket)
    assert ReturnVisit.objects.get(ticket=ticket, purpose=VisitPurpose.ROUTINE).visitor == world.users[(role, "a")]


def test_vis5_suggestions_are_visited_by_an_assistant_within_a_week(world, presets):
    ticket = open_ticket(world, type=TicketType.SUGGESTION, category="", title="建议增设快递柜")
    close(world, ticket)
    visit = ReturnVisit.objects.get(ticket=ticket)
    assert visit.visitor == world.assistant and visit.due_at == ticket.closed_at + dt.timedelta(days=7)


@pytest.mark.parametrize(
    ("trade", "days"), [(RepairTrade.FIRE, 2), (RepairTrade.GAS, 2), (RepairTrade.PLUMBING, 3), (RepairTrade.DOOR_WINDOW, 2)]
)
def test_rep8_standard_preset_by_trade(world, presets, clock, trade, days):
    (ticket,) = _closed_tickets(world, 1, type=TicketType.REPAIR, category=trade, houses=[world.house_a])
    (visit,) = visits_schedule_for(ticket)
    assert visit.due_at == at(2026, 6, 1 + days, 9, 0)  # working days from Monday 09:00
    assert visit.visitor == world.assistant


def test_closing_again_never_draws_again_and_inquiries_get_no_visit(world, presets):
    ticket = open_ticket(world)
    close(world, ticket)
    ticket_transition(ticket=ticket, to_status=Status.IN_PROGRESS, by=world.assistant, note="客户再次来电")
    ticket_transition(ticket=ticket, to_status=Status.RESOLVED, by=world.assistant)
    ticket_transition(ticket=ticket, to_status=Status.CLOSED, by=world.assistant)
    assert ReturnVisit.objects.filter(ticket=ticket, purpose=VisitPurpose.ROUTINE).count() == 1
    assert VisitDraw.objects.filter(ticket=ticket, purpose=VisitPurpose.ROUTINE).count() == 1
    inquiry = open_ticket(world, type=TicketType.INQUIRY, category="", title="物业费标准")
    close(world, inquiry)
    assert not ReturnVisit.objects.filter(ticket=inquiry).exists()


def test_a_project_policy_wins_over_the_company_preset(world, presets):
    visit_policies_install(complaints="001", project=world.project_b)
    a, b = open_ticket(world), open_ticket(world, project="b")
    close(world, a)
    close(world, b)
    due_a = ReturnVisit.objects.get(ticket=a, purpose=VisitPurpose.ROUTINE).due_at - a.closed_at
    due_b = ReturnVisit.objects.get(ticket=b, purpose=VisitPurpose.ROUTINE).due_at - b.closed_at
    assert due_a < due_b


def test_cmp10_ten_percent_of_complaints_drawn_for_audit_at_least_30_percent_in_person(world, presets):
    tickets = _closed_tickets(world, 200, type=TicketType.COMPLAINT, category="cleaning", houses=[world.house_a])
    for ticket in tickets:
        visits_schedule_for(ticket)
    assert ReturnVisit.objects.filter(purpose=VisitPurpose.ROUTINE).count() == 200  # CMP-9: 100%
    audits = ReturnVisit.objects.filter(purpose=VisitPurpose.AUDIT)
    assert audits.count() == 20
    assert audits.filter(in_person_required=True).count() == 6  # exactly ceil(20 × 30%)
    assert set(audits.values_list("visitor", flat=True)) == {world.supervisor.pk}
    # ≥30% at every moment: the first audit is already in person
    assert audits.order_by("id").first().in_person_required
