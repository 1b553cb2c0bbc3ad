"""The ledger's writing kernel, used by the services in payments.py, adjustments.py and
run.py — never called from views.

**The lock.** Every write that moves money on a house first locks the house row
(`lock_house`, SELECT … FOR UPDATE). Two cashiers paying the same line, a payment and a
credit application, a reversal and a waiver are thereby serialised per house: the
second sees the first's entries and finds the line no longer open. (SQLite serialises
write transactions anyway.)

**Allocation.** Money goes to lines oldest first (or to the lines chosen); on reaching a
line that has accrued a late fee, the fee is first charged as its own line (FEE-3: the
late fee is charged at payment) and paid before the line itself — costs and interest
before principal, as 民法典 第五百六十一条 orders them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils.translation import gettext as _

from propdesk.billing.choices import LineSource
from propdesk.billing.models import BillLine, Entry, Payment
from propdesk.billing.selectors import LineState
from propdesk.core.money import ZERO
from propdesk.estate.models import House


def lock_house(house_id: int) -> House:
    """The house row, locked for the rest of the transaction: the ledger's per-house lock."""
    return House.objects.select_for_update().get(pk=house_id)


def late_fee_description(what: str, days: int, on_date: dt.date) -> str:
    """The description of a late-fee line (FEE-3): the line it belongs to, the days overdue."""
    return _("违约金：%(what)s（逾期%(days)s天，截至%(day)s）") % {"what": what, "days": days, "day": f"{on_date:%Y-%m-%d}"}


def charge_late_fee(state: LineState, *, on_date: dt.date, by) -> BillLine | None:
    """Charge the live late fee of a line as its own line (FEE-3), on the line's bill."""
    if state.is_late_fee or state.late_fee <= 0:
        return None
    line = state.line
    return BillLine.objects.create(
        project_id=line.project_id,
        bill_id=line.bill_id,
        house_id=line.house_id,
        period=line.period,
        source=LineSource.LATE_FEE,
        item=None,
        late_fee_of=line,
        description=late_fee_description(line.description, state.overdue_days, on_date),
        quantity=Decimal(1),
        unit_price=state.late_fee,
        amount=state.late_fee,
        charged_on=on_date,
        created_by=by,
    )


def allocate(
    *,
    states: list[LineState],
    amount: Decimal,
    kind: str,
    on_date: dt.date,
    by,
    payment: Payment | None = None,
) -> tuple[list[Entry], Decimal]:
    """Spread `amount` over `states` (in the order given, each a line still open or with a
    live late fee): per line, its late fee charged now and its earlier late-fee lines
    first, then the line. Returns the entries and what is left over."""
    entries: list[Entry] = []
    remaining = amount

    def credit(line: BillLine, value: Decimal) -> None:
        nonlocal remaining
        entries.append(
            Entry.objects.create(
                project_id=line.project_id,
                house_id=line.house_id,
                line=line,
                kind=kind,
                amount=value,
                on_date=on_date,
                payment=payment,
                created_by=by,
            )
        )
        remaining -= value

    for state in allocation_order(states):
        if remaining <= 0:
            break
        fee_line = charge_late_fee(state, on_date=on_date, by=by)
        if fee_line is not None:
            credit(fee_line, min(remaining, fee_line.amount))
            if remaining <= 0:
                break
        if state.open > 0:
            credit(state.line, min(remaining, state.open))
    return entries, remaining


def allocation_order(states: list[LineState]) -> list[LineState]:
    """Oldest first, each line's late-fee lines before the line itself."""
    position = {state.line.pk: index for index, state in enumerate(states)}
    return sorted(
        states,
        key=lambda s: (position.get(s.principal_id, position[s.line.pk]), not s.is_late_fee, position[s.line.pk]),
    )


def total_due(states: list[LineState]) -> Decimal:
    return sum((state.total for state in states), ZERO)
