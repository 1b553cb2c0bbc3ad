"""Deposits (押金): taking them with their own gap-free receipt series, refunds with
itemised deductions and approval, and the FEE-9 settlement gate on refunds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.http import Http404

from propdesk.billing.models import Entry, Payment
from propdesk.billing.run import billing_run
from propdesk.billing.selectors import settlement
from propdesk.core.errors import DomainError
from propdesk.deposits.choices import DeductionKind, DepositKind, DepositStatus, RefundStatus
from propdesk.deposits.models import Deposit
from propdesk.deposits.services import (
    DEPOSIT_OFFSET_METHOD,
    Deduction,
    deposit_status,
    refund_approve,
    refund_reject,
    refund_request,
)

from .conftest import take

pytestmark = pytest.mark.django_db


def _code(exc_info) -> str:
    return exc_info.value.code


def test_fee9_deposit_receipts_are_a_gap_free_series_of_their_own(world, occupied, staff):
    first = take(occupied, staff.cashier)
    with pytest.raises(DomainError):
        take(occupied, staff.cashier, amount="0")  # refused: no number used
    second = take(occupied, staff.cashier, kind=DepositKind.KEY, amount="100")
    other = take(world.house_b, staff.cashier_b)
    assert (first.number, second.number, other.number) == (1, 2, 1)
    assert first.receipt_number == "Y0000001"
    assert not Payment.objects.exists()  # a deposit is not a fee receipt


def test_fee9_a_retried_deposit_submission_takes_the_money_once(world, occupied, staff):
    one = take(occupied, staff.cashier, key="same")
    two = take(occupied, staff.cashier, key="same")
    assert one.pk == two.pk and Deposit.objects.count() == 1
    with pytest.raises(DomainError) as exc:
        take(occupied, staff.cashier, key="same", amount="5.00")
    assert _code(exc) == "deposit_key_reused"


def test_fee9_a_deposit_is_never_edited(world, occupied, staff):
    deposit = take(occupied, staff.cashier)
    deposit.amount = Decimal("1.00")
    with pytest.raises(DomainError) as exc:
        deposit.save()
    assert _code(exc) == "deposit_immutable"


def test_fee9_deposit_refund_without_deductions_needs_another_approver(world, occupied, staff):
    deposit = take(occupied, staff.supervisor)
    refund = refund_request(deposit=deposit, by=staff.supervisor)
    assert deposit_status(deposit) == DepositStatus.REFUND_REQUESTED
    with pytest.raises(DomainError) as exc:
        refund_approve(refund=refund, approver=staff.supervisor)
    assert _code(exc) == "approver_is_requester"
    with pytest.raises(Http404):  # a cashier does not hold FEE_APPROVE
        refund_approve(refund=refund, approver=staff.cashier)
    refund = refund_approve(refund=refund, approver=staff.manager)
    assert (refund.status, refund.net_amount, refund.number) == (RefundStatus.APPROVED, Decimal("2000.00"), 1)
    assert deposit_status(deposit) == DepositStatus.REFUNDED
    with pytest.raises(DomainError) as exc:
        refund_request(deposit=deposit, by=staff.cashier)
    assert _code(exc) == "refund_exists"


def test_fee9_deposit_refund_itemises_fines_and_refuses_a_negative_net(world, occupied, staff):
    deposit = take(occupied, staff.cashier, amount="1000.00")
    with pytest.raises(DomainError) as exc:
        refund_request(deposit=deposit, by=staff.cashier, deductions=[Deduction(DeductionKind.FINE, "", "100")])
    assert _code(exc) == "deduction_reason_required"
    with pytest.raises(DomainError) as exc:
        refund_request(
            deposit=deposit,
            by=staff.cashier,
            deductions=[Deduction(DeductionKind.FINE, "违章搭建", "800"), Deduction(DeductionKind.OTHER, "垃圾清运", "200.01")],
        )
    assert _code(exc) == "refund_net_negative"
    refund = refund_request(
        deposit=deposit,
        by=staff.cashier,
        deductions=[Deduction(DeductionKind.FINE, "违章搭建", "800"), Deduction(DeductionKind.OTHER, "垃圾清运", "200")],
    )
    assert (refund.deductions_total, refund.net_amount) == (Decimal("1000.00"), Decimal("0.00"))
    assert [(d.kind, d.reason, d.amount) for d in refund.deductions.all()] == [
        ("fine", "违章搭建", Decimal("800.00")),
        ("other", "垃圾清运", Decimal("200.00")),
    ]


def test_fee9_deposit_refund_refused_while_the_house_owes(world, fees, occupied, staff, clock):
    deposit = take(occupied, staff.cashier)
    billing_run(project=world.project_a, month=dt.date(2026, 6, 1), by=staff.cashier)
    with pytest.raises(DomainError) as exc:
        refund_request(deposit=deposit, by=staff.cashier)
    assert _code(exc) == "refund_house_not_settled" and exc.value.rule == "FEE-9"
    # An "other" deposit is not gated.
    other = take(occupied, staff.cashier, kind=DepositKind.OTHER, amount="10")
    assert refund_request(deposit=other, by=staff.cashier).net_amount == Decimal("10.00")


def test_fee9_deposit_refund_deducting_unpaid_fees_pays_them_through_the_ledger(world, fees, occupied, staff, clock):
    deposit = take(occupied, staff.cashier, kind=DepositKind.KEY, amount="500.00")
    billing_run(project=world.project_a, month=dt.date(2026, 6, 1), by=staff.cashier)
    clock.set(2026, 8, 1)
    owed = settlement(occupied).total
    assert owed == Decimal("220.66")  # 207.00 + 13.66 late fees (billing's FEE-9 test)
    refund = refund_request(
        deposit=deposit,
        by=staff.cashier,
        deductions=[Deduction(DeductionKind.FEES), Deduction(DeductionKind.FINE, "钥匙损坏", "30")],
    )
    assert (refund.deductions_total, refund.net_amount) == (Decimal("250.66"), Decimal("249.34"))
    refund = refund_approve(refund=refund, approver=staff.supervisor)
    payment = refund.fee_payment
    assert (payment.amount, payment.method, payment.house_id) == (owed, DEPOSIT_OFFSET_METHOD, occupied.pk)
    assert payment.reference.startswith("押金抵扣") and deposit.receipt_number in payment.reference
    assert settlement(occupied).settled
    assert sum(e.amount for e in Entry.objects.filter(payment=payment)) == owed


def test_fee9_deposit_refund_approval_rechecks_the_settlement_on_its_day(world, fees, occupied, staff, clock):
    deposit = take(occupied, staff.cashier)
    billing_run(project=world.project_a, month=dt.date(2026, 6, 1), by=staff.cashier)
    clock.set(2026, 8, 1)
    refund = refund_request(deposit=deposit, by=staff.cashier, deductions=[Deduction(DeductionKind.FEES)])
    clock.set(2026, 8, 20)  # the late fee grew meanwhile
    with pytest.raises(DomainError) as exc:
        refund_approve(refund=refund, approver=staff.supervisor)
    assert _code(exc) == "refund_house_not_settled"
    refund = refund_reject(refund=refund, approver=staff.supervisor, reason="欠费已变化，请重新申请")
    assert deposit_status(deposit) == DepositStatus.HELD
    again = refund_request(deposit=deposit, by=staff.cashier, deductions=[Deduction(DeductionKind.FEES)])
    assert refund_approve(refund=again, approver=staff.supervisor).status == RefundStatus.APPROVED


def test_fee11_key_deposit_is_taken_with_a_receipt_and_refunded_in_full_when_settled(world, occupied, staff):
    deposit = take(occupied, staff.cashier, kind=DepositKind.KEY, amount="200", payer_name="装修工 王五")
    assert deposit.get_kind_display() == "钥匙押金"
    refund = refund_approve(refund=refund_request(deposit=deposit, by=staff.cashier), approver=staff.manager)
    assert refund.net_amount == Decimal("200.00") and refund.slip_number == "T0000001"


def test_fee9_deposit_refund_is_not_later_than_today_nor_before_taking(world, occupied, staff, clock):
    deposit = take(occupied, staff.cashier, taken_on=dt.date(2026, 6, 15))
    for day in (dt.date(2026, 6, 14), dt.date(2026, 7, 2)):
        with pytest.raises(DomainError) as exc:
            refund_request(deposit=deposit, by=staff.cashier, on_date=day)
        assert _code(exc) == "refund_date_invalid"
