"""FEE-7's arrears list (欠费清单): what each house owes overdue on a day — every owner line
due before it less the entries counted by it, a bill's due date moved by its latest
extension (FEE-4) — with the line count, the oldest due date and its aging bucket."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from propdesk.billing.adjustments import bill_due_extend
from propdesk.billing.arrears import arrears_list
from propdesk.billing.models import Bill, BillLine
from propdesk.billing.payments import payment_reverse
from propdesk.core.money import money_sum

from .conftest import add_house, bill_month, pay


@pytest.fixture
def ledger(world, fees, occupied, staff, clock):
    """Houses A (207.00 a month) and B billed for March to June 2026 on July 1st (due the
    10th of the next month). A paid March and 5.00 of April on time; B paid all four months
    on April 5th, reversed on July 15th. A's June bill is extended to July 31st."""
    b = add_house(world, "1202")
    for month in (3, 4, 5, 6):
        bill_month(world, staff, 2026, month)
    pay(occupied, staff.cashier, "212.00", received_on=dt.date(2026, 4, 5))
    b_total = money_sum(BillLine.objects.filter(house=b).values_list("amount", flat=True))
    paid = pay(b, staff.cashier, b_total, received_on=dt.date(2026, 4, 5))
    clock.set(2026, 7, 3)
    june = Bill.objects.get(house=occupied, period=dt.date(2026, 6, 1))
    bill_due_extend(bill=june, to_date=dt.date(2026, 7, 31), reason="技术原因：水表故障", by=staff.supervisor)
    clock.set(2026, 7, 15)
    payment_reverse(payment=paid, reason="错收", by=staff.cashier, approver=staff.supervisor)
    clock.set(2026, 7, 20)
    return occupied, b, b_total


def _rows(result):
    return [(r.house, r.owed, r.lines, r.oldest_due, r.bucket) for r in result.rows]


def test_fee7_arrears_owes_open_overdue_lines_oldest_debt_first(world, ledger):
    a, b, b_total = ledger
    result = arrears_list(project_ids=[world.project_a.pk], as_of=dt.date(2026, 7, 20))
    # B: the reversal reopened all four months. A: April less 5.00, and May; June is extended.
    assert _rows(result) == [
        (b, b_total, 8, dt.date(2026, 4, 10), "m6"),
        (a, Decimal("409.00"), 4, dt.date(2026, 5, 10), "m3"),
    ]
    assert result.total == b_total + Decimal("409.00")
    assert (result.by_bucket["m6"]["houses"], result.by_bucket["m3"]["owed"]) == (1, Decimal("409.00"))


def test_fee7_arrears_count_entries_and_extensions_by_the_day(world, ledger):
    a, _b, _total = ledger
    # On July 10th the reversal had not happened: B owed nothing; A's June was not yet overdue.
    assert _rows(arrears_list(project_ids=[world.project_a.pk], as_of=dt.date(2026, 7, 10))) == [
        (a, Decimal("409.00"), 4, dt.date(2026, 5, 10), "m3")
    ]
    # On August 1st A's extended June bill is overdue too.
    (row,) = [r for r in arrears_list(project_ids=[world.project_a.pk], as_of=dt.date(2026, 8, 1)).rows if r.house == a]
    assert (row.owed, row.lines) == (Decimal("616.00"), 6)


def test_fee7_arrears_of_one_building(world, ledger):
    _a, b, b_total = ledger
    result = arrears_list(project_ids=[world.project_a.pk], building_id=b.building_id, as_of=dt.date(2026, 7, 20))
    assert [(r.house, r.owed) for r in result.rows] == [(b, b_total)]
