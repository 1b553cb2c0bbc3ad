"""Survey API (/api/v1/): the permission matrix of each endpoint (role × own / other
project × resident × nobody), the rule errors as {code, message, field, rule}, and the
resident's own-house answer."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from propdesk.core.testing import api_client, check_matrix, listed
from propdesk.surveys import services
from propdesk.surveys.models import Response

from .conftest import qs

pytestmark = pytest.mark.django_db

VIEWERS = {"assistant", "supervisor", "manager", "head_office", "admin"}
ENTERERS = {"assistant", "supervisor", "manager", "admin"}


def test_round_list_permission_matrix(rounds):
    def act(client, cell):
        survey = cell.pick(rounds.round_a, rounds.round_b)
        return listed(client.get("/api/v1/survey-rounds/"), survey.pk)

    check_matrix(rounds, VIEWERS, act, refused=200)


def test_round_progress_permission_matrix(rounds):
    def act(client, cell):
        survey = cell.pick(rounds.round_a, rounds.round_b)
        response = client.get(f"/api/v1/survey-rounds/{survey.pk}/progress/")
        return response, response.status_code == 200 and response.json()["total"]["households"] == 1

    check_matrix(rounds, VIEWERS, act)


def test_round_results_permission_matrix(rounds):
    def act(client, cell):
        survey = cell.pick(rounds.round_a, rounds.round_b)
        response = client.get(f"/api/v1/survey-rounds/{survey.pk}/results/")
        return response, response.status_code == 200 and len(response.json()["questions"]) == 4

    check_matrix(rounds, VIEWERS, act)


def test_response_create_permission_matrix(rounds):
    def act(client, cell):
        survey = cell.pick(rounds.round_a, rounds.round_b)
        house = cell.pick(rounds.house_a, rounds.house_b)
        q = qs(survey)
        body = {
            "round": survey.pk,
            "house": house.pk,
            "respondent_name": "张三",
            "answers": [{"question": q[0].pk, "value": 1}, {"question": q[3].pk, "text": "很好"}],
        }
        response = client.post("/api/v1/survey-responses/", body, format="json")
        return response, Response.objects.filter(round=survey, house=house).exists()

    check_matrix(rounds, ENTERERS, act, ok=201)


def test_closed_round_and_second_response_are_400_with_the_rule(rounds):
    client = api_client(rounds, "assistant")
    q = qs(rounds.round_a)
    body = {"round": rounds.round_a.pk, "house": rounds.house_a.pk, "answers": [{"question": q[0].pk, "value": 3}]}
    assert client.post("/api/v1/survey-responses/", body, format="json").status_code == 201
    again = client.post("/api/v1/survey-responses/", body, format="json")
    assert again.status_code == 400 and again.json()["code"] == "response_exists"
    services.round_close(survey=rounds.round_a, by=rounds.users[("manager", "a")])
    closed = client.post("/api/v1/survey-responses/", body, format="json")
    assert closed.status_code == 400 and closed.json()["code"] == "round_not_open" and closed.json()["rule"] == "SUR-2"


def test_resident_answers_online_for_own_house_only(rounds):
    client = APIClient()
    client.force_authenticate(rounds.resident_user)
    listed_rounds = client.get("/api/v1/my-surveys/").json()
    assert [(r["round"]["id"], r["house"], r["answered"]) for r in listed_rounds] == [
        (rounds.round_a.pk, rounds.house_a.pk, False)
    ]
    q_b = qs(rounds.round_b)
    other = {"round": rounds.round_b.pk, "house": rounds.house_b.pk, "answers": [{"question": q_b[0].pk, "value": 1}]}
    assert client.post("/api/v1/my-surveys/answer/", other, format="json").status_code == 404
    q = qs(rounds.round_a)
    mixed = {"round": rounds.round_b.pk, "house": rounds.house_a.pk, "answers": [{"question": q[0].pk, "value": 1}]}
    assert client.post("/api/v1/my-surveys/answer/", mixed, format="json").status_code == 404
    own = {"round": rounds.round_a.pk, "house": rounds.house_a.pk, "answers": [{"question": q[0].pk, "value": 2}]}
    assert client.post("/api/v1/my-surveys/answer/", own, format="json").status_code == 201
    assert client.post("/api/v1/my-surveys/answer/", own, format="json").json()["code"] == "response_exists"
    assert not Response.objects.filter(house=rounds.house_b).exists()
    # staff cannot use the resident endpoint; residents cannot use the staff one
    assert api_client(rounds, "assistant").get("/api/v1/my-surveys/").status_code == 404
    staff_body = {"round": rounds.round_a.pk, "house": rounds.house_a.pk, "answers": [{"question": q[0].pk, "value": 2}]}
    assert client.post("/api/v1/survey-responses/", staff_body, format="json").status_code == 404
    assert APIClient().get("/api/v1/my-surveys/").status_code == 401
