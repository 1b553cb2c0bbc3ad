"""Concurrency on PostgreSQL (SQLite serialises writers, so there is no race to lose):
deposits taken at once numbered without gaps, a retried submission racing the first, one
refund request per deposit, and two approvers pressing "approve" at the same moment."""

from __future__ import annotations

import datetime as dt
import fcntl

import pytest

from propdesk.billing.models import Payment
from propdesk.billing.run import billing_run
from propdesk.billing.selectors import settlement
from propdesk.core.errors import DomainError
from propdesk.core.testing import postgresql_only, race
from propdesk.deposits.choices import DeductionKind, RefundStatus
from propdesk.deposits.models import Deposit, DepositRefund
from propdesk.deposits.services import Deduction, refund_approve, refund_request

from .conftest import take

pytestmark = [postgresql_only, pytest.mark.django_db(transaction=True)]

WORKERS = 20


@pytest.fixture(autouse=True)
def one_race_at_a_time():
    """Races take turns across processes (billing's lock), so connections do not run out."""
    with open("/tmp/propdesk-billing-race.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
        fcntl.flock(lock, fcntl.LOCK_UN)


def test_fee9_deposits_taken_at_once_get_gap_free_numbers(world, occupied, staff):
    results = race(WORKERS, lambda: take(occupied, staff.cashier))
    assert not [r for r in results if not isinstance(r, Deposit)], results
    assert sorted(Deposit.objects.values_list("number", flat=True)) == list(range(1, WORKERS + 1))


def test_fee9_a_retried_deposit_submission_racing_the_first_takes_once(world, occupied, staff):
    results = race(10, lambda: take(occupied, staff.cashier, key="twin"))
    assert not [r for r in results if not isinstance(r, Deposit)], results
    assert len({d.pk for d in results}) == 1 and Deposit.objects.count() == 1
    assert Deposit.objects.get().number == 1


def test_fee9_deposit_refund_requested_at_once_is_requested_once(world, occupied, staff):
    deposit = take(occupied, staff.cashier)
    results = race(10, lambda: refund_request(deposit=deposit, by=staff.cashier))
    made = [r for r in results if isinstance(r, DepositRefund)]
    assert len(made) == 1 and {r.code for r in results if isinstance(r, DomainError)} == {"refund_exists"}
    assert DepositRefund.objects.count() == 1


def test_fee9_deposit_refund_approved_twice_at_once_pays_the_fees_once(world, fees, occupied, staff, clock):
    deposit = take(occupied, staff.cashier)
    billing_run(project=world.project_a, month=dt.date(2026, 6, 1), by=staff.cashier)
    clock.set(2026, 8, 1)
    refund = refund_request(deposit=deposit, by=staff.cashier, deductions=[Deduction(DeductionKind.FEES)])
    approvers = [staff.supervisor, staff.manager] * 4

    def job():
        return refund_approve(refund=refund, approver=approvers.pop())

    results = race(8, job)
    approved = [r for r in results if isinstance(r, DepositRefund)]
    assert len(approved) == 1, results
    assert {r.code for r in results if isinstance(r, DomainError)} == {"refund_decided"}
    assert DepositRefund.objects.get().status == RefundStatus.APPROVED
    assert Payment.objects.count() == 1 and settlement(occupied).settled
