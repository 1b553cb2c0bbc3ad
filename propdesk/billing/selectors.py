"""Reads of the ledger: a house's balance and credit, its open lines with the live late
fee (FEE-3), and the settlement check (FEE-9). Every figure is derived from the rows —
Σ line amounts − Σ entry amounts — nothing stores a balance.

Callers check access first (scoping.access on the house with Cap.FEE_VIEW); these
functions answer for the house they are given.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q
from django.utils import timezone

from propdesk.billing.choices import Payer
from propdesk.billing.latefee import accrued_late_fee, overdue_days
from propdesk.billing.models import BillLine, DueDateExtension, Entry
from propdesk.core.money import ZERO, money, money_sum
from propdesk.estate.models import House


@dataclass(frozen=True)
class LineState:
    """A line as of a day: what it was, what has been credited to it, what is open, and —
    for a line that accrues one — the late fee accrued and not yet charged."""

    line: BillLine
    due_date: dt.date  # in force: the bill's, or its latest approved extension (FEE-4)
    paid: Decimal  # Σ credits on the line (reversals netted)
    open: Decimal  # amount − paid
    late_fee: Decimal  # live late fee not yet charged as a line (FEE-3)
    overdue_days: int

    @property
    def total(self) -> Decimal:
        """What settling this line costs today: the open amount and its live late fee."""
        return self.open + self.late_fee

    @property
    def is_late_fee(self) -> bool:
        return self.line.is_late_fee

    @property
    def payer(self) -> str:
        return self.line.bill.payer

    @property
    def principal_id(self) -> int:
        return self.line.late_fee_of_id or self.line.pk


def _today() -> dt.date:
    return timezone.localdate()


def line_states(
    house_id: int, *, as_of: dt.date | None = None, late_fee_on: dt.date | None = None, payer: str | None = None
) -> list[LineState]:
    """Every line of the house charged by `as_of` (default today), with what is open and
    the live late fee accrued by `late_fee_on` (default `as_of`), oldest first: by month,
    due date and bill, each late-fee line after the line it belongs to. Four queries."""
    as_of = as_of or _today()
    late_fee_on = late_fee_on or as_of
    lines_qs = BillLine.objects.filter(house_id=house_id, charged_on__lte=as_of).select_related("bill", "item")
    if payer:
        lines_qs = lines_qs.filter(bill__payer=payer)
    lines = list(lines_qs.order_by("id"))
    if not lines:
        return []
    entries = list(
        Entry.objects.filter(house_id=house_id, line__isnull=False, on_date__lte=as_of).values_list(
            "id", "line_id", "amount", "on_date", "reverses_id"
        )
    )
    reversed_ids = {reverses for *_rest, reverses in entries if reverses}
    paid: dict[int, Decimal] = defaultdict(Decimal)
    credits: dict[int, list[tuple[dt.date, Decimal]]] = defaultdict(list)
    for entry_id, line_id, amount, on_date, reverses in entries:
        paid[line_id] += amount
        if reverses is None and entry_id not in reversed_ids:  # a reversed payment never happened
            credits[line_id].append((on_date, amount))
    due: dict[int, dt.date] = {}
    extensions = DueDateExtension.objects.filter(bill__house_id=house_id, on_date__lte=as_of).order_by("id")
    for bill_id, to_date in extensions.values_list("bill_id", "to_date"):
        due[bill_id] = to_date
    charged_fees: dict[int, Decimal] = defaultdict(Decimal)
    for line in lines:
        if line.late_fee_of_id:
            charged_fees[line.late_fee_of_id] += line.amount

    states = []
    for line in lines:
        if line.is_late_fee:
            due_date = line.charged_on  # due at once; a late fee earns no late fee
            live, days = ZERO, 0
        else:
            due_date = due.get(line.bill_id, line.bill.due_date)
            if line.item.late_fee_applies:
                accrued = accrued_late_fee(line.amount, due_date, late_fee_on, credits[line.pk])
                live = max(ZERO, accrued - charged_fees[line.pk])
            else:
                live = ZERO
            days = overdue_days(due_date, late_fee_on)
        open_amount = money(line.amount - paid[line.pk])
        states.append(LineState(line, due_date, money(paid[line.pk]), open_amount, live, days if open_amount else 0))
    by_id = {state.line.pk: state for state in states}

    def oldest_first(state: LineState):
        principal = by_id.get(state.principal_id, state)
        return (
            principal.line.period,
            principal.due_date,
            principal.line.bill_id,
            principal.line.pk,
            state.is_late_fee,
            state.line.pk,
        )

    return sorted(states, key=oldest_first)


def open_lines(house: House, *, as_of: dt.date | None = None, payer: str | None = None) -> list[LineState]:
    """What the house owes as of `as_of` (default today), oldest first, each line with its
    live late fee (FEE-3): the desk's "months due" list."""
    return [state for state in line_states(house.pk, as_of=as_of, payer=payer) if state.total > 0]


