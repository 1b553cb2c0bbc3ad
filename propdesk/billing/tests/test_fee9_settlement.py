"""FEE-9: one answer to "is this house settled as of date D, and if not, what is owed?" —
the gate of moving out, tenant move-out and deposit refunds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from propdesk.billing.choices import Payer, PaymentMethod
from propdesk.billing.payments import credit_apply, payment_reverse
from propdesk.billing.selectors import settlement
from propdesk.estate.choices import HouseStatus

from .conftest import add_house, bill_month, pay


def test_fee9_a_house_owing_is_not_settled_and_the_answer_says_what_is_owed(world, fees, occupied, staff, clock):
    assert settlement(occupied).settled  # nothing billed yet
    bill_month(world, staff, 2026, 6)
    clock.set(2026, 8, 1)
    answer = settlement(occupied)
    assert not answer.settled
    assert [(s.line.item.code, s.open, s.late_fee) for s in answer.lines] == [
        ("ggnh", Decimal("10.00"), Decimal("0.66")),
        ("wyf", Decimal("197.00"), Decimal("13.00")),
    ]
    assert (answer.owed, answer.late_fees, answer.total, answer.credit, answer.net_due) == (
        Decimal("207.00"),
        Decimal("13.66"),
        Decimal("220.66"),
        Decimal("0.00"),
        Decimal("220.66"),
    )


def test_fee9_after_paying_everything_the_house_is_settled(world, fees, occupied, staff, clock):
    bill_month(world, staff, 2026, 6)
    clock.set(2026, 8, 1)
    pay(occupied, staff.cashier, str(settlement(occupied).total), method=PaymentMethod.POS)
    answer = settlement(occupied)
    assert answer.settled and answer.lines == [] and answer.total == 0


def test_fee9_as_of_a_date(world, fees, occupied, staff, clock):
    bill_month(world, staff, 2026, 6)  # charged July 1st
    assert settlement(occupied, as_of=dt.date(2026, 6, 30)).settled
    assert settlement(occupied, as_of=dt.date(2026, 7, 10)).total == Decimal("207.00")
    assert settlement(occupied, as_of=dt.date(2026, 7, 11)).late_fees == Decimal("0.62")  # 0.591 + 0.03


def test_fee9_credit_covering_the_lines_still_has_to_be_applied(world, fees, occupied, staff):
    bill_month(world, staff, 2026, 6)
    pay(occupied, staff.cashier, "300.00", lines=[])
    answer = settlement(occupied)
    assert (answer.settled, answer.total, answer.credit, answer.net_due) == (False, Decimal("207.00"), Decimal("300.00"), 0)
    credit_apply(house=occupied, by=staff.cashier)
    answer = settlement(occupied)
    assert answer.settled and answer.credit == Decimal("93.00")


def test_fee9_credit_owed_back_after_a_reversal_is_not_settled(world, fees, occupied, staff):
    payment = pay(occupied, staff.cashier, "207.00", lines=[])
    bill_month(world, staff, 2026, 6)  # the credit pays June
    payment_reverse(payment=payment, reason="退票", by=staff.cashier, approver=staff.supervisor)
    answer = settlement(occupied)
    assert (answer.settled, answer.lines, answer.credit, answer.net_due) == (False, [], Decimal("-207.00"), Decimal("207.00"))


def test_fee9_what_the_developer_owes_is_not_the_occupants_debt(world, fees, staff):
    house = add_house(world, "401", status=HouseStatus.NOT_HANDED_OVER)
    bill_month(world, staff, 2026, 6)
    assert settlement(house).settled
    developer = settlement(house, payer=Payer.DEVELOPER)
    assert (developer.settled, developer.total) == (False, Decimal("170.00"))
