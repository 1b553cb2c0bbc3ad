"""The pages of corrections with approval (FEE-3/4/5) and of bill disputes (FEE-4): 调整申请
on a house (those who collect), the 审批 queue (those who collect see it; FEE_APPROVE
decides, never the requester), 账单异议 (readers list; recorders raise until 5 days before
the due date; FEE_APPROVE resolves). Every other role, a resident and another project's
row get the same 404 as a missing page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse

from propdesk.billing.adjustments import bill_dispute_raise
from propdesk.billing.approvals import approval_request
from propdesk.billing.choices import ApprovalKind, ApprovalStatus, DisputeStatus, EntryKind
from propdesk.billing.models import ApprovalRequest, Bill, BillDispute, BillLine, Entry
from propdesk.billing.run import billing_run
from propdesk.core.testing import cells, check_page_matrix, page_client
from propdesk.estate.choices import HouseStatus
from propdesk.estate.services import house_change_status

from .conftest import make_fees

pytestmark = pytest.mark.django_db

COLLECTORS = {"cashier", "supervisor", "manager", "admin"}  # FEE_COLLECT
APPROVERS = {"supervisor", "manager", "admin"}  # FEE_APPROVE
READERS = COLLECTORS | {"assistant", "head_office"}  # FEE_VIEW
RECORDERS = READERS - {"head_office"}  # FEE_VIEW and TICKET_CREATE


@pytest.fixture
def billed(world, clock):
    """Both houses lived in and billed for June 2026 (due July 10th); today is July 3rd."""
    admin = world.users[("admin", "*")]
    for project, house in ((world.project_a, world.house_a), (world.project_b, world.house_b)):
        make_fees(world, project)
        house_change_status(house=house, to_status=HouseStatus.OWNER_OCCUPIED, reason="业主入住", by=admin)
        billing_run(project=project, month=dt.date(2026, 6, 1), by=admin)
    clock.set(2026, 7, 3)
    return world


def _line(house) -> BillLine:
    return BillLine.objects.filter(house=house, item__code="wyf").get()


@pytest.fixture
def pending(billed):
    """A pending waiver request in each project, by that project's cashier."""
    return {
        "a": approval_request(
            kind=ApprovalKind.LINE_WAIVER,
            line=_line(billed.house_a),
            amount="10.00",
            reason="补偿",
            by=billed.users[("cashier", "a")],
        ),
        "b": approval_request(
            kind=ApprovalKind.LINE_WAIVER,
            line=_line(billed.house_b),
            amount="10.00",
            reason="补偿",
            by=billed.users[("cashier", "b")],
        ),
    }


def test_fee3_approval_queue_permission_matrix(billed, pending):
    def act(client, cell):
        project = cell.pick(billed.project_a, billed.project_b)
        response = client.get(reverse("billing:approvals"))
        return response, response.status_code == 200 and f'data-project="{project.pk}"' in response.content.decode()

    check_page_matrix(billed, COLLECTORS, act)


def test_fee3_waiver_needs_approval_decide_permission_matrix(billed, pending):
    """Approving from the page (FEE_APPROVE, not the requester) writes the waiver; anyone
    else gets 404 and nothing is written."""
    failures = []
    for cell in cells(APPROVERS):
        request = pending["a" if cell.where == "own" else "b"]
        with transaction.atomic():
            response = page_client(billed, cell.role).post(
                reverse("billing:approval-decide", args=[request.pk]), {"decision": "approve"}
            )
            done = Entry.objects.filter(kind=EntryKind.WAIVER).exists()
            approved = ApprovalRequest.objects.get(pk=request.pk).status == ApprovalStatus.APPROVED
            transaction.set_rollback(True)
        expected = 302 if cell.allowed or cell.role is None else 404
        if response.status_code != expected or done != cell.allowed or approved != cell.allowed:
            failures.append(f"{cell}: {response.status_code}, {'waived' if done else 'not waived'}")
    assert not failures, failures


def test_fee3_waiver_needs_approval_the_requester_gets_no_buttons_and_cannot_approve(billed):
    supervisor = page_client(billed, "supervisor")
    request = approval_request(kind=ApprovalKind.LINE_WAIVER, line=_line(billed.house_a), reason="补偿", by=billed.supervisor)
    page = supervisor.get(reverse("billing:approval", args=[request.pk]))
    assert page.status_code == 200 and 'id="decide-form"' not in page.content.decode()
    response = supervisor.post(reverse("billing:approval-decide", args=[request.pk]), {"decision": "approve"})
    assert response.status_code == 400 and "申请人不能审批自己的申请" in response.content.decode()
    assert not Entry.objects.filter(kind=EntryKind.WAIVER).exists()
    manager_page = page_client(billed, "manager").get(reverse("billing:approval", args=[request.pk]))
    assert 'id="decide-form"' in manager_page.content.decode()


def test_fee3_adjust_page_request_permission_matrix(billed):
    """A waiver request from 调整申请 (FEE_COLLECT): pending, nothing on the ledger."""
    failures = []
    for cell in cells(COLLECTORS):
        house = cell.pick(billed.house_a, billed.house_b)
        data = {"kind": "line_waiver", "lw-line": _line(house).pk, "lw-amount": "5.00", "lw-reason": "补偿"}
        with transaction.atomic():
            response = page_client(billed, cell.role).post(reverse("billing:adjust", args=[house.pk]), data)
            done = ApprovalRequest.objects.filter(house=house, status=ApprovalStatus.PENDING).exists()
            waived = Entry.objects.filter(kind=EntryKind.WAIVER).exists()
            transaction.set_rollback(True)
        expected = 302 if cell.allowed or cell.role is None else 404
        if response.status_code != expected or done != cell.allowed or waived:
            failures.append(f"{cell}: {response.status_code}, {'requested' if done else 'no request'}")
    assert not failures, failures


