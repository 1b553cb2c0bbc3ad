"""The return-visit pages — 回访待办, the record form, 回访审核 — and who may use them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from propdesk.core.testing import cells, check_page_matrix, page_client
from propdesk.desk.choices import Status
from propdesk.desk.models import Ticket
from propdesk.followup.choices import VisitMethod, VisitPurpose
from propdesk.followup.models import ReturnVisit
from propdesk.followup.services import visit_record

from .conftest import close, open_ticket

pytestmark = pytest.mark.django_db

# Who may use each page (Cap.VISIT_RECORD / VISIT_REVIEW, written out as the rule).
RECORDERS = {"assistant", "supervisor", "manager", "admin"}
REVIEWERS = {"manager", "admin"}
GOOD = {"score_quality": 5, "score_result": 5, "score_attitude": 5}


@pytest.fixture
def visits(world, presets):
    """A suggestion visit in each project, assigned to that project's assistant."""
    out = {}
    for where in ("a", "b"):
        ticket = open_ticket(world, type="suggestion", category="", title=f"建议{where}", project=where)
        close(world, ticket)
        out[where] = ReturnVisit.objects.get(ticket=ticket)
    assert out["a"].visitor == world.assistant and out["b"].visitor == world.outsider
    return out


def test_todo_page_permission_matrix(world, visits):
    def act(client, cell):
        response = client.get(reverse("followup:todo"))
        visit = cell.pick(visits["a"], visits["b"])
        return response, response.status_code == 200 and visit.ticket.title in response.content.decode()

    check_page_matrix(world, RECORDERS, act)


def test_review_page_permission_matrix(world, visits):
    for visit in visits.values():
        visit_record(visit=visit, by=visit.visitor, method=VisitMethod.PHONE, handled=True, satisfied=True, **GOOD)

    def act(client, cell):
        response = client.get(reverse("followup:review"))
        visit = cell.pick(visits["a"], visits["b"])
        return response, response.status_code == 200 and visit.ticket.title in response.content.decode()

    check_page_matrix(world, REVIEWERS, act)


def test_record_page_permission_matrix(world, visits):
    """The visit's page answers its visitor and the project's supervisor, PM and admin;
    everyone else — another project's staff, other roles, a resident — gets 404."""
    failures = []
    for cell in cells(RECORDERS):
        visit = cell.pick(visits["a"], visits["b"])
        response = page_client(world, cell.role).get(reverse("followup:record", args=[visit.pk]))
        expected = 302 if cell.role is None else 200 if cell.allowed else 404
        if response.status_code != expected:
            failures.append(f"{cell}: expected {expected}, got {response.status_code}")
    assert not failures, failures


def test_vis6_recording_unsatisfied_on_the_phone_form_reopens_the_ticket(world, visits):
    client = page_client(world, "assistant")
    visit = visits["a"]
    page = client.get(reverse("followup:record", args=[visit.pk])).content.decode()
    assert visit.ticket.number in page and "signature-pad.js" in page
    response = client.post(
        reverse("followup:record", args=[visit.pk]),
        {"method": "phone", "handled": "yes", "satisfied": "no", "score_quality": 2, "score_result": 2, "score_attitude": 4},
    )
    assert response.status_code == 302 and response["Location"] == reverse("followup:todo")
    assert Ticket.objects.get(pk=visit.ticket_id).status == Status.IN_PROGRESS
    assert visit.ticket.number not in client.get(reverse("followup:todo")).content.decode()


def test_record_form_names_the_missing_answer(world, visits):
    client = page_client(world, "assistant")
    response = client.post(reverse("followup:record", args=[visits["a"].pk]), {"method": "in_person", "handled": "yes"})
    assert response.status_code == 400
    response = client.post(
        reverse("followup:record", args=[visits["a"].pk]),
        {"method": "in_person", "handled": "yes", "satisfied": "yes", **GOOD},
    )
    assert response.status_code == 400 and "签名" in response.content.decode()


def test_review_marks_the_visit_reviewed(world, visits):
    visit = visits["a"]
    visit_record(visit=visit, by=world.assistant, method=VisitMethod.PHONE, handled=True, satisfied=True, **GOOD)
    client = page_client(world, "manager")
    response = client.post(reverse("followup:review-mark", args=[visit.pk]), {"note": "好"})
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.reviewed_by == world.users[("manager", "a")]
    assert page_client(world, "supervisor").post(reverse("followup:review-mark", args=[visit.pk])).status_code == 404
    assert ReturnVisit.objects.filter(purpose=VisitPurpose.ROUTINE).count() == 2
