"""The late fee (违约金/滞纳金, FEE-3), pure arithmetic.

The rule: from the first overdue day, 0.3% (千分之三) of the overdue amount per day. We
read it as **simple interest on the overdue principal**: each overdue day adds 0.3% of
the principal still open that day; a late fee never earns a late fee (no compounding),
and unpaid late fees are not part of the "overdue amount".

    late_fee(1000, due 7-10, on 7-11)  → 3.00      (the 11th is the first overdue day)
    late_fee(1000, due 7-10, on 7-10)  → 0.00      (paying on the due date is on time)
    late_fee(123.45, due 7-10, on 8-09) → 11.11    (123.45 × 0.003 × 30 = 11.1105)

The amount is rounded once, half-up to the fen, over the whole stretch of days — not
day by day — so it equals the hand formula principal × 0.003 × days.

When the open principal of a line changes while it is overdue (a part payment, a
waiver), `accrued_late_fee` adds the stretches: each stretch of days at the principal
open on those days, each rounded as above. A credit counted on day D (a payment received
on D) lowers the principal from day D + 1 on: the day of payment is still an overdue day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from propdesk.core.money import ZERO, Number, money

RATE_PER_DAY = Decimal("0.003")  # FEE-3: 千分之三 per day


def overdue_days(due_date: dt.date, on_date: dt.date) -> int:
    """Days overdue on `on_date`: 0 up to and including the due date, then 1, 2, …"""
    return max(0, (on_date - due_date).days)


def late_fee(overdue_amount: Number, due_date: dt.date, on_date: dt.date, *, rate: Decimal = RATE_PER_DAY) -> Decimal:
    """FEE-3: `overdue_amount` × 0.3% × days overdue on `on_date`, to the fen, half-up."""
    amount = money(overdue_amount)
    if amount < 0:
        raise ValueError(f"overdue amount must not be negative: {overdue_amount!r}")
    days = overdue_days(due_date, on_date)
    if not days or not amount:
        return ZERO
    return money(amount * rate * days)


def accrued_late_fee(
    principal: Number, due_date: dt.date, on_date: dt.date, credits: Iterable[tuple[dt.date, Decimal]] = ()
) -> Decimal:
    """The late fee a line of `principal` due on `due_date` has accrued by `on_date`, given
    the credits (day counted, amount) that lowered its principal — payments, waivers,
    credit applied. Reversed credits must be left out by the caller (a reversed payment
    is as if it never happened)."""
    if on_date <= due_date:
        return ZERO
    open_principal = money(principal)
    later: list[tuple[dt.date, Decimal]] = []
    for day, amount in credits:
        if day <= due_date:
            open_principal -= money(amount)  # paid before it fell due: never overdue
        elif day < on_date:
            later.append((day, money(amount)))
    total = ZERO
    start = due_date
    for day, amount in sorted(later):
        total += late_fee(max(open_principal, ZERO), start, day)
        open_principal -= amount
        start = day
    total += late_fee(max(open_principal, ZERO), start, on_date)
    return money(total)
