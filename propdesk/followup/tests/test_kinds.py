"""The visit kinds that do not follow from a closing ticket alone (VIS-3, VIS-4, VIS-5):
new residents one month after moving in (by the PM), special services mid-term and at
the end (DESK-8), emergency help within a week — and the presets' exact numbers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from propdesk.desk.choices import Status, TicketType
from propdesk.desk.emergencies import emergency_summarise
from propdesk.desk.models import Ticket
from propdesk.desk.repairs import work_order_complete, work_order_prepare
from propdesk.desk.services import ticket_transition
from propdesk.followup.choices import CALENDAR_MONTHS, MOVE_IN, VisitMethod, VisitorRule, VisitPurpose, VisitStatus
from propdesk.followup.models import ReturnVisit, ReturnVisitPolicy, VisitDraw
from propdesk.followup.presets import (
    COMPLAINT_VARIANTS,
    REPAIR_VARIANTS,
    SERVICE_MIDTERM_AFTER_DAYS,
    preset_visit_policies,
)
from propdesk.followup.services import (
    add_months,
    visit_policies_install,
    visit_record,
    visits_schedule_midterms,
    visits_schedule_move_ins,
)
from propdesk.residents.services import occupancy_end, occupant_register
from propdesk.sla.choices import Unit

from .conftest import at, close, open_ticket, signature_png

pytestmark = pytest.mark.django_db
GOOD = {"score_quality": 5, "score_result": 4, "score_attitude": 5}


def _move_in(world, *, role="tenant", start=dt.date(2026, 5, 20), name="王五", house=None):
    return occupant_register(
        house=house or world.house_a,
        person_data={"name": name, "mobile": "13700001111"},
        role=role,
        start_date=start,
        by=world.assistant,
    )


# --- presets --------------------------------------------------------------------------------


@pytest.mark.parametrize("complaints", COMPLAINT_VARIANTS)
@pytest.mark.parametrize("repairs", REPAIR_VARIANTS)
def test_vis4_presets_new_residents_services_and_help_carry_the_exact_numbers(complaints, repairs):
    """VIS-3/VIS-4/VIS-5 in every variant: new residents 1 calendar month, 100%, the PM;
    special services 1 week after the end, 100%, an assistant, mid-term when booked for
    more than 7 days; emergency help 7 calendar days, 100%, an assistant."""
    specs = {(s.ticket_type, s.category): s for s in preset_visit_policies(complaints=complaints, repairs=repairs)}
    move_in = specs[(MOVE_IN, "")]
    assert (move_in.delay, move_in.unit, move_in.coverage, move_in.visitor) == (1, CALENDAR_MONTHS, 100, VisitorRule.MANAGER)
    service = specs[(TicketType.SERVICE, "")]
    assert (service.delay, service.unit, service.coverage, service.visitor) == (7, Unit.CALENDAR_DAYS, 100, VisitorRule.ASSISTANT)
    assert service.midterm_after_days == SERVICE_MIDTERM_AFTER_DAYS == 7
    help_ = specs[(TicketType.EMERGENCY, "")]
    assert (help_.delay, help_.unit, help_.coverage, help_.visitor) == (7, Unit.CALENDAR_DAYS, 100, VisitorRule.ASSISTANT)
    # VIS-4 floors: every preset meets its target rate.
    assert move_in.coverage >= 100 and service.coverage >= 60 and help_.coverage >= 60
    assert all(s.midterm_after_days is None for key, s in specs.items() if key != (TicketType.SERVICE, ""))


def test_vis3_presets_install_the_move_in_and_midterm_policies(calendar):
    visit_policies_install()
    move_in = ReturnVisitPolicy.objects.get(project=None, ticket_type=MOVE_IN, active=True)
    assert (move_in.delay, move_in.delay_unit, move_in.coverage_percent, move_in.visitor) == (
        1,
        CALENDAR_MONTHS,
        100,
        VisitorRule.MANAGER,
    )
    assert ReturnVisitPolicy.objects.get(project=None, ticket_type=TicketType.SERVICE, active=True).midterm_after_days == 7
    # Installing again changes nothing (idempotent).
    visit_policies_install()
    assert ReturnVisitPolicy.objects.filter(ticket_type=MOVE_IN).count() == 1


def test_add_months_keeps_the_day_or_takes_the_month_end():
    assert add_months(dt.date(2026, 5, 20), 1) == dt.date(2026, 6, 20)
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 12, 15), 1) == dt.date(2027, 1, 15)


# --- new residents (VIS-3, VIS-4, VIS-5) -------------------------------------------------------


def test_vis3_new_resident_visit_due_one_month_after_move_in_by_the_pm(world, presets, clock):
    clock.set(at(2026, 6, 1, 9))
    occupancy = _move_in(world, start=dt.date(2026, 5, 20))
    visits = visits_schedule_move_ins()
    assert [v.occupancy_id for v in visits] == [occupancy.pk]
    visit = visits[0]
    assert visit.purpose == VisitPurpose.MOVE_IN and visit.ticket_id is None
    assert visit.house_id == world.house_a.pk and visit.project_id == world.project_a.pk
    assert visit.due_at == at(2026, 6, 20, 23, 59)  # one calendar month after 05-20
    assert visit.visitor == world.users[("manager", "a")]  # VIS-5: move-ins by the PM
    assert visit.status == VisitStatus.PLANNED and "VIS-3" in visit.rules


def test_vis3_new_resident_sweep_is_idempotent_and_skips_old_family_ended_and_future(world, presets, clock):
    clock.set(at(2026, 6, 1, 9))
    tenant = _move_in(world, start=dt.date(2026, 5, 25))
    _move_in(world, role="family", start=dt.date(2026, 5, 25), name="王六")
    _move_in(world, start=dt.date(2026, 3, 1), name="赵七")  # long ago: not a move-in now
    _move_in(world, start=dt.date(2026, 6, 10), name="钱八")  # not moved in yet
    ended = _move_in(world, start=dt.date(2026, 5, 26), name="孙九")
    occupancy_end(occupancy=ended, end_date=dt.date(2026, 5, 30))
    first = visits_schedule_move_ins()
    again = visits_schedule_move_ins()
    assert [v.occupancy_id for v in first] == [tenant.pk]
    assert again == []
    assert ReturnVisit.objects.filter(purpose=VisitPurpose.MOVE_IN).count() == 1
    assert VisitDraw.objects.filter(purpose=VisitPurpose.MOVE_IN).count() == 1
    # The world's owners moved in in 2024: no visit for them.
    assert not ReturnVisit.objects.filter(occupancy=world.owner_a).exists()


def test_vis3_new_resident_visit_uses_the_projects_own_policy(world, presets, clock):
    clock.set(at(2026, 6, 1, 9))
    ReturnVisitPolicy.objects.create(
        project=world.project_a,
        ticket_type=MOVE_IN,
        name="入住两周回访",
        delay=14,
        delay_unit=Unit.CALENDAR_DAYS,
        visitor=VisitorRule.SUPERVISOR,
    )
    _move_in(world, start=dt.date(2026, 5, 30))
    (visit,) = visits_schedule_move_ins()
    assert visit.due_at == at(2026, 6, 13)
    assert visit.visitor == world.supervisor


def test_vis6_new_resident_visit_recorded_without_a_ticket_raises_what_the_resident_asks(world, presets, clock):
    clock.set(at(2026, 6, 1, 9))
    occupancy = _move_in(world, start=dt.date(2026, 5, 20))
    (visit,) = visits_schedule_move_ins()
    clock.set(at(2026, 6, 15, 10))
    done = visit_record(
        visit=visit,
        by=world.users[("manager", "a")],
        method=VisitMethod.PHONE,
        handled=True,
        satisfied=False,
        other_matters="楼道灯不亮",
        new_ticket={"type": TicketType.SUGGESTION, "title": "楼道灯不亮"},
        **GOOD,
    )
    assert done.status == VisitStatus.DONE and done.sent_back_at is None  # no ticket to send back
    raised = done.follow_up_ticket
    assert raised.reporter_id == occupancy.person_id and raised.house_id == world.house_a.pk
    assert raised.type == TicketType.SUGGESTION


# --- special services (VIS-3, DESK-8) ---------------------------------------------------------


def _service(world, *, days: float, start=None):
    ticket = open_ticket(world, type=TicketType.SERVICE, category="", title="开荒保洁")
    start = start or at(2026, 6, 1, 8)
    work_order_prepare(
        ticket=ticket, by=world.supervisor, appointment_start=start, appointment_end=start + dt.timedelta(days=days)
    )
    ticket_transition(ticket=ticket, to_status=Status.IN_PROGRESS, by=world.supervisor)
    return Ticket.objects.get(pk=ticket.pk)


def test_vis3_special_service_longer_than_the_policy_days_gets_a_midterm_visit(world, presets, clock):
    clock.set(at(2026, 6, 2, 9))
    long_one = _service(world, days=10)
    short_one = _service(world, days=SERVICE_MIDTERM_AFTER_DAYS)  # exactly 7 days: no mid-term visit
    not_begun = _service(world, days=20, start=at(2026, 6, 5, 8))
    visits = visits_schedule_midterms()
    assert [v.ticket_id for v in visits] == [long_one.pk]
    visit = visits[0]
    assert visit.purpose == VisitPurpose.MIDTERM and visit.due_at == at(2026, 6, 6, 8)  # the middle of 10 days
    assert visit.visitor == world.assistant
    assert visits_schedule_midterms() == []  # idempotent
    assert not ReturnVisit.objects.filter(ticket__in=[short_one, not_begun]).exists()
    # Once begun, the later one gets its own.
    clock.set(at(2026, 6, 6, 9))
    assert [v.ticket_id for v in visits_schedule_midterms()] == [not_begun.pk]


def test_vis3_special_service_is_visited_at_the_end_within_a_week_of_closing(world, presets, clock):
    clock.set(at(2026, 6, 2, 9))
    ticket = _service(world, days=10)
    visits_schedule_midterms()
    clock.set(at(2026, 6, 11, 17))
    work_order_complete(ticket=ticket, by=world.supervisor, note="开荒保洁完成", signature_png=signature_png())
    ticket_transition(ticket=ticket, to_status=Status.CLOSED, by=world.supervisor)
    purposes = dict(ReturnVisit.objects.filter(ticket=ticket).values_list("purpose", "due_at"))
    assert purposes == {VisitPurpose.MIDTERM: at(2026, 6, 6, 8), VisitPurpose.ROUTINE: at(2026, 6, 18, 17)}


# --- emergency help (VIS-3) -------------------------------------------------------------------


def test_vis3_emergency_help_is_visited_within_one_week_by_an_assistant(world, presets, clock):
    clock.set(at(2026, 6, 3, 22))
    ticket = open_ticket(world, type=TicketType.EMERGENCY, category="cry_for_help", title="业主家中老人摔倒求助")
    emergency_summarise(ticket=ticket, summary="22:00 接报老人摔倒，保安 5 分钟到场协助送医，家属已到。", by=world.supervisor)
    ticket = close(world, ticket, by=world.supervisor)
    (visit,) = ReturnVisit.objects.filter(ticket=ticket)
    assert visit.due_at == ticket.closed_at + dt.timedelta(days=7)
    assert visit.visitor == world.assistant


def test_vis3_new_resident_visit_shows_on_the_todo_record_and_report_drill_pages(world, presets, clock, client):
    clock.set(at(2026, 6, 1, 9))
    _move_in(world, start=dt.date(2026, 5, 20), name="王五")
    (visit,) = visits_schedule_move_ins()
    client.force_login(world.users[("manager", "a")])
    todo = client.get(reverse("followup:todo"))
    assert todo.status_code == 200 and "新入住：王五" in todo.content.decode()
    record = client.get(reverse("followup:record", args=[visit.pk]))
    assert record.status_code == 200 and "2026-05-20" in record.content.decode()
    drill = client.get(reverse("reports:drill"), {"period": "month", "date": "2026-06-01", "report": "visits", "cell": "due"})
    assert drill.status_code == 200 and f'data-pk="{visit.pk}"' in drill.content.decode()


def test_vis3_demo_moves_households_in_and_schedules_their_pm_visits(world, presets):
    """followup.demo: new tenants in an empty house and a let one, each with its PM visit."""
    import random
    from decimal import Decimal

    from propdesk.estate.choices import HouseStatus
    from propdesk.estate.services import house_change_status, house_create
    from propdesk.followup.demo import seed_followup

    empty = house_create(project=world.project_a, building_number="5", entrance_number="1", room="301", floor=3, area=Decimal(90))
    house_change_status(house=empty, to_status=HouseStatus.VACANT, reason="业主已收房", by=world.users[("admin", "*")])
    house_create(
        project=world.project_a, building_number="5", entrance_number="1", room="302", floor=3, area=Decimal(90)
    )  # not handed over
    counts = seed_followup(projects=[world.project_a], staff={("assistant", 0): world.assistant}, rng=random.Random(7))
    visits = ReturnVisit.objects.filter(purpose=VisitPurpose.MOVE_IN)
    assert counts["followup.ReturnVisit"] == visits.count() == 2
    assert set(visits.values_list("house_id", flat=True)) == {empty.pk, world.house_a.pk}
    assert set(visits.values_list("visitor", flat=True)) == {world.users[("manager", "a")].pk}
