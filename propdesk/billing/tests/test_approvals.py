"""Corrections with approval (FEE-3, FEE-4, FEE-5): a waiver, a late-fee waiver, a payment
reversal or a due-date extension is first a pending ApprovalRequest; nothing moves on the
ledger until a different person holding FEE_APPROVE approves it in their own session —
then the operation runs in that transaction, with the requester as the one recording it
and the decider as the approver. The requester never decides their own request; every
request and decision stays."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.http import Http404
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from propdesk.billing.approvals import approval_decide, approval_request
from propdesk.billing.choices import ApprovalKind, ApprovalStatus, EntryKind
from propdesk.billing.models import ApprovalRequest, Bill, BillLine, DueDateExtension, Entry, PaymentReversal
from propdesk.billing.selectors import line_states, open_lines, settlement
from propdesk.core.errors import DomainError
from propdesk.notifications.models import Notification

from .conftest import bill_month, pay


@pytest.fixture
def owing(world, fees, occupied, staff, clock):
    """House A billed for May and June 2026; today is July 20th: May (due June 10th) is 40
    days overdue, June (due July 10th) 10 days."""
    bill_month(world, staff, 2026, 5)
    bill_month(world, staff, 2026, 6)
    clock.set(2026, 7, 20)
    return occupied


def _management_line(house, month: int) -> BillLine:
    return BillLine.objects.get(house=house, period=dt.date(2026, month, 1), item__code="wyf")


def _open(house, line: BillLine) -> Decimal:
    return next(s.open for s in line_states(house.pk) if s.line.pk == line.pk)


def test_fee3_waiver_needs_approval_nothing_moves_until_another_approver_approves(owing, staff):
    line = _management_line(owing, 6)
    request = approval_request(
        kind=ApprovalKind.LINE_WAIVER, line=line, amount="50.00", reason="公共区域施工噪音补偿", by=staff.cashier
    )
    assert request.status == ApprovalStatus.PENDING and request.payload == {"line": line.pk, "amount": "50.00"}
    assert not Entry.objects.filter(kind=EntryKind.WAIVER).exists()
    assert _open(owing, line) == Decimal("197.00")

    decided = approval_decide(approval=request, approve=True, by=staff.supervisor, note="同意")
    waiver = Entry.objects.get(kind=EntryKind.WAIVER)
    assert (waiver.amount, waiver.created_by, waiver.approved_by) == (Decimal("50.00"), staff.cashier, staff.supervisor)
    assert (decided.status, decided.decided_by) == (ApprovalStatus.APPROVED, staff.supervisor)
    assert decided.result["entries"] == [waiver.pk]
    assert _open(owing, line) == Decimal("147.00")


def test_fee3_waiver_needs_approval_the_requester_may_never_approve_their_own(owing, staff):
    line = _management_line(owing, 6)
    request = approval_request(kind=ApprovalKind.LINE_WAIVER, line=line, reason="补偿", by=staff.supervisor)
    with pytest.raises(DomainError) as error:
        approval_decide(approval=request, approve=True, by=staff.supervisor)
    assert (error.value.code, error.value.rule) == ("approval_own_request", "FEE-3")
    with pytest.raises(DomainError):
        approval_decide(approval=request, approve=False, by=staff.supervisor, note="撤回")
    assert ApprovalRequest.objects.get(pk=request.pk).status == ApprovalStatus.PENDING
    assert not Entry.objects.filter(kind=EntryKind.WAIVER).exists()


def test_fee3_waiver_needs_approval_by_someone_holding_fee_approve_in_the_project(owing, staff, world):
    request = approval_request(kind=ApprovalKind.LINE_WAIVER, line=_management_line(owing, 6), reason="补偿", by=staff.cashier)
    for outsider in (world.users[("cashier", "a")], world.assistant, world.users[("supervisor", "b")]):
        with pytest.raises(Http404):
            approval_decide(approval=request, approve=True, by=outsider)
    assert ApprovalRequest.objects.get(pk=request.pk).status == ApprovalStatus.PENDING


def test_fee3_waiver_needs_approval_amount_checked_at_request_and_again_at_approval(owing, staff):
    line = _management_line(owing, 6)
    with pytest.raises(DomainError) as error:
        approval_request(kind=ApprovalKind.LINE_WAIVER, line=line, amount="197.01", reason="补偿", by=staff.cashier)
    assert error.value.code == "waiver_amount_invalid"
    request = approval_request(kind=ApprovalKind.LINE_WAIVER, line=line, amount="100.00", reason="补偿", by=staff.cashier)
    pay(owing, staff.cashier, "202.91", lines=[line])  # paid in full meanwhile (197.00 + 5.91 late fee)
    with pytest.raises(DomainError) as error:
        approval_decide(approval=request, approve=True, by=staff.manager)
    assert error.value.code == "waiver_amount_invalid"
    assert ApprovalRequest.objects.get(pk=request.pk).status == ApprovalStatus.PENDING  # nothing written
    assert not Entry.objects.filter(kind=EntryKind.WAIVER).exists()


def test_fee3_waiver_needs_approval_one_pending_request_per_line(owing, staff):
    line = _management_line(owing, 6)
    approval_request(kind=ApprovalKind.LINE_WAIVER, line=line, reason="补偿", by=staff.cashier)
    with pytest.raises(DomainError) as error:
        approval_request(kind=ApprovalKind.LINE_WAIVER, line=line, reason="再次", by=staff.supervisor)
    assert error.value.code == "approval_already_pending"


def test_fee3_late_fee_waiver_needs_approval_then_waives_the_late_fee(owing, staff):
    line = _management_line(owing, 5)  # 197.00 × 0.3% × 40 days = 23.64
    request = approval_request(kind=ApprovalKind.LATE_FEE_WAIVER, line=line, reason="住院", by=staff.cashier)
    assert next(s.late_fee for s in open_lines(owing) if s.line.pk == line.pk) == Decimal("23.64")
    approval_decide(approval=request, approve=True, by=staff.manager)
    waiver = Entry.objects.get(kind=EntryKind.WAIVER)
    assert waiver.amount == Decimal("23.64") and waiver.line.late_fee_of_id == line.pk
    assert sum(s.late_fee + (s.open if s.is_late_fee else 0) for s in open_lines(owing) if s.principal_id == line.pk) == 0


def test_fee3_rejection_needs_a_note_and_keeps_the_request(owing, staff):
    request = approval_request(kind=ApprovalKind.LINE_WAIVER, line=_management_line(owing, 6), reason="补偿", by=staff.cashier)
    with pytest.raises(DomainError) as error:
        approval_decide(approval=request, approve=False, by=staff.supervisor)
    assert error.value.field == "note"
    decided = approval_decide(approval=request, approve=False, by=staff.supervisor, note="无依据")
    assert (decided.status, decided.decision_note) == (ApprovalStatus.REJECTED, "无依据")
    with pytest.raises(DomainError) as error:
        approval_decide(approval=request, approve=True, by=staff.manager)
    assert error.value.code == "approval_decided"
    assert not Entry.objects.filter(kind=EntryKind.WAIVER).exists() and ApprovalRequest.objects.count() == 1


def test_fee5_reversal_needs_approval_then_the_lines_are_owed_again(owing, staff):
    line = _management_line(owing, 6)
    payment = pay(owing, staff.cashier, "202.91", lines=[line])  # 197.00 + 5.91 late fee
    assert _open(owing, line) == 0
    request = approval_request(kind=ApprovalKind.REVERSAL, payment=payment, reason="收错房屋", by=staff.cashier)
    assert not PaymentReversal.objects.exists()
    approval_decide(approval=request, approve=True, by=staff.supervisor)
    reversal = PaymentReversal.objects.get(payment=payment)
    assert (reversal.by, reversal.approved_by) == (staff.cashier, staff.supervisor)
    assert _open(owing, line) == Decimal("197.00")
    with pytest.raises(DomainError) as error:
        approval_request(kind=ApprovalKind.REVERSAL, payment=payment, reason="再冲", by=staff.cashier)
    assert error.value.code == "payment_already_reversed"


def test_fee5_reversal_the_approver_may_not_be_the_payments_cashier(owing, staff):
    payment = pay(owing, staff.supervisor, "100.00")
    request = approval_request(kind=ApprovalKind.REVERSAL, payment=payment, reason="重复收款", by=staff.cashier)
    with pytest.raises(DomainError) as error:
        approval_decide(approval=request, approve=True, by=staff.supervisor)
    assert (error.value.code, error.value.rule) == ("approver_is_cashier", "FEE-5")
    assert ApprovalRequest.objects.get(pk=request.pk).status == ApprovalStatus.PENDING
    approval_decide(approval=request, approve=True, by=staff.manager)
    assert PaymentReversal.objects.get(payment=payment).approved_by == staff.manager


def test_fee4_extension_needs_approval_then_moves_that_bills_due_date(owing, staff, clock):
    clock.set(2026, 7, 3)
    bill = Bill.objects.get(house=owing, period=dt.date(2026, 6, 1))
    with pytest.raises(DomainError) as error:
        approval_request(kind=ApprovalKind.EXTENSION, bill=bill, to_date=dt.date(2026, 7, 10), reason="x", by=staff.cashier)
    assert error.value.code == "extension_not_later"
    request = approval_request(
        kind=ApprovalKind.EXTENSION, bill=bill, to_date=dt.date(2026, 7, 31), reason="水表故障", by=staff.cashier
    )
    assert not DueDateExtension.objects.exists()
    approval_decide(approval=request, approve=True, by=staff.supervisor)
    extension = DueDateExtension.objects.get(bill=bill)
    assert (extension.from_date, extension.to_date, extension.approved_by) == (
        dt.date(2026, 7, 10),
        dt.date(2026, 7, 31),
        staff.supervisor,
    )
    clock.set(2026, 7, 20)  # June's bill is not overdue any more; May's is
    june = [s for s in open_lines(owing) if s.line.bill_id == bill.pk]
    assert all(s.late_fee == 0 and s.due_date == dt.date(2026, 7, 31) for s in june)
    assert not settlement(owing).settled


def test_fee3_approvers_are_notified_and_the_requester_hears_the_decision(owing, staff, world):
    request = approval_request(kind=ApprovalKind.LINE_WAIVER, line=_management_line(owing, 6), reason="补偿", by=staff.supervisor)
    told = set(Notification.objects.filter(kind="billing.approval_requested").values_list("recipient", flat=True))
    assert {staff.manager.pk, world.users[("admin", "*")].pk} <= told
    assert staff.supervisor.pk not in told and staff.cashier.pk not in told
    assert world.users[("supervisor", "b")].pk not in told
    approval_decide(approval=request, approve=True, by=staff.manager)
    assert Notification.objects.filter(kind="billing.approval_decided", recipient=staff.supervisor).exists()


def test_fee3_only_collectors_may_request(owing, staff, world):
    line = _management_line(owing, 6)
    for user in (world.assistant, world.users[("cashier", "b")], world.resident_user):
        with pytest.raises(Http404):
            approval_request(kind=ApprovalKind.LINE_WAIVER, line=line, reason="补偿", by=user)
    assert not ApprovalRequest.objects.exists()


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cents=st.integers(min_value=1, max_value=19700), late_cents=st.integers(min_value=1, max_value=2364))
def test_fee3_an_approved_waiver_lowers_exactly_what_was_requested(owing, staff, cents, late_cents):
    """Property: for any amount up to what is open, the approved waiver of a line lowers it by
    exactly that amount, and of its late fee (May: 23.64) by exactly that — to the fen."""
    amount, late = Decimal(cents) / 100, Decimal(late_cents) / 100
    june, may = _management_line(owing, 6), _management_line(owing, 5)
    with transaction.atomic():
        request = approval_request(kind=ApprovalKind.LINE_WAIVER, line=june, amount=str(amount), reason="补偿", by=staff.cashier)
        approval_decide(approval=request, approve=True, by=staff.manager)
        fee = approval_request(kind=ApprovalKind.LATE_FEE_WAIVER, line=may, amount=str(late), reason="补偿", by=staff.cashier)
        approval_decide(approval=fee, approve=True, by=staff.supervisor)
        assert _open(owing, june) == Decimal("197.00") - amount
        left = sum(s.open + s.late_fee for s in line_states(owing.pk) if s.line.late_fee_of_id == may.pk)
        assert left + next(s.late_fee for s in line_states(owing.pk) if s.line.pk == may.pk) == Decimal("23.64") - late
        transaction.set_rollback(True)
