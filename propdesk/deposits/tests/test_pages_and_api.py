"""The 押金 pages and API, and who may use them: reading FEE_VIEW (assistant, supervisor,
PM, cashier, head office, admin), taking and requesting FEE_COLLECT (cashier, supervisor,
PM, admin), approving FEE_APPROVE (supervisor, PM, admin). Everyone else, and another
project's deposit, gets the same 404 as a missing page.

The allowed sets are written out here, not read from accounts.roles."""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO

import pytest
from django.db import transaction
from django.urls import reverse
from openpyxl import load_workbook
from rest_framework.test import APIClient

from propdesk.core.testing import cells, check_matrix, check_page_matrix, listed, page_client
from propdesk.deposits.choices import DepositKind, RefundStatus
from propdesk.deposits.models import Deposit, DepositPrint, DepositRefund
from propdesk.deposits.services import refund_request

from .conftest import take

pytestmark = pytest.mark.django_db

VIEWERS = {"assistant", "supervisor", "manager", "cashier", "head_office", "admin"}
COLLECTORS = {"cashier", "supervisor", "manager", "admin"}
APPROVERS = {"supervisor", "manager", "admin"}


@pytest.fixture
def held(world, staff):
    """A decoration deposit in each project (both houses owe nothing)."""
    world.deposit_a = take(world.house_a, staff.cashier, payer_name="张三")
    world.deposit_b = take(world.house_b, staff.cashier_b, payer_name="李四")
    return world


def test_deposit_list_permission_matrix(held):
    def act(client, cell):
        deposit = cell.pick(held.deposit_a, held.deposit_b)
        response = client.get(reverse("deposits:list"))
        return response, response.status_code == 200 and f'data-deposit="{deposit.pk}"' in response.content.decode()

    check_page_matrix(held, VIEWERS, act)


def test_deposit_detail_and_receipt_door_by_role(held):
    failures = []
    for cell in cells(VIEWERS):
        deposit = cell.pick(held.deposit_a, held.deposit_b)
        client = page_client(held, cell.role)
        expected = 302 if cell.role is None else 200 if cell.allowed else 404
        for name in ("deposits:detail", "deposits:receipt"):
            response = client.get(reverse(name, args=[deposit.pk]))
            if response.status_code != expected:
                failures.append(f"{cell} {name}: {response.status_code}")
    assert not failures, failures


def test_fee9_deposit_take_page_permission_matrix_and_receipt(held):
    failures = []
    for cell in cells(COLLECTORS):
        project = cell.pick(held.project_a, held.project_b)
        with transaction.atomic():
            data = {
                "project": project.pk,
                "house": "",
                "kind": DepositKind.KEY,
                "payer_name": "王五",
                "amount": "200",
                "method": "cash",
                "idempotency_key": f"k-{cell}",
            }
            response = page_client(held, cell.role).post(reverse("deposits:new"), data)
            done = Deposit.objects.filter(payer_name="王五").exists()
            transaction.set_rollback(True)
        # A collector naming another project's id gets the form back (400): the project is not among its choices.
        expected = 302 if cell.allowed or cell.role is None else 400 if cell.role in COLLECTORS else 404
        if response.status_code != expected or done != cell.allowed:
            failures.append(f"{cell}: {response.status_code}, {'taken' if done else 'not taken'}")
    assert not failures, failures


def test_fee9_deposit_receipt_prints_capitals_and_marks_reprints(held):
    client = page_client(held, "cashier")
    first = client.get(reverse("deposits:receipt", args=[held.deposit_a.pk])).content.decode()
    again = client.get(reverse("deposits:receipt", args=[held.deposit_a.pk])).content.decode()
    assert "贰仟元整" in first and 'id="reprint"' not in first and "Y0000001" in first
    assert 'id="reprint"' in again and "补打 2" in again
    assert DepositPrint.objects.filter(deposit=held.deposit_a).count() == 2


def test_fee12_deposits_held_export_lists_the_held_deposits(held, staff):
    refund_request(deposit=take(held.house_a, staff.cashier, kind=DepositKind.KEY, amount="200"), by=staff.cashier)
    response = page_client(held, "cashier").get(reverse("deposits:list"), {"status": "held", "export": "xlsx"})
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("项目", "押金收据号", "类型")
    assert [(r[1], r[2], r[5], r[9]) for r in rows[1:]] == [("Y0000001", "装修押金", Decimal("2000"), "在押")]


