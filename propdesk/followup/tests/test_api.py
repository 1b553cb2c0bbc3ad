"""Return-visit API (/api/v1/visits/): the permission matrix of every endpoint (role ×
own/other project × resident × nobody), filters, recording (VIS-2, VIS-6) and the PM's
review, errors as {code, message, field}, and the OpenAPI schema."""

from __future__ import annotations

import base64

import pytest
from django.core.management import call_command

from propdesk.core.testing import api_client, check_matrix, listed
from propdesk.desk.choices import Status
from propdesk.followup.choices import VisitMethod, VisitStatus
from propdesk.followup.models import ReturnVisit
from propdesk.followup.services import visit_record

from .conftest import at, close, open_ticket, signature_png

pytestmark = pytest.mark.django_db

# Who may do what (Cap.VISIT_RECORD to one's own visits, VISIT_MANAGE to all, VISIT_REVIEW), as the rule.
RECORDERS = {"assistant", "supervisor", "manager", "admin"}
REVIEWERS = {"manager", "admin"}
GOOD = {"score_quality": 5, "score_result": 4, "score_attitude": 5}
RECORD = {"method": "phone", "handled": True, "satisfied": True, **GOOD}


@pytest.fixture
def visits(world, presets, clock):
    """A suggestion visit in each project, assigned to that project's assistant."""
    out = {}
    for where in ("a", "b"):
        ticket = close(world, open_ticket(world, type="suggestion", category="", title=f"建议{where}", project=where))
        out[where] = ReturnVisit.objects.get(ticket=ticket)
    return out


def test_visit_list_permission_matrix(world, visits):
    def act(client, cell):
        return listed(client.get("/api/v1/visits/"), cell.pick(visits["a"], visits["b"]).pk)

    check_matrix(world, RECORDERS, act, refused=200)


def test_visit_retrieve_permission_matrix(world, visits):
    def act(client, cell):
        visit = cell.pick(visits["a"], visits["b"])
        response = client.get(f"/api/v1/visits/{visit.pk}/")
        return response, response.status_code == 200 and response.json()["ticket_number"] == visit.ticket.number

    check_matrix(world, RECORDERS, act)


def test_visit_record_permission_matrix(world, visits):
    def act(client, cell):
        visit = cell.pick(visits["a"], visits["b"])
        response = client.post(f"/api/v1/visits/{visit.pk}/record/", RECORD, format="json")
        return response, ReturnVisit.objects.get(pk=visit.pk).status == VisitStatus.DONE

    check_matrix(world, RECORDERS, act)


def test_visit_review_permission_matrix(world, visits):
    for visit in visits.values():
        visit_record(visit=visit, by=visit.visitor, method=VisitMethod.PHONE, handled=True, satisfied=True, **GOOD)

    def act(client, cell):
        visit = cell.pick(visits["a"], visits["b"])
        response = client.post(f"/api/v1/visits/{visit.pk}/review/", {"note": "记录完整"}, format="json")
        return response, ReturnVisit.objects.get(pk=visit.pk).reviewed_at is not None

    check_matrix(world, REVIEWERS, act)


def test_vis5_assistant_sees_only_own_visits_supervisor_every_visit_of_the_project(world, visits):
    other = ReturnVisit.objects.filter(pk=visits["a"].pk)
    colleague = world.users[("supervisor", "a")]
    other.update(visitor=colleague)
    mine = api_client(world, "assistant").get("/api/v1/visits/").json()["results"]
    assert mine == []
    assert api_client(world, "assistant").get(f"/api/v1/visits/{visits['a'].pk}/").status_code == 404
    rows = api_client(world, "supervisor").get("/api/v1/visits/?mine=true").json()["results"]
    assert [r["id"] for r in rows] == [visits["a"].pk]


def test_visit_list_filters_status_purpose_and_due(world, visits, clock):
    client = api_client(world, "supervisor")
    visit = visits["a"]
    assert visit.due_at == at(2026, 6, 8, 9)

    def ids(query: str) -> list[int]:
        return [row["id"] for row in client.get(f"/api/v1/visits/?{query}").json()["results"]]

    assert ids("status=planned&purpose=routine") == [visit.pk]
    assert ids("purpose=move_in") == []
    assert ids("due=week") == []  # due in 7 days exactly: not within the next 7 days yet
    clock.set(at(2026, 6, 8, 7))
    assert ids("due=today") == [visit.pk] and ids("due=overdue") == []
    clock.set(at(2026, 6, 8, 10))
    assert ids("due=overdue") == [visit.pk]
    assert client.get(f"/api/v1/visits/{visit.pk}/").json()["overdue"] is True
    assert ids("status=done") == []


def test_vis6_api_unsatisfied_visit_reopens_the_ticket_with_a_rework_deadline(world, visits, clock):
    visit = visits["a"]
    clock.set(at(2026, 6, 3, 10))
    response = api_client(world, "assistant").post(
        f"/api/v1/visits/{visit.pk}/record/", {**RECORD, "satisfied": False, "note": "客户认为答复敷衍"}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "done" and body["sent_back_at"] and body["rework_due_at"]
    visit.ticket.refresh_from_db()
    assert visit.ticket.status == Status.IN_PROGRESS


def test_vis2_api_scores_are_one_to_five_and_in_person_needs_a_signature(world, visits):
    client = api_client(world, "assistant")
    url = f"/api/v1/visits/{visits['a'].pk}/record/"
    bad = client.post(url, {**RECORD, "score_quality": 6}, format="json")
    assert bad.status_code == 400 and bad.json()["field"] == "score_quality"
    unsigned = client.post(url, {**RECORD, "method": "in_person"}, format="json")
    assert unsigned.status_code == 400 and unsigned.json() == {
        "code": "visit_signature_required",
        "message": unsigned.json()["message"],
        "field": "signature",
        "rule": "VIS-6",
    }
    signature = "data:image/png;base64," + base64.b64encode(signature_png()).decode()
    signed = client.post(url, {**RECORD, "method": "in_person", "signature": signature}, format="json")
    assert signed.status_code == 200 and signed.json()["has_signature"] is True
    again = client.post(url, RECORD, format="json")
    assert again.status_code == 400 and again.json()["code"] == "visit_already_done"


def test_visit_endpoints_are_in_the_schema(world, client):
    schema = client.get("/api/schema/")
    assert schema.status_code == 200
    for path in (b"/api/v1/visits/", b"/api/v1/visits/{id}/record/", b"/api/v1/visits/{id}/review/"):
        assert path in schema.content


def test_openapi_schema_stays_warning_free(tmp_path):
    """drf-spectacular fails the command on any warning (an unannotated field or action)."""
    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "/api/v1/visits/{id}/record/" in (tmp_path / "schema.yaml").read_text()