def _entries_for_payer(payer: str | None) -> Q:
    if payer is None:
        return Q()
    line_of_payer = Q(line__bill__payer=payer)
    # Prepaid credit (no line) is the owner's.
    return line_of_payer | Q(line__isnull=True) if payer == Payer.OWNER else line_of_payer


def house_balance(house: House, *, as_of: dt.date | None = None, payer: str | None = None) -> Decimal:
    """What the house owes by the ledger as of `as_of` (default today): Σ lines charged −
    Σ entries counted; negative when it holds credit. Live (uncharged) late fees are not in
    it — they become ledger rows when charged (see `settlement` for the full figure)."""
    as_of = as_of or _today()
    lines = BillLine.objects.filter(house=house, charged_on__lte=as_of)
    if payer:
        lines = lines.filter(bill__payer=payer)
    entries = Entry.objects.filter(_entries_for_payer(payer), house=house, on_date__lte=as_of)
    # Summed here, exactly: SQLite's SUM over decimals is floating point.
    return money_sum(lines.values_list("amount", flat=True)) - money_sum(entries.values_list("amount", flat=True))


def credit_balance(house: House | int, *, as_of: dt.date | None = None) -> Decimal:
    """The house's prepaid credit (预存款余额) as of `as_of`: Σ entries without a line. It is
    negative only when a reversed payment's credit had already been used — then the house
    owes that much back."""
    as_of = as_of or _today()
    house_id = house if isinstance(house, int) else house.pk
    return money_sum(
        Entry.objects.filter(house_id=house_id, line__isnull=True, on_date__lte=as_of).values_list("amount", flat=True)
    )


@dataclass(frozen=True)
class Settlement:
    """FEE-9: whether the house is settled as of a day and, if not, what is owed."""

    as_of: dt.date
    settled: bool
    lines: list[LineState] = field(default_factory=list)  # owed, oldest first
    owed: Decimal = ZERO  # open amounts
    late_fees: Decimal = ZERO  # live late fees, not yet charged
    total: Decimal = ZERO  # owed + late fees
    credit: Decimal = ZERO  # prepaid credit (negative: owed back)
    net_due: Decimal = ZERO  # what must still be paid once the credit is used


def settlement(house: House, *, as_of: dt.date | None = None, payer: str = Payer.OWNER) -> Settlement:
    """Is `house` settled as of `as_of` (default today)? The gate of moving out, tenant
    move-out, decoration and key/IC-card deposit refunds (FEE-9). Settled means nothing is
    open — no line, no live late fee — and the credit is not negative. By default the
    owner's account: lines billed to the developer (unsold or not handed over) are the
    developer's debt, not the occupant's."""
    as_of = as_of or _today()
    lines = open_lines(house, as_of=as_of, payer=payer)
    owed = money_sum(state.open for state in lines)
    late_fees = money_sum(state.late_fee for state in lines)
    total = owed + late_fees
    credit = credit_balance(house, as_of=as_of) if payer == Payer.OWNER else ZERO
    return Settlement(
        as_of=as_of,
        settled=total == 0 and credit >= 0,
        lines=lines,
        owed=owed,
        late_fees=late_fees,
        total=total,
        credit=credit,
        net_due=max(ZERO, total - credit),
    )
