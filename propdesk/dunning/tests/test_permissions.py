"""Who may use dunning and the collection report — pages and API — for every staff role
and a resident account, in their own project and the other one, and nobody signed in.
Read (FEE_VIEW): assistant, supervisor, PM, cashier, head office, admin; record steps,
promises and plans (FEE_COLLECT): cashier, supervisor, PM, admin; refer to legal action
(DUNNING_LEGAL): the PM and admin. Refusals are the 404 of a missing page or object.

Written out as the rule, not read from accounts.roles."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from propdesk.accounts.roles import ROLE_CAPS, Cap
from propdesk.core.testing import cells, check_matrix, check_page_matrix, listed, page_client
from propdesk.dunning.choices import StepKind
from propdesk.dunning.models import DunningStep, InstalmentPlan, PaymentPromise
from propdesk.dunning.services import step_record

pytestmark = pytest.mark.django_db

READERS = {"assistant", "supervisor", "manager", "cashier", "head_office", "admin"}
COLLECTORS = {"cashier", "supervisor", "manager", "admin"}
LEGAL = {"manager", "admin"}


def test_dunning_legal_is_the_pms():
    assert {role for role, caps in ROLE_CAPS.items() if Cap.DUNNING_LEGAL in caps} == LEGAL


def test_worklist_page_permission_matrix(owing):
    def act(client, cell):
        project = cell.pick(owing.project_a, owing.project_b)
        response = client.get(reverse("dunning:worklist"))
        return response, response.status_code == 200 and f'data-project="{project.pk}"' in response.content.decode()

    check_page_matrix(owing, READERS, act)


def test_collection_report_page_permission_matrix(owing):
    def act(client, cell):
        project = cell.pick(owing.project_a, owing.project_b)
        response = client.get(reverse("billing:collection"), {"month": "2026-06"})
        return response, response.status_code == 200 and f"<td>{project.name}</td>" in response.content.decode()

    check_page_matrix(owing, READERS, act)


def test_house_page_and_letter_door_and_forms_by_role(owing):
    """A reader sees a house's dunning page and its letter; only a collector gets the
    forms; another project's house is "not found"."""
    failures = []
    for cell in cells(READERS):
        house = cell.pick(owing.house_a, owing.house_b)
        client = page_client(owing, cell.role)
        expected = 302 if cell.role is None else 200 if cell.allowed else 404
        page = client.get(reverse("dunning:house", args=[house.pk]))
        letter = client.get(reverse("dunning:letter", args=[house.pk]))
        form_shown = page.status_code == 200 and 'id="step-form"' in page.content.decode()
        if page.status_code != expected or letter.status_code != expected:
            failures.append(f"{cell}: page {page.status_code}, letter {letter.status_code}, expected {expected}")
        elif form_shown != (cell.allowed and cell.role in COLLECTORS):
            failures.append(f"{cell}: form {'shown' if form_shown else 'missing'}")
    assert not failures, "\n".join(failures)


def test_step_page_post_permission_matrix(owing):
    def act(client, cell):
        house = cell.pick(owing.house_a, owing.house_b)
        response = client.post(reverse("dunning:step-add", args=[house.pk]), {"kind": "phone", "note": "电话提醒"})
        return response, DunningStep.objects.filter(house=house).exists()

    failures = []
    for cell in cells(COLLECTORS):
        from propdesk.core.testing import _run

        response, done = _run(act, page_client(owing, cell.role), cell)
        expected = 302 if cell.role is None or cell.allowed else 404
        if response.status_code != expected or done is not cell.allowed:
            failures.append(f"{cell}: {response.status_code}, done={done}")
    assert not failures, "\n".join(failures)


def test_step_api_create_permission_matrix(owing):
    def act(client, cell):
        house = cell.pick(owing.house_a, owing.house_b)
        response = client.post("/api/v1/dunning/steps/", {"house": house.pk, "kind": "phone"}, format="json")
        return response, DunningStep.objects.filter(house=house).exists()

    check_matrix(owing, COLLECTORS, act, ok=201)


