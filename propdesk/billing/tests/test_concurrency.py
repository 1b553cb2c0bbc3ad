"""Concurrency on PostgreSQL (SQLite serialises writers, so there is no race to lose):
fifty cashiers paying one line, fifty payments at once numbered without gaps, a submission
retried while the first is still running, two workers on one billing run."""

from __future__ import annotations

import datetime as dt
import fcntl
from decimal import Decimal

import pytest

from propdesk.billing.choices import RunStatus
from propdesk.billing.models import BillLine, Entry, Payment
from propdesk.billing.run import billing_run
from propdesk.billing.selectors import house_balance, open_lines
from propdesk.core.errors import DomainError
from propdesk.core.testing import postgresql_only, race

from .conftest import add_house, bill_month, pay

pytestmark = [postgresql_only, pytest.mark.django_db(transaction=True)]

WORKERS = 50


@pytest.fixture(autouse=True)
def one_race_at_a_time():
    """Fifty threads hold fifty connections: with two xdist workers racing at once the
    server's 100 would run out, so the races take turns across processes."""
    with open("/tmp/propdesk-billing-race.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield
        fcntl.flock(lock, fcntl.LOCK_UN)


def test_fee5_fifty_cashiers_paying_the_same_line_exactly_one_succeeds(world, fees, occupied, staff):
    bill_month(world, staff, 2026, 6)
    line = BillLine.objects.get(house=occupied, item=fees.management)

    results = race(WORKERS, lambda: pay(occupied, staff.cashier, "197.00", lines=[line]))
    paid = [r for r in results if isinstance(r, Payment)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(paid) == 1, [r for r in results if not isinstance(r, (Payment, DomainError))]
    assert len(refused) == WORKERS - 1 and {e.code for e in refused} == {"payment_line_not_open"}
    assert Payment.objects.count() == 1 and Entry.objects.filter(line=line).count() == 1
    assert [s.line.item for s in open_lines(occupied)] == [fees.fixed]
    assert house_balance(occupied) == Decimal("10.00")


def test_fee5_fifty_payments_at_once_get_unique_gap_free_receipt_numbers(world, fees, occupied, staff):
    houses = [add_house(world, f"{n:02d}01", building="9") for n in range(1, WORKERS + 1)]
    bill_month(world, staff, 2026, 6)
    queue = list(houses)

    def job():
        house = queue.pop()
        return pay(house, staff.cashier, "170.00")

    results = race(WORKERS, job)
    errors = [r for r in results if not isinstance(r, Payment)]
    assert not errors, errors
    assert sorted(p.number for p in results) == list(range(1, WORKERS + 1))
    assert sorted(Payment.objects.values_list("number", flat=True)) == list(range(1, WORKERS + 1))
    assert all(open_lines(house) == [] for house in houses)


def test_fee5_a_retried_submission_racing_the_first_charges_once(world, fees, occupied, staff):
    bill_month(world, staff, 2026, 6)
    results = race(10, lambda: pay(occupied, staff.cashier, "207.00", key="pos-retry-1"))
    assert not [r for r in results if not isinstance(r, Payment)], results
    assert len({p.pk for p in results}) == 1
    assert Payment.objects.count() == 1 and house_balance(occupied) == Decimal("0.00")


def test_fee2_workers_on_the_same_month_never_duplicate(world, fees, occupied, staff):
    for n in range(1, 21):
        add_house(world, f"{n:02d}02", building="8")
    results = race(4, lambda: billing_run(project=world.project_a, month=dt.date(2026, 6, 1), by=staff.cashier, batch_size=3))
    assert not [r for r in results if isinstance(r, Exception)], results
    assert all(r.status == RunStatus.DONE for r in results)
    assert BillLine.objects.count() == 21 * 2
    assert BillLine.objects.values("house", "item").distinct().count() == 21 * 2


def test_fee3_two_approvers_deciding_one_request_at_once_waive_once(world, fees, occupied, staff):
    """The request row is locked: of a supervisor and a PM approving together, one approves
    and the other finds it decided — one waiver, never two."""
    from propdesk.billing.approvals import approval_decide, approval_request
    from propdesk.billing.choices import ApprovalKind, EntryKind
    from propdesk.billing.models import ApprovalRequest

    bill_month(world, staff, 2026, 6)
    line = BillLine.objects.get(house=occupied, item=fees.management)
    request = approval_request(kind=ApprovalKind.LINE_WAIVER, line=line, amount="50.00", reason="补偿", by=staff.cashier)
    people = [staff.supervisor, staff.manager] * 5  # each thread takes one (list.pop is atomic)
    results = race(
        10, lambda: approval_decide(approval=ApprovalRequest.objects.get(pk=request.pk), approve=True, by=people.pop())
    )
    decided = [r for r in results if isinstance(r, ApprovalRequest)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(decided) == 1 and len(refused) == 9 and {e.code for e in refused} == {"approval_decided"}
    assert Entry.objects.filter(kind=EntryKind.WAIVER).count() == 1
