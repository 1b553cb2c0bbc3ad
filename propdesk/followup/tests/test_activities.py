"""Community activities (社区活动, VIS-1, VIS-3, VIS-4, VIS-5): closing an activity draws
≥30% of its participating households — exactly ceil(n·30%), spread over the buildings —
for a return visit one calendar month after the activity, by an assistant."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from decimal import Decimal

import pytest
from django.urls import reverse

from propdesk.core.errors import DomainError
from propdesk.core.testing import check_page_matrix, page_client
from propdesk.estate.services import house_create
from propdesk.followup.choices import ACTIVITY, CALENDAR_MONTHS, VisitMethod, VisitorRule, VisitPurpose, VisitStatus
from propdesk.followup.forms import parse_house_codes
from propdesk.followup.models import ActivityParticipant, CommunityActivity, ReturnVisit, ReturnVisitPolicy, VisitDraw
from propdesk.followup.presets import preset_visit_policies
from propdesk.followup.selectors import visits_todo
from propdesk.followup.services import (
    activity_close,
    activity_create,
    activity_participants_add,
    visit_policies_install,
    visit_record,
)

from .conftest import at

pytestmark = pytest.mark.django_db
MANAGERS = {"supervisor", "manager", "admin"}  # Cap.VISIT_MANAGE, written out as the rule
GOOD = {"score_quality": 5, "score_result": 5, "score_attitude": 5}


def _houses(project, *, buildings: int, per_building: int):
    return [
        house_create(
            project=project,
            building_number=str(b),
            entrance_number="1",
            room=f"{floor}01",
            floor=floor,
            area=Decimal("90.00"),
        )
        for b in range(1, buildings + 1)
        for floor in range(1, per_building + 1)
    ]


def _activity(world, *, project=None, held_on=dt.date(2026, 5, 16), title="中秋游园会"):
    project = project or world.project_a
    by = world.supervisor if project == world.project_a else world.users[("supervisor", "b")]
    return activity_create(project=project, title=title, held_on=held_on, by=by)


def test_vis4_activity_visits_are_exactly_30_percent(world, presets, clock):
    """100 households in 5 buildings of 20 → exactly 30 visits, 6 in each building."""
    houses = _houses(world.project_a, buildings=5, per_building=20)
    activity = _activity(world)
    assert activity_participants_add(activity=activity, houses=houses, by=world.supervisor) == 100
    visits = activity_close(activity=activity, by=world.supervisor)
    assert len(visits) == 30
    assert ReturnVisit.objects.filter(activity=activity, purpose=VisitPurpose.ACTIVITY).count() == 30
    per_building = Counter(v.house.building.number for v in visits)
    assert per_building == {str(b): 6 for b in range(1, 6)}
    assert VisitDraw.objects.filter(activity=activity).count() == 100
    assert VisitDraw.objects.filter(activity=activity, drawn=True).count() == 30


@pytest.mark.parametrize("households", [1, 2, 3, 7, 10, 11, 33])
def test_vis4_activity_visits_never_fall_below_30_percent(world, presets, clock, households):
    """Any number of households: ceil(n·30%) visits — at least the rate, never more than one over it."""
    houses = _houses(world.project_a, buildings=1, per_building=households)
    activity = _activity(world)
    activity_participants_add(activity=activity, houses=houses, by=world.supervisor)
    visits = activity_close(activity=activity, by=world.supervisor)
    assert len(visits) == -(-households * 30 // 100)
    assert len(visits) * 100 >= households * 30


def test_vis4_each_activity_is_sampled_on_its_own(world, presets, clock):
    """A second activity's rate does not lean on the first's: 10 households → 3 visits each."""
    houses = _houses(world.project_a, buildings=1, per_building=10)
    counts = []
    for title in ("植树活动", "亲子运动会"):
        activity = _activity(world, title=title)
        activity_participants_add(activity=activity, houses=houses, by=world.supervisor)
        counts.append(len(activity_close(activity=activity, by=world.supervisor)))
    assert counts == [3, 3]


def test_vis3_activity_visit_due_one_month_after(world, presets, clock):
    """Due at the end of the day one calendar month after the activity; VIS-5: an assistant visits."""
    clock.set(at(2026, 6, 1, 9))
    activity = _activity(world, held_on=dt.date(2026, 5, 31))
    activity_participants_add(activity=activity, houses=[world.house_a], by=world.supervisor)
    [visit] = activity_close(activity=activity, by=world.supervisor)
    assert visit.due_at == at(2026, 6, 30, 23, 59)  # 05-31 + 1 month → the month's last day
    assert visit.ticket_id is None and visit.house_id == world.house_a.pk
    assert visit.visitor == world.assistant and visit.status == VisitStatus.PLANNED
    assert "VIS-4" in visit.rules and visit.purpose == VisitPurpose.ACTIVITY


def test_vis4_closing_twice_schedules_nothing_more(world, presets, clock):
    houses = _houses(world.project_a, buildings=2, per_building=5)
    activity = _activity(world)
    activity_participants_add(activity=activity, houses=houses, by=world.supervisor)
    first = activity_close(activity=activity, by=world.supervisor)
    assert len(first) == 3
    assert activity_close(activity=activity, by=world.supervisor) == []
    assert ReturnVisit.objects.filter(activity=activity).count() == 3
    activity.refresh_from_db()
    assert activity.is_closed and activity.closed_by == world.supervisor
    with pytest.raises(DomainError) as exc:
        activity_participants_add(activity=activity, houses=[world.house_a], by=world.supervisor)
    assert exc.value.code == "activity_closed"


def test_vis4_other_projects_house_refused(world, presets):
    activity = _activity(world)
    with pytest.raises(DomainError) as exc:
        activity_participants_add(activity=activity, houses=[world.house_a, world.house_b], by=world.supervisor)
    assert exc.value.code == "activity_house_other_project" and exc.value.field == "houses"
    assert not ActivityParticipant.objects.filter(activity=activity).exists()


def test_vis1_only_visit_managers_record_activities(world, presets):
    with pytest.raises(DomainError):
        activity_create(project=world.project_a, title="义诊", held_on=dt.date(2026, 5, 1), by=world.assistant)
    with pytest.raises(DomainError):  # a supervisor of project b has no say in project a
        activity_create(project=world.project_a, title="义诊", held_on=dt.date(2026, 5, 1), by=world.users[("supervisor", "b")])


def test_vis4_adding_a_house_twice_keeps_one_household(world, presets):
    activity = _activity(world)
    assert activity_participants_add(activity=activity, houses=[world.house_a], by=world.supervisor) == 1
    assert activity_participants_add(activity=activity, houses=[world.house_a], by=world.supervisor) == 0
    assert activity.participants.count() == 1


def test_vis4_presets_carry_the_activity_policy(calendar):
    """VIS-3 ≤1 month, VIS-4 ≥30%, VIS-5 an assistant — installed with every preset."""
    specs = {(s.ticket_type, s.category): s for s in preset_visit_policies()}
    spec = specs[(ACTIVITY, "")]
    assert (spec.delay, spec.unit, spec.coverage, spec.visitor) == (1, CALENDAR_MONTHS, 30, VisitorRule.ASSISTANT)
    visit_policies_install()
    visit_policies_install()
    policy = ReturnVisitPolicy.objects.get(ticket_type=ACTIVITY)
    assert (policy.delay, policy.delay_unit, policy.coverage_percent) == (1, CALENDAR_MONTHS, 30)


def test_vis4_no_policy_schedules_nothing_but_closes(world, calendar):
    activity = _activity(world)
    activity_participants_add(activity=activity, houses=[world.house_a], by=world.supervisor)
    assert activity_close(activity=activity, by=world.supervisor) == []
    activity.refresh_from_db()
    assert activity.is_closed


def test_parse_house_codes_accepts_commas_and_spaces():
    assert parse_house_codes("3-2-1201, 1-1-101，1-1-102 、 1-1-101\n2-1-a01") == ["3-2-1201", "1-1-101", "1-1-102", "2-1-A01"]


# --- the visit in the to-do list and the record form --------------------------------------------


def test_vis6_activity_visit_appears_in_todo_and_is_recorded(world, presets, clock):
    activity = _activity(world)
    activity_participants_add(activity=activity, houses=[world.house_a], by=world.supervisor)
    [visit] = activity_close(activity=activity, by=world.supervisor)
    assert list(visits_todo(world.assistant, [world.project_a.pk])) == [visit]
    client = page_client(world, "assistant")
    page = client.get(reverse("followup:todo")).content.decode()
    assert activity.title in page and world.house_a.code in page
    form = client.get(reverse("followup:record", args=[visit.pk])).content.decode()
    assert activity.title in form
    visit_record(
        visit=visit,
        by=world.assistant,
        method=VisitMethod.PHONE,
        handled=True,
        satisfied=False,
        new_ticket={"type": "suggestion", "title": "希望多办亲子活动"},
        **GOOD,
    )
    visit.refresh_from_db()
    assert visit.is_done and visit.sent_back_at is None  # no ticket to send back
    assert visit.follow_up_ticket.house_id == world.house_a.pk
    review = page_client(world, "manager").get(reverse("followup:review")).content.decode()
    assert activity.title in review


# --- the console page ---------------------------------------------------------------------------


@pytest.fixture
def activities(world, presets):
    return {"a": _activity(world, title="阳光花园游园会"), "b": _activity(world, project=world.project_b, title="翠湖苑义诊")}


def test_activities_page_permission_matrix(world, activities):
    def act(client, cell):
        response = client.get(reverse("followup:activities"))
        activity = cell.pick(activities["a"], activities["b"])
        return response, response.status_code == 200 and activity.title in response.content.decode()

    check_page_matrix(world, MANAGERS, act)


def test_activities_page_creates_adds_by_codes_and_closes(world, presets, clock):
    houses = _houses(world.project_a, buildings=2, per_building=5)
    client = page_client(world, "supervisor")
    response = client.post(
        reverse("followup:activities"),
        {"project": world.project_a.pk, "title": "重阳敬老", "held_on": "2026-05-20", "note": ""},
    )
    assert response.status_code == 302
    activity = CommunityActivity.objects.get(title="重阳敬老")
    assert activity.organiser == world.supervisor and activity.project == world.project_a
    codes = ", ".join(h.code for h in houses[:6]) + " " + " ".join(h.code for h in houses[6:])
    client.post(reverse("followup:activity-participants", args=[activity.pk]), {"codes": codes})
    assert activity.participants.count() == 10
    # An unknown code (or another project's house) adds nothing.
    client.post(reverse("followup:activity-participants", args=[activity.pk]), {"codes": world.house_b.code})
    assert activity.participants.count() == 10
    client.post(reverse("followup:activity-close", args=[activity.pk]))
    assert ReturnVisit.objects.filter(activity=activity).count() == 3
    page = client.get(reverse("followup:activities")).content.decode()
    assert "重阳敬老" in page


def test_activity_actions_answer_404_outside_the_project(world, activities):
    other = activities["b"]
    for role in ("supervisor", "assistant"):
        client = page_client(world, role)
        assert client.post(reverse("followup:activity-close", args=[other.pk])).status_code == 404
        assert client.post(reverse("followup:activity-participants", args=[other.pk]), {"codes": "x"}).status_code == 404
    # An assistant of the project may not close it either.
    own = activities["a"]
    assert page_client(world, "assistant").post(reverse("followup:activity-close", args=[own.pk])).status_code == 404
    own.refresh_from_db()
    assert not own.is_closed