def test_legal_referral_api_permission_matrix(owing):
    """Legal referral (with an override reason, so the ladder does not decide): the PM."""

    def act(client, cell):
        house = cell.pick(owing.house_a, owing.house_b)
        body = {"house": house.pk, "kind": StepKind.LEGAL, "override_reason": "长期拒缴"}
        response = client.post("/api/v1/dunning/steps/", body, format="json")
        return response, DunningStep.objects.filter(house=house, kind=StepKind.LEGAL).exists()

    check_matrix(owing, LEGAL, act, ok=201)


def test_promise_and_plan_api_create_permission_matrix(owing):
    def act(client, cell):
        house = cell.pick(owing.house_a, owing.house_b)
        promise = client.post(
            "/api/v1/dunning/promises/", {"house": house.pk, "amount": "100.00", "promised_date": "2026-07-20"}, format="json"
        )
        plan = client.post("/api/v1/dunning/plans/", {"house": house.pk, "count": 2, "first_due": "2026-07-31"}, format="json")
        done = PaymentPromise.objects.filter(house=house).exists() and InstalmentPlan.objects.filter(house=house).exists()
        assert promise.status_code == plan.status_code, (promise.content, plan.content)
        return plan, done

    check_matrix(owing, COLLECTORS, act, ok=201)


def test_step_api_list_permission_matrix(owing, staff):
    own = step_record(house=owing.house_a, kind=StepKind.PHONE, by=staff.cashier)
    other = step_record(house=owing.house_b, kind=StepKind.PHONE, by=staff.cashier_b)

    def act(client, cell):
        return listed(client.get("/api/v1/dunning/steps/"), cell.pick(own, other).pk)

    check_matrix(owing, READERS, act, refused=200)


def test_worklist_api_permission_matrix(owing):
    def act(client, cell):
        house = cell.pick(owing.house_a, owing.house_b)
        response = client.get("/api/v1/dunning/worklist/")
        rows = response.json() if response.status_code == 200 else []
        return response, house.pk in {row["house"] for row in rows}

    check_matrix(owing, READERS, act, refused=200)


