"""Billing API (/api/v1/billing/…): the permission matrix of every endpoint (role × own
project / other project / resident / no login, `core.testing.check_matrix`), what each
answers (the live late fee and the settlement, FEE-3/FEE-9; a retried payment that
charges once, FEE-5; rate history, FEE-1; approvals, FEE-3/5), and the OpenAPI schema,
generated without a warning."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.management import call_command

from propdesk.billing.approvals import approval_request
from propdesk.billing.choices import ApprovalKind, ApprovalStatus, EntryKind
from propdesk.billing.models import ApprovalRequest, BillingRun, BillLine, Entry, FeeItem, FeeRate, Payment
from propdesk.billing.run import billing_run
from propdesk.core.testing import api_client, check_matrix, listed
from propdesk.estate.choices import HouseStatus
from propdesk.estate.services import house_change_status

from .conftest import make_fees, pay

pytestmark = pytest.mark.django_db

# Written out as the rule (accounts/roles.py).
VIEWERS = {"assistant", "supervisor", "manager", "cashier", "head_office", "admin"}  # FEE_VIEW
COLLECTORS = {"cashier", "supervisor", "manager", "admin"}  # FEE_COLLECT
BILLERS = {"cashier", "manager", "admin"}  # FEE_BILL
CONFIGURERS = {"manager", "admin"}  # FEE_CONFIGURE
APPROVERS = {"supervisor", "manager", "admin"}  # FEE_APPROVE


@pytest.fixture
def owing(world, clock):
    """Both houses lived in and billed for May and June 2026; today is July 20th."""
    admin = world.users[("admin", "*")]
    for project, house in ((world.project_a, world.house_a), (world.project_b, world.house_b)):
        make_fees(world, project)
        house_change_status(house=house, to_status=HouseStatus.OWNER_OCCUPIED, reason="业主入住", by=admin)
        for month in (5, 6):
            billing_run(project=project, month=dt.date(2026, month, 1), by=admin)
    clock.set(2026, 7, 20)
    return world


def _item(world, where: str, code: str = "wyf") -> FeeItem:
    return FeeItem.objects.get(project=world.project_a if where == "own" else world.project_b, code=code)


# --- fee items and rates (FEE-1) --------------------------------------------------------------


def test_fee_item_list_permission_matrix(owing):
    def act(client, cell):
        return listed(client.get("/api/v1/billing/fee-items/"), _item(owing, cell.where).pk)

    check_matrix(owing, VIEWERS, act, refused=200)


def test_fee1_rate_history_read_permission_matrix(owing):
    def act(client, cell):
        response = client.get(f"/api/v1/billing/fee-items/{_item(owing, cell.where).pk}/rates/")
        return response, response.status_code == 200 and len(response.json()) == 2

    check_matrix(owing, VIEWERS, act)


def test_fee_item_create_permission_matrix(owing):
    def act(client, cell):
        project = cell.pick(owing.project_a, owing.project_b)
        response = client.post(
            "/api/v1/billing/fee-items/",
            {"project": project.pk, "code": "tcf", "name": "停车费", "kind": "parking"},
            format="json",
        )
        return response, FeeItem.objects.filter(project=project, code="tcf").exists()

    check_matrix(owing, CONFIGURERS, act, ok=201)


def test_fee1_rate_history_add_permission_matrix(owing):
    def act(client, cell):
        item = _item(owing, cell.where, "ggnh")
        data = {"effective_from": "2026-08-01", "unit_price": "12.00", "approval_ref": "业委会决议 2026-07"}
        response = client.post(f"/api/v1/billing/fee-items/{item.pk}/rates/", data, format="json")
        return response, FeeRate.objects.filter(item=item, unit_price=Decimal("12.00")).exists()

    check_matrix(owing, CONFIGURERS, act, ok=201)


def test_fee1_rate_history_a_new_rate_keeps_the_old_and_refuses_a_billed_month(owing):
    client = api_client(owing, "manager")
    item = _item(owing, "own", "ggnh")
    url = f"/api/v1/billing/fee-items/{item.pk}/rates/"
    backdated = client.post(url, {"effective_from": "2026-06-01", "unit_price": "12.00", "approval_ref": "x"}, format="json")
    assert backdated.status_code == 400 and backdated.json()["code"] == "fee_rate_retroactive"
    assert backdated.json()["rule"] == "FEE-1"
    client.post(url, {"effective_from": "2026-08-01", "unit_price": "12.00", "approval_ref": "决议"}, format="json")
    history = client.get(url).json()
    assert [(r["effective_from"], r["unit_price"], r["approval_ref"]) for r in history] == [
        ("2026-08-01", "12.00", "决议"),
        ("2026-01-01", "10.00", "业委会决议 2025-12"),
    ]


# --- accounts (FEE-3, FEE-9) -----------------------------------------------------------------


def test_account_permission_matrix(owing):
    def act(client, cell):
        house = cell.pick(owing.house_a, owing.house_b)
        return client.get(f"/api/v1/billing/accounts/{house.pk}/")

    check_matrix(owing, VIEWERS, act)


def test_fee9_account_shows_the_live_late_fee_and_the_settlement(owing):
    body = api_client(owing, "cashier").get(f"/api/v1/billing/accounts/{owing.house_a.pk}/").json()
    # management fee 98.50 m² × 2.00 = 197.00 and 10.00 fixed, each of May and June
    late = {(line["period"], line["description"]): line["late_fee"] for line in body["lines"]}
    assert late[("2026-05-01", "物业管理费 2026年5月")] == "23.64"  # 197.00 × 0.3% × 40 days
    assert late[("2026-06-01", "物业管理费 2026年6月")] == "5.91"  # × 10 days
    assert body["balance"] == "414.00" and body["credit"] == "0.00"
    settlement = body["settlement"]
    assert settlement["settled"] is False and settlement["owed"] == "414.00"
    assert Decimal(settlement["total"]) == Decimal(settlement["owed"]) + Decimal(settlement["late_fees"])


# --- bills and payments (FEE-5) ------------------------------------------------------------------


def test_bill_list_permission_matrix(owing):
    def act(client, cell):
        house = cell.pick(owing.house_a, owing.house_b)
        response = client.get("/api/v1/billing/bills/", {"period": "2026-06"})
        rows = response.json()["results"] if response.status_code == 200 else []
        return response, any(row["house"] == house.pk for row in rows)

    check_matrix(owing, VIEWERS, act, refused=200)


def test_payment_take_permission_matrix(owing):
    def act(client, cell):
        house = cell.pick(owing.house_a, owing.house_b)
        data = {"house": house.pk, "method": "cash", "amount": "100.00", "tendered": "100.00"}
        response = client.post("/api/v1/billing/payments/", data, format="json", HTTP_IDEMPOTENCY_KEY=f"k-{cell}")
        return response, Payment.objects.filter(house=house).exists()

    check_matrix(owing, COLLECTORS, act, ok=201)


def test_payment_list_and_receipt_permission_matrix(owing):
    payments = {
        "own": pay(owing.house_a, owing.users[("cashier", "a")], "50.00"),
        "other": pay(owing.house_b, owing.users[("cashier", "b")], "50.00"),
    }

    def act(client, cell):
        return listed(client.get("/api/v1/billing/payments/"), payments[cell.where].pk)

    check_matrix(owing, VIEWERS, act, refused=200)

    def receipt(client, cell):
        return client.get(f"/api/v1/billing/payments/{payments[cell.where].pk}/receipt/")

    check_matrix(owing, VIEWERS, receipt)


def test_fee5_a_retried_payment_with_the_same_idempotency_key_charges_once(owing):
    client = api_client(owing, "cashier")
    line = BillLine.objects.get(house=owing.house_a, period=dt.date(2026, 5, 1), item__code="wyf")
    data = {"house": owing.house_a.pk, "method": "wechat", "amount": "220.64", "lines": [line.pk], "reference": "wx-1"}
    first = client.post("/api/v1/billing/payments/", data, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    again = client.post("/api/v1/billing/payments/", data, format="json", HTTP_IDEMPOTENCY_KEY="retry-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and first.json()["receipt_number"] == again.json()["receipt_number"]
    assert Payment.objects.count() == 1
    # 197.00 + its late fee 23.64 = 220.64: the late fee is charged as its own line, both paid
    receipt = client.get(f"/api/v1/billing/payments/{first.json()['id']}/receipt/").json()
    assert receipt["total"] == "220.64" and sorted(r["amount"] for r in receipt["lines"]) == ["197.00", "23.64"]
    reused = client.post(
        "/api/v1/billing/payments/", {**data, "amount": "1.00", "lines": None, "idempotency_key": "retry-1"}, format="json"
    )
    assert reused.status_code == 400 and reused.json()["code"] == "payment_key_reused"
    missing = client.post("/api/v1/billing/payments/", data, format="json")
    assert missing.status_code == 400 and missing.json()["field"] == "idempotency_key"


# --- runs (FEE-2) and arrears (FEE-7) ---------------------------------------------------------------


def test_run_preview_permission_matrix(owing):
    def act(client, cell):
        project = cell.pick(owing.project_a, owing.project_b)
        response = client.post("/api/v1/billing/runs/preview/", {"project": project.pk, "month": "2026-07-01"}, format="json")
        return response, response.status_code == 200 and response.json()["lines"] == 2

    check_matrix(owing, BILLERS, act)


def test_run_start_permission_matrix(owing):
    def act(client, cell):
        project = cell.pick(owing.project_a, owing.project_b)
        response = client.post("/api/v1/billing/runs/", {"project": project.pk, "month": "2026-07-01"}, format="json")
        return response, BillingRun.objects.filter(project=project, period=dt.date(2026, 7, 1)).exists()

    check_matrix(owing, BILLERS, act, ok=201)


def test_run_progress_permission_matrix(owing):
    runs = {
        where: BillingRun.objects.filter(project=project).first()
        for where, project in (("own", owing.project_a), ("other", owing.project_b))
    }

    def act(client, cell):
        response = client.get(f"/api/v1/billing/runs/{runs[cell.where].pk}/")
        return response, response.status_code == 200 and response.json()["progress"] == 100

    check_matrix(owing, BILLERS, act)


def test_arrears_permission_matrix(owing):
    def act(client, cell):
        house = cell.pick(owing.house_a, owing.house_b)
        response = client.get("/api/v1/billing/arrears/")
        rows = response.json()["rows"] if response.status_code == 200 else []
        return response, any(row["house"] == house.pk for row in rows)

    check_matrix(owing, VIEWERS, act, refused=200)


# --- approvals (FEE-3, FEE-5) --------------------------------------------------------------------


def _line(house) -> BillLine:
    return BillLine.objects.get(house=house, period=dt.date(2026, 6, 1), item__code="wyf")


def test_approval_request_permission_matrix(owing):
    def act(client, cell):
        line = _line(cell.pick(owing.house_a, owing.house_b))
        data = {"kind": "line_waiver", "line": line.pk, "amount": "10.00", "reason": "补偿"}
        response = client.post("/api/v1/billing/approvals/", data, format="json")
        return response, ApprovalRequest.objects.filter(payload__line=line.pk).exists()

    check_matrix(owing, COLLECTORS, act, ok=201)


@pytest.fixture
def pending(owing):
    return {
        where: approval_request(
            kind=ApprovalKind.LINE_WAIVER, line=_line(house), amount="10.00", reason="补偿", by=owing.users[("cashier", code)]
        )
        for where, house, code in (("own", owing.house_a, "a"), ("other", owing.house_b, "b"))
    }


def test_approval_list_permission_matrix(owing, pending):
    def act(client, cell):
        return listed(client.get("/api/v1/billing/approvals/", {"status": "pending"}), pending[cell.where].pk)

    check_matrix(owing, COLLECTORS, act, refused=200)


def test_fee3_waiver_needs_approval_approve_permission_matrix(owing, pending):
    def act(client, cell):
        response = client.post(f"/api/v1/billing/approvals/{pending[cell.where].pk}/approve/", {"note": "同意"}, format="json")
        return response, Entry.objects.filter(kind=EntryKind.WAIVER).exists()

    check_matrix(owing, APPROVERS, act)


def test_fee3_waiver_needs_approval_reject_permission_matrix(owing, pending):
    def act(client, cell):
        response = client.post(f"/api/v1/billing/approvals/{pending[cell.where].pk}/reject/", {"note": "不符"}, format="json")
        return response, ApprovalRequest.objects.filter(pk=pending[cell.where].pk, status=ApprovalStatus.REJECTED).exists()

    check_matrix(owing, APPROVERS, act)


def test_fee3_waiver_needs_approval_the_requester_may_not_approve_through_the_api(owing):
    client = api_client(owing, "supervisor")
    created = client.post(
        "/api/v1/billing/approvals/",
        {"kind": "late_fee_waiver", "line": _line(owing.house_a).pk, "reason": "住院"},
        format="json",
    )
    assert created.status_code == 201 and created.json()["status"] == "pending"
    own = client.post(f"/api/v1/billing/approvals/{created.json()['id']}/approve/", {}, format="json")
    assert own.status_code == 400 and (own.json()["code"], own.json()["rule"]) == ("approval_own_request", "FEE-3")
    approved = api_client(owing, "manager").post(f"/api/v1/billing/approvals/{created.json()['id']}/approve/", {}, format="json")
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert Entry.objects.get(kind=EntryKind.WAIVER).amount == Decimal("5.91")  # June's late fee, 10 days


# --- query counts ---------------------------------------------------------------------------------


def test_bill_and_payment_lists_query_counts_are_locked(owing, django_assert_max_num_queries):
    cashier = owing.users[("cashier", "a")]
    for _i in range(10):
        pay(owing.house_a, cashier, "1.00")
    client = api_client(owing, "cashier")
    # memberships (capabilities), count, one page with the house joined, its lines, its extensions
    with django_assert_max_num_queries(5):
        bills = client.get("/api/v1/billing/bills/")
    assert bills.status_code == 200 and bills.json()["count"] == 2
    # memberships, count, one page with house, cashier and reversal joined
    with django_assert_max_num_queries(3):
        payments = client.get("/api/v1/billing/payments/")
    assert payments.status_code == 200 and payments.json()["count"] == 10


# --- schema ---------------------------------------------------------------------------------------


def test_schema_lists_the_billing_endpoints_without_a_warning(world, tmp_path):
    """`spectacular --fail-on-warn` exits non-zero on any warning or error."""
    out = tmp_path / "schema.yaml"
    call_command("spectacular", "--fail-on-warn", "--validate", "--file", str(out))
    schema = out.read_text()
    for path in (
        "/api/v1/billing/fee-items/{id}/rates/",
        "/api/v1/billing/accounts/{id}/",
        "/api/v1/billing/bills/",
        "/api/v1/billing/payments/",
        "/api/v1/billing/payments/{id}/receipt/",
        "/api/v1/billing/runs/preview/",
        "/api/v1/billing/arrears/",
        "/api/v1/billing/approvals/{id}/approve/",
    ):
        assert f"{path}:" in schema, path