def test_fee5_reversal_requested_from_the_page_and_rejected_with_a_note(billed):
    from .conftest import pay

    cashier = billed.users[("cashier", "a")]
    payment = pay(billed.house_a, cashier, "50.00")
    client = page_client(billed, "cashier")
    response = client.post(
        reverse("billing:adjust", args=[billed.house_a.pk]), {"kind": "reversal", "rv-payment": payment.pk, "rv-reason": "收错"}
    )
    request = ApprovalRequest.objects.get(kind=ApprovalKind.REVERSAL)
    assert response.status_code == 302 and request.payload == {"payment": payment.pk}
    manager = page_client(billed, "manager")
    no_note = manager.post(reverse("billing:approval-decide", args=[request.pk]), {"decision": "reject"})
    assert no_note.status_code == 400
    manager.post(reverse("billing:approval-decide", args=[request.pk]), {"decision": "reject", "note": "核实无误"})
    request.refresh_from_db()
    assert (request.status, request.decision_note) == (ApprovalStatus.REJECTED, "核实无误")
    assert not hasattr(payment, "reversal") and client.get(reverse("billing:approvals"), {"status": "all"}).status_code == 200


def test_fee4_dispute_deadline_on_the_page_until_5_days_before_the_due_date(billed, clock):
    client = page_client(billed, "assistant")
    bill = Bill.objects.get(house=billed.house_a)
    url = reverse("billing:house-disputes", args=[billed.house_a.pk])
    clock.set(2026, 7, 5)  # the last day: 10 − 5
    ok = client.post(url, {"bill": bill.pk, "reason": "面积有误", "customer_name": "张三"})
    assert ok.status_code == 302 and BillDispute.objects.get().raised_on == dt.date(2026, 7, 5)
    clock.set(2026, 7, 6)
    late = client.post(url, {"bill": bill.pk, "reason": "再议"})
    assert late.status_code == 400 and "2026-07-05" in late.content.decode()
    assert BillDispute.objects.count() == 1


def test_fee4_dispute_record_permission_matrix(billed):
    failures = []
    for cell in cells(RECORDERS):
        house = cell.pick(billed.house_a, billed.house_b)
        bill = Bill.objects.get(house=house)
        with transaction.atomic():
            response = page_client(billed, cell.role).post(
                reverse("billing:house-disputes", args=[house.pk]), {"bill": bill.pk, "reason": "面积有误"}
            )
            done = BillDispute.objects.filter(bill=bill).exists()
            transaction.set_rollback(True)
        expected = 302 if cell.allowed or cell.role is None else 404
        if response.status_code != expected or done != cell.allowed:
            failures.append(f"{cell}: {response.status_code}, {'recorded' if done else 'not recorded'}")
    assert not failures, failures


@pytest.fixture
def disputes(billed):
    return {
        where: bill_dispute_raise(bill=Bill.objects.get(house=house), reason="面积有误", by=billed.users[("assistant", where)])
        for where, house in (("a", billed.house_a), ("b", billed.house_b))
    }


def test_fee4_dispute_list_permission_matrix(billed, disputes):
    def act(client, cell):
        project = cell.pick(billed.project_a, billed.project_b)
        response = client.get(reverse("billing:disputes"))
        return response, response.status_code == 200 and f'data-project="{project.pk}"' in response.content.decode()

    check_page_matrix(billed, READERS, act)


def test_fee4_dispute_resolve_permission_matrix(billed, disputes):
    failures = []
    for cell in cells(APPROVERS):
        dispute = disputes["a" if cell.where == "own" else "b"]
        with transaction.atomic():
            response = page_client(billed, cell.role).post(
                reverse("billing:dispute", args=[dispute.pk]), {"outcome": "upheld", "resolution": "复核面积有误"}
            )
            done = BillDispute.objects.get(pk=dispute.pk).status == DisputeStatus.UPHELD
            transaction.set_rollback(True)
        expected = 302 if cell.allowed or cell.role is None else 404
        if response.status_code != expected or done != cell.allowed:
            failures.append(f"{cell}: {response.status_code}, {'resolved' if done else 'open'}")
    assert not failures, failures


def test_fee4_pages_of_a_house_show_its_bills_requests_and_disputes(billed, pending, disputes):
    """调整申请, the house's disputes and a dispute open for the manager with what they need."""
    client = page_client(billed, "manager")
    adjust = client.get(reverse("billing:adjust", args=[billed.house_a.pk]))
    html = adjust.content.decode()
    assert adjust.status_code == 200 and all(f'id="request-{kind}"' in html for kind in ApprovalKind.values)
    assert f'data-approval="{pending["a"].pk}"' in html and f'data-approval="{pending["b"].pk}"' not in html
    house_page = client.get(reverse("billing:house-disputes", args=[billed.house_a.pk])).content.decode()
    assert "2026-07-05" in house_page and 'id="dispute-form"' in house_page  # the last day to dispute June's bill
    dispute = client.get(reverse("billing:dispute", args=[disputes["a"].pk])).content.decode()
    assert 'id="resolve-form"' in dispute and "面积有误" in dispute
    head_office = page_client(billed, "head_office").get(reverse("billing:house-disputes", args=[billed.house_a.pk]))
    assert head_office.status_code == 200 and 'id="dispute-form"' not in head_office.content.decode()  # reads only
