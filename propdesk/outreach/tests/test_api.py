"""The outreach API: visits, progress, suggestions, care tasks — the permission matrix of
each endpoint (VIS-7, ARC-6) and the schema."""

from __future__ import annotations

import pytest

from propdesk.core.testing import check_matrix, listed
from propdesk.outreach.models import CareTask, ProactiveVisit

from .test_pages import MANAGERS, RECORDERS, data  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


def test_visit_list_permission_matrix(world, data):  # noqa: F811
    def act(client, cell):
        visit, _task = cell.pick(data["a"], data["b"])
        return listed(client.get("/api/v1/outreach-visits/"), visit.pk)

    check_matrix(world, RECORDERS, act, refused=200)


def test_visit_detail_permission_matrix(world, data):  # noqa: F811
    def act(client, cell):
        visit, _task = cell.pick(data["a"], data["b"])
        return client.get(f"/api/v1/outreach-visits/{visit.pk}/")

    check_matrix(world, RECORDERS, act)


def test_visit_create_permission_matrix(world, data):  # noqa: F811
    def act(client, cell):
        house = cell.pick(world.house_a, world.house_b)
        before = ProactiveVisit.objects.filter(house=house).count()
        response = client.post(
            "/api/v1/outreach-visits/",
            {
                "house": house.pk,
                "visited_on": "2026-11-12",
                "method": "on_site",
                "satisfaction": 4,
                "opinions": "希望增加垃圾分类指导",
                "opinion_kind": "suggestion",
            },
            format="json",
        )
        return response, ProactiveVisit.objects.filter(house=house).count() == before + 1

    check_matrix(world, RECORDERS, act, ok=201)


def test_visit_create_rule_answers_400(world, data):  # noqa: F811
    from propdesk.core.testing import api_client

    response = api_client(world, "assistant").post(
        "/api/v1/outreach-visits/",
        {"house": world.house_a.pk, "visited_on": "2026-11-12", "method": "home", "satisfaction": 4},
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "outreach_appointment_required"
    assert response.json()["rule"] == "VIS-7"


def test_progress_permission_matrix(world, data):  # noqa: F811
    def act(client, cell):
        project = cell.pick(world.project_a, world.project_b)
        response = client.get("/api/v1/outreach/progress/?month=2026-11")
        shown = response.status_code == 200 and project.pk in [row["project"] for row in response.json()]
        return response, shown

    check_matrix(world, MANAGERS, act, refused=200)


def test_suggestions_permission_matrix(world, data):  # noqa: F811
    def act(client, cell):
        house = cell.pick(world.house_a, world.house_b)
        response = client.get("/api/v1/outreach/suggestions/?month=2027-03")
        shown = response.status_code == 200 and house.pk in [row["house"] for row in response.json()]
        return response, shown

    check_matrix(world, RECORDERS, act, refused=200)


def test_care_task_list_permission_matrix(world, data):  # noqa: F811
    def act(client, cell):
        _visit, task = cell.pick(data["a"], data["b"])
        return listed(client.get("/api/v1/care-tasks/?status=open"), task.pk)

    check_matrix(world, RECORDERS, act, refused=200)


def test_care_task_close_permission_matrix(world, data):  # noqa: F811
    def act(client, cell):
        _visit, task = cell.pick(data["a"], data["b"])
        response = client.post(f"/api/v1/care-tasks/{task.pk}/close/", {"greeting_method": "phone"}, format="json")
        return response, CareTask.objects.get(pk=task.pk).status == "done"

    check_matrix(world, RECORDERS, act)


def test_care_task_send_permission_matrix(world, data):  # noqa: F811
    def act(client, cell):
        _visit, task = cell.pick(data["a"], data["b"])
        response = client.post(f"/api/v1/care-tasks/{task.pk}/send/", {"greeting_channel": "wechat"}, format="json")
        return response, CareTask.objects.get(pk=task.pk).status == "done"

    # Only project a's customer has a resident account: b's send is refused by the rule (400).
    from propdesk.residents.models import Person

    Person.objects.filter(pk=world.person_b.pk).update(account=world.resident_user)
    check_matrix(world, RECORDERS, act)


def test_schema_lists_the_outreach_endpoints(world, client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    for path in (b"/api/v1/outreach-visits/", b"/api/v1/outreach/progress/", b"/api/v1/care-tasks/{id}/close/"):
        assert path in schema.content