def test_fee9_deposit_refund_request_and_approval_through_the_pages(held, staff):
    cashier, supervisor = page_client(held, "cashier"), page_client(held, "supervisor")
    url = reverse("deposits:refund", args=[held.deposit_a.pk])
    bad = cashier.post(url, {"method": "cash", "reason_1": "违章", "amount_1": "2500", "kind_1": "fine"})
    assert bad.status_code == 400 and "实退金额不能为负" in bad.content.decode()
    ok = cashier.post(url, {"method": "cash", "reason_1": "违章", "amount_1": "300", "kind_1": "fine"})
    assert ok.status_code == 302
    refund = DepositRefund.objects.get()
    assert cashier.post(reverse("deposits:approve", args=[refund.pk])).status_code == 404  # no FEE_APPROVE
    response = supervisor.post(reverse("deposits:approve", args=[refund.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("deposits:slip", args=[refund.pk])
    slip = supervisor.get(response["Location"]).content.decode()
    assert "壹仟柒佰元整" in slip and "违章" in slip and "T0000001" in slip


def test_deposit_api_list_permission_matrix(held):
    def act(client, cell):
        deposit = cell.pick(held.deposit_a, held.deposit_b)
        return listed(client.get("/api/v1/deposits/"), deposit.pk)

    check_matrix(held, VIEWERS, act, refused=200)


def test_deposit_api_take_permission_matrix(held):
    def act(client, cell):
        house = cell.pick(held.house_a, held.house_b)
        body = {
            "project": house.project_id,
            "house": house.pk,
            "kind": "key",
            "payer_name": "王五",
            "amount": "200.00",
            "method": "wechat",
            "idempotency_key": "api-1",
        }
        response = client.post("/api/v1/deposits/", body, format="json")
        return response, Deposit.objects.filter(payer_name="王五").exists()

    check_matrix(held, COLLECTORS, act, ok=201)


def test_deposit_api_refund_request_permission_matrix(held):
    def act(client, cell):
        deposit = cell.pick(held.deposit_a, held.deposit_b)
        body = {"deductions": [{"kind": "fine", "reason": "损坏公共设施", "amount": "150.00"}]}
        response = client.post(f"/api/v1/deposits/{deposit.pk}/refund/", body, format="json")
        return response, DepositRefund.objects.filter(deposit=deposit, deductions_total=Decimal("150.00")).exists()

    check_matrix(held, COLLECTORS, act, ok=201)


def test_deposit_api_approve_permission_matrix(held, staff):
    held.refund_a = refund_request(deposit=held.deposit_a, by=staff.cashier)
    held.refund_b = refund_request(deposit=held.deposit_b, by=staff.cashier_b)

    def act(client, cell):
        refund = cell.pick(held.refund_a, held.refund_b)
        response = client.post(f"/api/v1/deposit-refunds/{refund.pk}/approve/")
        return response, DepositRefund.objects.get(pk=refund.pk).status == RefundStatus.APPROVED

    check_matrix(held, APPROVERS, act)


def test_fee9_deposit_api_errors_name_the_rule(held, staff):
    client = APIClient()
    client.force_authenticate(staff.cashier)
    body = {"deductions": [{"kind": "fine", "reason": "x", "amount": "2000.01"}]}
    response = client.post(f"/api/v1/deposits/{held.deposit_a.pk}/refund/", body, format="json")
    assert response.status_code == 400
    assert response.json() == {
        "code": "refund_net_negative",
        "message": "扣款合计 2000.01 超过押金 2000.00，实退金额不能为负",
        "field": "deductions",
        "rule": "FEE-9",
    }


def test_deposit_list_queries_do_not_grow_with_the_rows(held, staff):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = page_client(held, "cashier")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("deposits:list"), {"status": ""}).status_code == 200
        return len(queries)

    count()  # the first page also fills the per-process option lists (core.console.cached_options)
    few = count()
    for _n in range(5):
        deposit = take(held.house_a, staff.cashier, kind=DepositKind.KEY, amount="200")
        refund_request(deposit=deposit, by=staff.cashier)
    assert count() == few