def test_worklist_export_lists_the_houses_in_arrears(owing, staff):
    step_record(house=owing.house_a, kind=StepKind.PHONE, by=staff.cashier)
    response = page_client(owing, "cashier").get(reverse("dunning:worklist"), {"export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("项目", "楼栋", "房号")
    (row,) = rows[1:]
    assert row[2] == owing.house_a.code and row[3] == 985 and row[6] == "电话提醒" and row[7] == "寄送催缴函"


def test_attachment_download_permission_matrix(owing, staff):
    from django.core.files.uploadedfile import SimpleUploadedFile

    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    own = step_record(
        house=owing.house_a, kind=StepKind.PHONE, by=staff.cashier, uploads=[SimpleUploadedFile("a.png", png)]
    ).attachments.get()
    other = step_record(
        house=owing.house_b, kind=StepKind.PHONE, by=staff.cashier_b, uploads=[SimpleUploadedFile("b.png", png)]
    ).attachments.get()

    failures = []
    for cell in cells(READERS):
        client = page_client(owing, cell.role)
        response = client.get(reverse("dunning:attachment", args=[cell.pick(own, other).pk]))
        expected = 302 if cell.role is None else 200 if cell.allowed else 404
        if response.status_code != expected:
            failures.append(f"{cell}: {response.status_code}, expected {expected}")
        elif expected == 200:
            assert b"".join(response.streaming_content) == png
    assert not failures, "\n".join(failures)


def test_fee7_api_rule_error_is_400_with_code_and_rule(owing):
    from propdesk.core.testing import api_client

    client = api_client(owing, "cashier")
    response = client.post(
        "/api/v1/dunning/steps/", {"house": owing.house_a.pk, "kind": "letter", "tracking_number": "SF1"}, format="json"
    )
    assert response.status_code == 400
    assert response.json() | {"message": ""} == {
        "code": "dunning_letter_needs_reminder",
        "message": "",
        "field": "kind",
        "rule": "FEE-7",
    }
    response = client.post(
        "/api/v1/dunning/plans/",
        {"house": owing.house_a.pk, "instalments": [{"due_date": "2026-08-01", "amount": "1.00"}]},
        format="json",
    )
    assert response.status_code == 400 and response.json()["code"] == "dunning_plan_total"


def test_worklist_page_query_count_does_not_grow_with_houses(owing, staff, clock):
    """The worklist reads in bulk: more houses in arrears, with steps, promises and plans,
    cost no more queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from propdesk.billing.tests.conftest import add_house
    from propdesk.dunning.services import plan_record, promise_record

    from .conftest import bill

    client = page_client(owing, "admin")
    plan_due = clock.today.replace(day=31)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("dunning:worklist")).status_code == 200
        return len(queries)

    step_record(house=owing.house_a, kind=StepKind.PHONE, by=staff.cashier)
    promise_record(house=owing.house_a, amount="10.00", promised_date=clock.today, by=staff.cashier)
    plan_record(house=owing.house_a, by=staff.cashier, count=2, first_due=plan_due)
    clock.set(2026, 7, 3)
    count()  # warm up (session, content types)
    before = count()
    clock.set(2026, 7, 1)
    clock.set(2026, 5, 1)
    houses = [add_house(owing, f"{n}01") for n in (1, 2, 3)]
    clock.set(2026, 7, 1)
    bill(owing, staff, (2026, 4), project=owing.project_a)
    for house in houses:
        step_record(house=house, kind=StepKind.PHONE, by=staff.cashier)
        promise_record(house=house, amount="10.00", promised_date=clock.today, by=staff.cashier)
        plan_record(house=house, by=staff.cashier, count=2, first_due=plan_due)
    clock.set(2026, 7, 3)
    assert count() == before


APPROVERS = {"supervisor", "manager", "admin"}


def test_case_assign_api_permission_matrix(owing, staff):
    """A supervisor or PM gives a case to a collector of its project (FEE_APPROVE)."""
    own = step_record(house=owing.house_a, kind=StepKind.PHONE, by=staff.cashier).case
    other = step_record(house=owing.house_b, kind=StepKind.PHONE, by=staff.cashier_b).case

    def act(client, cell):
        case = cell.pick(own, other)
        collector = owing.users[("supervisor", "a" if case is own else "b")]
        response = client.post(f"/api/v1/dunning/cases/{case.pk}/assign/", {"collector": collector.pk}, format="json")
        case.refresh_from_db()
        return response, case.collector_id == collector.pk

    check_matrix(owing, APPROVERS, act)


def test_fee7_collector_must_collect_in_the_project(owing, staff):
    from propdesk.core.testing import api_client

    case = step_record(house=owing.house_a, kind=StepKind.PHONE, by=staff.cashier).case
    response = api_client(owing, "supervisor").post(
        f"/api/v1/dunning/cases/{case.pk}/assign/", {"collector": owing.users[("cashier", "b")].pk}, format="json"
    )
    assert response.status_code == 400 and response.json()["code"] == "dunning_collector_invalid"


def test_case_assign_page_by_supervisor(owing, staff):
    case = step_record(house=owing.house_a, kind=StepKind.PHONE, by=staff.cashier).case
    cashier_page = page_client(owing, "cashier").get(reverse("dunning:house", args=[owing.house_a.pk])).content.decode()
    assert 'id="assign-form"' not in cashier_page
    client = page_client(owing, "supervisor")
    assert 'id="assign-form"' in client.get(reverse("dunning:house", args=[owing.house_a.pk])).content.decode()
    url = reverse("dunning:assign", args=[owing.house_a.pk])
    assert page_client(owing, "cashier").post(url, {"collector": staff.supervisor.pk}).status_code == 404
    assert client.post(url, {"collector": staff.supervisor.pk}).status_code == 302
    case.refresh_from_db()
    assert case.collector == staff.supervisor
    assert (
        page_client(owing, "supervisor").post(reverse("dunning:assign", args=[owing.house_b.pk]), {"collector": 1}).status_code
        == 404
    )
