"""The survey console pages and who may use them (written out as the rule):
SURVEY_VIEW — assistant, supervisor, PM, head office, admin — reads rounds, progress and
results; SURVEY_ENTER — assistant, supervisor, PM, admin — hands out and types in paper
answers; SURVEY_MANAGE — supervisor, PM, admin — builds questionnaires, runs rounds and
writes replies; SURVEY_APPROVE — PM, admin — approves replies (SUR-4). Everyone else, and
a resident account, gets the same 404 as a page that does not exist. Residents answer
online only for their own house."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.db import transaction
from django.urls import reverse
from openpyxl import load_workbook

from propdesk.core.testing import cells, check_page_matrix, page_client
from propdesk.surveys import services
from propdesk.surveys.models import Rectification, Response

from .conftest import make_round, qs

pytestmark = pytest.mark.django_db

VIEWERS = {"assistant", "supervisor", "manager", "head_office", "admin"}
ENTERERS = {"assistant", "supervisor", "manager", "admin"}
MANAGERS = {"supervisor", "manager", "admin"}
APPROVERS = {"manager", "admin"}


def test_round_list_permission_matrix(rounds):
    def act(client, cell):
        survey = cell.pick(rounds.round_a, rounds.round_b)
        response = client.get(reverse("surveys:rounds"))
        return response, response.status_code == 200 and f'data-project="{survey.project_id}"' in response.content.decode()

    check_page_matrix(rounds, VIEWERS, act)


def check_object_page_matrix(world, allowed: set[str], act, *, ok: int = 200) -> None:
    """A page about one object (a round): every cell of `cells(allowed)`; an allowed cell
    gets `ok` and the effect, any other signed-in cell the same 404 as a missing page and
    no effect, nobody signed in the login page. Each cell in a savepoint rolled back."""
    failures = []
    for cell in cells(allowed):
        with transaction.atomic():
            response, done = act(page_client(world, cell.role), cell)
            transaction.set_rollback(True)
        expected = 302 if cell.role is None else ok if cell.allowed else 404
        if response.status_code != expected or (cell.role is None and "/login/" not in response["Location"]):
            failures.append(f"{cell}: expected {expected}, got {response.status_code}")
        elif bool(done) is not cell.allowed:
            failures.append(f"{cell}: the effect {'is there' if done else 'is missing'}")
    assert not failures, "permission matrix:\n  " + "\n  ".join(failures)


def test_round_progress_page_permission_matrix(rounds):
    def act(client, cell):
        survey = cell.pick(rounds.round_a, rounds.round_b)
        response = client.get(reverse("surveys:round", args=[survey.pk]))
        return response, response.status_code == 200 and "progress-table" in response.content.decode()

    check_object_page_matrix(rounds, VIEWERS, act)


def test_paper_entry_permission_matrix(rounds):
    def act(client, cell):
        survey = cell.pick(rounds.round_a, rounds.round_b)
        house = cell.pick(rounds.house_a, rounds.house_b)
        q = qs(survey)
        response = client.post(reverse("surveys:entry", args=[survey.pk]), {"house": house.code, f"q{q[0].pk}": "1"})
        return response, Response.objects.filter(round=survey, house=house).exists()

    check_object_page_matrix(rounds, ENTERERS, act, ok=302)


def test_rectification_approve_permission_matrix(rounds):
    survey_a = services.round_close(survey=rounds.round_a, by=rounds.users[("manager", "a")])
    survey_b = services.round_close(survey=rounds.round_b, by=rounds.users[("manager", "b")])
    replies = {
        s.project_id: services.rectification_write(
            survey=s,
            by=rounds.users[("supervisor", s.project.code)],
            department="security",
            issue="x",
            measures="x",
            prevention="x",
            reply="x",
        )
        for s in (survey_a, survey_b)
    }

    def act(client, cell):
        reply = replies[cell.pick(rounds.project_a, rounds.project_b).pk]
        response = client.post(reverse("surveys:rectification-approve", args=[reply.pk]))
        reply.refresh_from_db()
        return response, reply.status == "approved"

    check_object_page_matrix(rounds, APPROVERS, act, ok=302)


def test_paper_entry_saves_and_comes_back_for_the_next_house(rounds):
    client = page_client(rounds, "assistant")
    survey = rounds.round_a
    q = qs(survey)
    url = reverse("surveys:entry", args=[survey.pk])
    page = client.get(url)
    assert page.status_code == 200 and "autofocus" in page.content.decode()
    response = client.post(url, {"house": "3-2-1201", f"q{q[0].pk}": "1", f"q{q[1].pk}": "4", f"q{q[2].pk}": "5"})
    assert response.status_code == 302 and response["Location"] == url
    assert Response.objects.get(round=survey).answers.count() == 3
    again = client.post(url, {"house": "3-2-1201", f"q{q[0].pk}": "2"})
    assert again.status_code == 400 and "每户每次调查只收一份" in again.content.decode()
    wrong = client.post(url, {"house": "9-9-9999", f"q{q[0].pk}": "2"})
    assert wrong.status_code == 400 and "不存在" in wrong.content.decode()


def test_round_actions_and_rectification_approval_on_the_pages(rounds):
    manager, supervisor = page_client(rounds, "manager"), page_client(rounds, "supervisor")
    survey = rounds.round_a
    q = qs(survey)
    assert page_client(rounds, "assistant").post(reverse("surveys:round-action", args=[survey.pk, "close"])).status_code == 404
    services.response_enter(survey=survey, house=rounds.house_a, by=rounds.assistant, answers={q[1].pk: 4})
    manager.post(reverse("surveys:round-action", args=[survey.pk, "close"]))
    survey.refresh_from_db()
    assert survey.status == "closed"
    closed = page_client(rounds, "assistant").post(reverse("surveys:entry", args=[survey.pk]), {"house": "3-2-1201"})
    assert closed.status_code == 400 and "不再接受答卷" in closed.content.decode()
    results = supervisor.get(reverse("surveys:results", args=[survey.pk]))
    assert results.status_code == 200 and reverse("surveys:rectify", args=[survey.pk]) in results.content.decode()
    data = {"question": q[1].pk, "issue": "夜间巡逻少", "measures": "增加巡逻", "prevention": "签到考核", "reply": "已整改"}
    assert supervisor.post(reverse("surveys:rectify", args=[survey.pk]), data).status_code == 302
    reply = Rectification.objects.get()
    assert supervisor.post(reverse("surveys:rectification-approve", args=[reply.pk])).status_code == 404  # SURVEY_APPROVE: PM
    manager.post(reverse("surveys:rectification-approve", args=[reply.pk]), {"note": "同意"})
    reply.refresh_from_db()
    assert reply.status == "approved"
    manager.post(reverse("surveys:round-action", args=[survey.pk, "publish"]), {"notice": "结果公告"})
    survey.refresh_from_db()
    assert survey.status == "published"


def test_results_print_and_excel(rounds):
    survey = rounds.round_a
    q = qs(survey)
    services.response_enter(survey=survey, house=rounds.house_a, by=rounds.assistant, answers={q[0].pk: 1, q[2].pk: 2})
    client = page_client(rounds, "supervisor")
    printed = client.get(reverse("surveys:results", args=[survey.pk]), {"print": "1"})
    assert printed.status_code == 200 and "满意度调查统计表" in printed.content.decode() and "@page" in printed.content.decode()
    export = client.get(reverse("surveys:results", args=[survey.pk]), {"export": "xlsx"})
    sheet = load_workbook(BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("序号", "部门", "题目")
    first = rows[1]
    assert first[2] == "客服人员服务态度" and first[3] == 1 and first[7] == 1
    cleaning = next(r for r in rows if r[2] == "公共区域保洁")
    assert cleaning[6] == 1  # 2 points counts as 不满意 on the four columns
    assert (
        page_client(rounds, "head_office").get(reverse("surveys:results", args=[survey.pk]), {"export": "xlsx"}).status_code
        == 200
    )
    assert page_client(rounds, "engineer").get(reverse("surveys:results", args=[survey.pk])).status_code == 404


def test_questionnaire_builder_add_reorder_remove(rounds):
    client = page_client(rounds, "supervisor")
    made = client.post(reverse("surveys:questionnaires"), {"title": "下半年问卷", "project": rounds.project_a.pk})
    url = made["Location"]
    questionnaire_id = int(url.rstrip("/").rsplit("/", 1)[1])
    for text in ("维修及时性", "绿化养护"):
        client.post(url, {"op": "add", "department": "engineering", "text": text, "kind": "rating"})
    from propdesk.surveys.models import Question

    second = Question.objects.get(questionnaire_id=questionnaire_id, text="绿化养护")
    fragment = client.post(url, {"op": "up", "question": second.pk}, HTTP_HX_REQUEST="true")
    assert (
        fragment.status_code == 200 and 'id="questions"' in fragment.content.decode() and "<html" not in fragment.content.decode()
    )
    assert list(
        Question.objects.filter(questionnaire_id=questionnaire_id).order_by("position").values_list("text", flat=True)
    ) == [
        "绿化养护",
        "维修及时性",
    ]
    client.post(url, {"op": "remove", "question": second.pk})
    assert Question.objects.filter(questionnaire_id=questionnaire_id).count() == 1
    assert page_client(rounds, "assistant").get(url).status_code == 404
    other = make_round(rounds, rounds.project_b, status="draft").questionnaire
    assert client.get(reverse("surveys:questionnaire", args=[other.pk])).status_code == 404


def test_resident_answers_online_only_for_own_house(rounds):
    client = page_client(rounds, "resident")
    mine = client.get(reverse("surveys:mine"))
    assert (
        mine.status_code == 200
        and reverse("surveys:answer", args=[rounds.round_a.pk, rounds.house_a.pk]) in mine.content.decode()
    )
    q = qs(rounds.round_a)
    # another project's round or house: not found
    assert client.get(reverse("surveys:answer", args=[rounds.round_b.pk, rounds.house_b.pk])).status_code == 404
    assert (
        client.post(
            reverse("surveys:answer", args=[rounds.round_b.pk, rounds.house_b.pk]), {f"q{qs(rounds.round_b)[0].pk}": "1"}
        ).status_code
        == 404
    )
    assert not Response.objects.filter(house=rounds.house_b).exists()
    url = reverse("surveys:answer", args=[rounds.round_a.pk, rounds.house_a.pk])
    assert client.post(url, {f"q{q[0].pk}": "2", f"q{q[3].pk}": "希望多办社区活动"}).status_code == 302
    response = Response.objects.get(house=rounds.house_a)
    assert response.channel == "online" and response.entered_by == rounds.resident_user
    assert client.post(url, {f"q{q[0].pk}": "1"}).status_code == 400
    # staff pages stay closed to residents
    assert client.get(reverse("surveys:rounds")).status_code == 404
    assert page_client(rounds, "assistant").get(reverse("surveys:mine")).status_code == 404


def test_residents_see_published_results_of_their_project_only(rounds):
    manager = rounds.users[("manager", "a")]
    survey = rounds.round_a
    services.response_enter(survey=survey, house=rounds.house_a, by=rounds.assistant, answers={qs(survey)[0].pk: 1})
    client = page_client(rounds, "resident")
    assert client.get(reverse("surveys:published", args=[survey.pk])).status_code == 404  # not yet published
    services.round_close(survey=survey, by=manager)
    services.round_publish(survey=survey, by=manager, notice="感谢参与")
    page = client.get(reverse("surveys:published", args=[survey.pk]))
    assert page.status_code == 200 and "感谢参与" in page.content.decode()
    b = rounds.users[("manager", "b")]
    services.round_close(survey=rounds.round_b, by=b)
    services.round_publish(survey=rounds.round_b, by=b)
    assert client.get(reverse("surveys:published", args=[rounds.round_b.pk])).status_code == 404


def test_round_list_query_count_is_locked(rounds, django_assert_max_num_queries):
    for _index in range(5):
        make_round(rounds, rounds.project_a, status="draft")
    client = page_client(rounds, "supervisor")
    client.get(reverse("surveys:rounds"))  # warm the session
    # session, user, memberships, rounds, three totals, form choices, schedules, nav…: not per round
    with django_assert_max_num_queries(16) as captured:
        page = client.get(reverse("surveys:rounds"))
    assert page.status_code == 200 and page.content.decode().count('data-project="') == 6
    baseline = len(captured)
    make_round(rounds, rounds.project_a, status="draft")
    with django_assert_max_num_queries(baseline):
        client.get(reverse("surveys:rounds"))
