"""The outreach pages — 主动访问, 访问进度, 访问与关怀设置, 客户关怀, the record form, the
house-page section — and who may use them (VIS-7, ARC-6)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from propdesk.core.testing import cells, check_page_matrix, page_client
from propdesk.outreach.choices import OutreachMethod, Satisfaction
from propdesk.outreach.models import CareTask, ProactiveVisit
from propdesk.outreach.services import proactive_visit_record

pytestmark = pytest.mark.django_db

# Cap.VISIT_RECORD / VISIT_MANAGE, written out as the rule.
RECORDERS = {"assistant", "supervisor", "manager", "admin"}
MANAGERS = {"supervisor", "manager", "admin"}


@pytest.fixture
def data(world, clock, occupied):
    """A visit and a care task in each project."""
    out = {}
    for where, house, person, by in (
        ("a", world.house_a, world.person_a, world.assistant),
        ("b", world.house_b, world.person_b, world.outsider),
    ):
        visit = proactive_visit_record(
            project=house.project,
            house=house,
            by=by,
            person=person,
            visited_on=dt.date(2026, 11, 10),
            method=OutreachMethod.PHONE,
            satisfaction=Satisfaction.SATISFIED,
            opinions=f"意见{where}",
        )
        task = CareTask.objects.create(
            project=house.project,
            key=f"k{where}",
            house=house,
            person=person,
            occasion="birthday",
            occasion_date=dt.date(2026, 11, 20),
        )
        out[where] = (visit, task)
    return out


def test_visits_page_permission_matrix(world, data):
    def act(client, cell):
        response = client.get(reverse("outreach:visits"))
        visit, _task = cell.pick(data["a"], data["b"])
        return response, response.status_code == 200 and visit.opinions in response.content.decode()

    check_page_matrix(world, RECORDERS, act)


def test_progress_page_permission_matrix(world, data):
    def act(client, cell):
        response = client.get(reverse("outreach:progress"))
        project = cell.pick(world.project_a, world.project_b)
        return response, response.status_code == 200 and f'data-project="{project.pk}"' in response.content.decode()

    check_page_matrix(world, MANAGERS, act)


def test_progress_excel_export(world, data):
    response = page_client(world, "supervisor").get(reverse("outreach:progress") + "?month=2026-11&export=xlsx")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_settings_page_permission_matrix(world, data):
    def act(client, cell):
        project = cell.pick(world.project_a, world.project_b)
        response = client.get(reverse("outreach:settings") + f"?project={project.pk}")
        return response, response.status_code == 200 and f'name="project" value="{project.pk}"' in response.content.decode()

    check_page_matrix(world, MANAGERS, act)


def test_settings_page_saves_quotas(world, data):
    client = page_client(world, "manager")
    form = {
        "project": world.project_a.pk,
        "department_quota": 12,
        "assistant_quota": 22,
        "recent_days": 60,
        "birthday_from": 2,
        "birthday_to": 7,
        "festival_ahead": 7,
        "greeting_template": "{name}，{occasion}快乐",
    }
    assert client.post(reverse("outreach:settings"), form).status_code == 302
    from propdesk.outreach.services import outreach_policy

    assert outreach_policy(world.project_a).assistant_quota == 22
    response = client.post(reverse("outreach:settings"), {**form, "birthday_from": 8, "birthday_to": 2})
    assert response.status_code == 400 and "生日提前天数：起始不能大于截止" in response.content.decode()
    assert outreach_policy(world.project_a).birthday_from == 2


def test_care_page_permission_matrix(world, data):
    def act(client, cell):
        response = client.get(reverse("outreach:care"))
        _visit, task = cell.pick(data["a"], data["b"])
        shown = reverse("outreach:care-close", args=[task.pk]) in response.content.decode()
        return response, response.status_code == 200 and shown

    check_page_matrix(world, RECORDERS, act)


def test_care_close_page_matrix(world, data):
    failures = []
    for cell in cells(RECORDERS):
        _visit, task = cell.pick(data["a"], data["b"])
        client = page_client(world, cell.role)
        response = client.post(reverse("outreach:care-close", args=[task.pk]), {"status": "done", "method": "phone"})
        task.refresh_from_db()
        expected = 302 if cell.role is None or cell.allowed else 404
        if response.status_code != expected or (task.status == "done") is not cell.allowed:
            failures.append(f"{cell}: {response.status_code} {task.status}")
        CareTask.objects.filter(pk=task.pk).update(status="open", done_at=None, done_by=None, method="")
    assert not failures, failures


def test_visit_form_page_matrix_and_record(world, data):
    failures = []
    for cell in cells(RECORDERS):
        house = cell.pick(world.house_a, world.house_b)
        response = page_client(world, cell.role).get(reverse("outreach:visit-new") + f"?house={house.pk}")
        expected = 302 if cell.role is None else 200 if cell.allowed else 404
        if response.status_code != expected:
            failures.append(f"{cell}: expected {expected}, got {response.status_code}")
    assert not failures, failures
    client = page_client(world, "assistant")
    url = reverse("outreach:visit-new") + f"?house={world.house_a.pk}"
    home = {
        "visited_on": "2026-11-12",
        "method": "home",
        "appointment_at": "2026-11-12T15:00",
        "entered_home": "on",
        "satisfaction": 5,
    }
    response = client.post(url, home)
    assert response.status_code == 400 and "两名员工" in response.content.decode()
    response = client.post(
        url, {**home, "companion": world.supervisor.pk, "opinions": "建议增加儿童游乐设施", "opinion_kind": "suggestion"}
    )
    assert response.status_code == 302
    visit = ProactiveVisit.objects.latest("pk")
    assert visit.companion == world.supervisor and visit.ticket.type == "suggestion"


def test_house_page_shows_the_household_360(world, data):
    response = page_client(world, "assistant").get(reverse("estate:house", args=[world.house_a.pk]))
    page = response.content.decode()
    assert response.status_code == 200 and 'id="section-household360"' in page and "意见a" in page
    assert 'id="household-risks"' in page


def test_visit_print(world, data):
    response = page_client(world, "supervisor").get(reverse("outreach:visit-print") + "?month=2026-11")
    assert response.status_code == 200 and "访问客户记录表" in response.content.decode() and "意见a" in response.content.decode()


def test_caller_panel_shows_the_household_risk_flags(world, data):
    from propdesk.desk.choices import TicketType

    from .conftest import at, ticket_on

    client = page_client(world, "assistant")
    panel = client.get(reverse("desk:caller-panel"), {"house": world.house_a.pk}).content.decode()
    assert "重复投诉" not in panel
    for day in (2, 9):
        ticket_on(world, world.house_a, type=TicketType.COMPLAINT, category="cleaning", when=at(2026, 11, day))
    panel = client.get(reverse("desk:caller-panel"), {"house": world.house_a.pk}).content.decode()
    assert 'class="household-risk-badges"' in panel and "重复投诉" in panel
