"""Proactive visits (访问客户, VIS-7): quotas, the suggested list, the record's rules."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from propdesk.core.errors import DomainError
from propdesk.desk.choices import TicketType
from propdesk.desk.models import Contact
from propdesk.outreach.choices import OpinionKind, OutreachMethod, Satisfaction
from propdesk.outreach.selectors import balanced, progress, suggested_households
from propdesk.outreach.services import outreach_policy, outreach_policy_set, proactive_visit_record

from .conftest import at, make_house, return_visit, ticket_on

pytestmark = pytest.mark.django_db
NOV = dt.date(2026, 11, 1)


def record(world, house, **fields):
    values = {
        "project": house.project,
        "house": house,
        "by": world.assistant,
        "visited_on": dt.date(2026, 11, 10),
        "method": OutreachMethod.PHONE,
        "satisfaction": Satisfaction.SATISFIED,
    }
    return proactive_visit_record(**{**values, **fields})


def test_vis7_quota_defaults_ten_per_department_twenty_per_assistant(world, clock):
    policy = outreach_policy(world.project_a)
    assert (policy.department_quota, policy.assistant_quota, policy.recent_days) == (10, 20, 90)
    [block] = progress([world.project_a], NOV)
    assert [(r.label, r.quota) for r in block.departments] == [("客服部", 10)]
    assert [(u, r.quota) for u, r in block.visitors] == [(world.assistant, 20)]
    outreach_policy_set(project=world.project_a, by=world.supervisor, assistant_quota=25)
    [block] = progress([world.project_a], NOV)
    assert block.visitors[0][1].quota == 25 and block.departments[0].quota == 10
    with pytest.raises(DomainError) as error:
        outreach_policy_set(project=world.project_a, by=world.supervisor, department_quota=0)
    assert error.value.code == "outreach_quota_invalid" and error.value.rule == "VIS-7"


def test_vis7_setting_quotas_needs_visit_manage(world, clock):
    from django.http import Http404

    with pytest.raises(Http404):
        outreach_policy_set(project=world.project_a, by=world.assistant, assistant_quota=5)
    assert outreach_policy(world.project_a).assistant_quota == 20


def test_vis7_progress_counts_households_per_visitor_and_department(world, clock, occupied):
    other = make_house(world.project_a, "5", "101")
    record(world, world.house_a)
    record(world, world.house_a, visited_on=dt.date(2026, 11, 12))  # the same household again
    record(world, other, by=world.supervisor)
    record(world, other, visited_on=dt.date(2026, 10, 31))  # last month
    [block] = progress([world.project_a], NOV)
    cs = block.departments[0]
    assert (cs.households, cs.visits, cs.met) == (2, 3, False)
    rows = {u: r for u, r in block.visitors}
    assert (rows[world.assistant].households, rows[world.assistant].visits, rows[world.assistant].quota) == (1, 2, 20)
    assert rows[world.supervisor].quota is None and rows[world.supervisor].households == 1


def test_vis7_suggested_list_is_balanced_across_buildings_and_deterministic(world, clock):
    for building in ("1", "2", "3"):
        for n in range(10):
            make_house(world.project_a, building, f"{n + 1}01")
    make_house(world.project_a, "1", "1101", status="vacant")  # not occupied: never suggested
    make_house(world.project_a, "1", "1201", resident=None)  # nobody registered: never suggested
    first = suggested_households(project_id=world.project_a.pk, visitor=world.assistant, month=NOV)
    assert len(first) == 20
    per_building = Counter(s.house.building.number for s in first)
    assert set(per_building) == {"1", "2", "3"} and max(per_building.values()) - min(per_building.values()) <= 1
    assert all(s.house.status == "owner_occupied" and s.house.room not in ("1101", "1201") for s in first)
    again = suggested_households(project_id=world.project_a.pk, visitor=world.assistant, month=NOV)
    assert [s.house.pk for s in again] == [s.house.pk for s in first]
    others = [
        [s.house.pk for s in suggested_households(project_id=world.project_a.pk, visitor=who, month=month)]
        for who, month in ((world.supervisor, NOV), (world.assistant, dt.date(2026, 12, 1)))
    ]
    assert all(order != [s.house.pk for s in first] for order in others)


def test_vis7_balanced_prefix_spreads_over_buildings():
    import random

    class H:
        def __init__(self, pk, building_id):
            self.pk, self.building_id = pk, building_id

    houses = [H(i, i % 4) for i in range(40)] + [H(100 + i, 9) for i in range(3)]
    order = balanced(houses, random.Random(1))
    assert sorted(h.pk for h in order) == sorted(h.pk for h in houses)
    first_five = Counter(h.building_id for h in order[:5])
    assert len(first_five) == 5  # one from each of the five buildings before any repeats


def test_vis7_suggested_list_skips_recently_visited_households(world, clock):
    fresh = make_house(world.project_a, "1", "101")
    proactive = make_house(world.project_a, "1", "201")
    returned = make_house(world.project_a, "1", "301")
    long_ago = make_house(world.project_a, "1", "401")
    clock.set(at(2026, 9, 20))
    record(world, proactive, visited_on=dt.date(2026, 9, 20))  # 42 days before November
    record(world, long_ago, visited_on=dt.date(2026, 7, 1))  # 123 days before: due again
    return_visit(world, returned, done_at=at(2026, 9, 1))
    clock.set(at(2026, 11, 16))
    suggested = {s.house.pk for s in suggested_households(project_id=world.project_a.pk, visitor=world.assistant, month=NOV)}
    assert suggested == {fresh.pk, long_ago.pk}
    outreach_policy_set(project=world.project_a, by=world.supervisor, recent_days=30)
    suggested = {s.house.pk for s in suggested_households(project_id=world.project_a.pk, visitor=world.assistant, month=NOV)}
    assert suggested == {fresh.pk, long_ago.pk, proactive.pk, returned.pk}
    # Visited this month: stays on the list, ticked.
    record(world, fresh, visited_on=dt.date(2026, 11, 3))
    rows = {
        s.house.pk: s.visited for s in suggested_households(project_id=world.project_a.pk, visitor=world.assistant, month=NOV)
    }
    assert rows[fresh.pk] is True and rows[long_ago.pk] is False


def test_vis7_risk_flagged_households_come_first(world, clock):
    houses = [make_house(world.project_a, str(b), f"{n}01") for b in (1, 2) for n in range(1, 6)]
    risky = houses[7]
    for day in (5, 20):
        ticket_on(world, risky, type=TicketType.COMPLAINT, category="cleaning", when=at(2026, 10, day))
    rows = suggested_households(project_id=world.project_a.pk, visitor=world.assistant, month=NOV, size=3)
    assert rows[0].house == risky and [f.code for f in rows[0].flags] == ["repeat_complaints"]
    assert all(not s.flags for s in rows[1:])


def test_vis7_home_visit_by_appointment_two_staff_to_enter(world, clock, occupied):
    with pytest.raises(DomainError) as error:
        record(world, world.house_a, method=OutreachMethod.HOME)
    assert error.value.code == "outreach_appointment_required" and error.value.rule == "VIS-7"
    appointment = at(2026, 11, 10, 15)
    with pytest.raises(DomainError) as error:
        record(world, world.house_a, method=OutreachMethod.HOME, appointment_at=appointment, entered_home=True)
    assert error.value.code == "outreach_companion_required" and error.value.field == "companion"
    with pytest.raises(DomainError) as error:
        record(
            world,
            world.house_a,
            method=OutreachMethod.HOME,
            appointment_at=appointment,
            entered_home=True,
            companion=world.assistant,
        )
    assert error.value.code == "outreach_companion_invalid"
    with pytest.raises(DomainError):  # another project's staff is no companion
        record(
            world,
            world.house_a,
            method=OutreachMethod.HOME,
            appointment_at=appointment,
            entered_home=True,
            companion=world.outsider,
        )
    with pytest.raises(DomainError) as error:
        record(world, world.house_a, method=OutreachMethod.PHONE, entered_home=True, companion=world.supervisor)
    assert error.value.code == "outreach_entered_home_method"
    visit = record(
        world,
        world.house_a,
        method=OutreachMethod.HOME,
        appointment_at=appointment,
        entered_home=True,
        companion=world.supervisor,
    )
    assert visit.companion == world.supervisor and visit.department == "customer_service"
    # Not entering: one person may go.
    assert record(world, world.house_a, method=OutreachMethod.HOME, appointment_at=appointment).companion is None


def test_vis7_opinion_opens_a_linked_ticket_through_the_desk(world, clock, occupied):
    visit = record(
        world,
        world.house_a,
        person=world.person_a,
        opinions="楼道灯坏了很久没人管\n希望尽快处理",
        opinion_kind=OpinionKind.COMPLAINT,
        opinion_category="engineering",
        satisfaction=Satisfaction.UNSATISFIED,
    )
    ticket = visit.ticket
    assert ticket is not None and ticket.type == TicketType.COMPLAINT and ticket.category == "engineering"
    assert ticket.house == world.house_a and ticket.reporter == world.person_a and ticket.title == "楼道灯坏了很久没人管"
    assert ticket.receiver == world.assistant and ticket.channel == "phone"
    contact = Contact.objects.get(ticket=ticket)
    assert contact.house == world.house_a and "主动访问" in contact.content
    assert ticket.events.filter(note__contains="主动访问").exists()
    suggestion = record(
        world, world.house_a, method=OutreachMethod.ON_SITE, opinions="加装雨棚", opinion_kind=OpinionKind.SUGGESTION
    )
    assert suggestion.ticket.type == TicketType.SUGGESTION and suggestion.ticket.channel == "visit"
    assert record(world, world.house_a, opinions="没有意见，只是聊聊").ticket is None
    with pytest.raises(DomainError) as error:
        record(world, world.house_a, opinion_kind=OpinionKind.SUGGESTION)
    assert error.value.code == "outreach_opinion_required"


def test_vis7_one_records_own_visits_managers_anyone_s(world, clock, occupied):
    with pytest.raises(DomainError) as error:
        record(world, world.house_a, visitor=world.supervisor)
    assert error.value.code == "outreach_not_yours"
    visit = record(world, world.house_a, by=world.supervisor, visitor=world.assistant)
    assert visit.visitor == world.assistant and visit.recorded_by == world.supervisor
    with pytest.raises(DomainError) as error:
        record(world, world.house_a, visited_on=dt.date(2026, 11, 17))
    assert error.value.code == "outreach_date_future"
    with pytest.raises(DomainError):
        record(world, world.house_b, project=world.project_a)  # a house of another project


def test_vis7_monthly_kpi_report_shows_quota_progress(world, clock, occupied):
    """The monthly KPI report (item 7) carries the month's proactive-visit progress: the
    customer-service department's households against its quota, assistants at quota."""
    from propdesk.reports.periods import Period
    from propdesk.reports.selectors import kpi_report
    from propdesk.reports.tables import report_tables

    record(world, world.house_a)
    record(world, make_house(world.project_a, "5", "101"), by=world.supervisor)
    report = kpi_report([world.project_a.pk], Period.containing("month", NOV), now=at(2026, 11, 30))
    [table] = [t for t in report_tables(report) if t.name == "proactive"]
    [(name, households, quota, met, assistants)] = table.rows
    assert (name, households.value, quota.value, met.value, assistants.value) == ("阳光花园", 2, 10, 0, 1)
    week = kpi_report([world.project_a.pk], Period.containing("week", dt.date(2026, 11, 10)), now=at(2026, 11, 30))
    assert not [t for t in report_tables(week) if t.name == "proactive"]  # quotas are monthly
