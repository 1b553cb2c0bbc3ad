"""What the cashier prints: receipts (收据, FEE-6) and bill notices (缴费通知单, FEE-2).

- `receipt_print` records each printing of a receipt (append-only): copy 1 is the
  original, later copies are re-prints marked 补打;
- `receipt_of` reads a payment as its receipt shows it: the lines paid with their periods,
  late-fee lines, prepaid credit, the total in figures and in capital numerals;
- `bill_notice` reads a house's notice for a month: the month's lines, what earlier months
  still owe, the live late fee as of the print date, the due date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from propdesk.accounts.roles import Cap
from propdesk.billing.amount_words import amount_words
from propdesk.billing.choices import BillKind, PaymentMethod
from propdesk.billing.models import Bill, Entry, Payment, PaymentReversal, ReceiptPrint
from propdesk.billing.selectors import LineState, credit_balance, line_states
from propdesk.core import scoping
from propdesk.core.money import ZERO, money_sum
from propdesk.estate.models import House

# -- Receipts ------------------------------------------------------------------------------


@transaction.atomic
def receipt_print(*, payment: Payment, by) -> ReceiptPrint:
    """Record one printing of the receipt: the next copy number (1 = the original)."""
    scoping.require(by, Cap.FEE_VIEW, payment.project_id)
    for _attempt in range(3):
        last = ReceiptPrint.objects.filter(payment=payment).aggregate(n=Max("copy"))["n"] or 0
        try:
            with transaction.atomic():
                return ReceiptPrint.objects.create(
                    project_id=payment.project_id, payment=payment, copy=last + 1, printed_by=by, printed_at=timezone.now()
                )
        except IntegrityError:  # printed at the same moment elsewhere: take the next copy
            continue
    raise RuntimeError("receipt print copy number contended")


@dataclass(frozen=True)
class ReceiptLine:
    description: str
    period: dt.date | None
    amount: Decimal
    is_late_fee: bool = False
    is_credit: bool = False


@dataclass
class Receipt:
    payment: Payment
    lines: list[ReceiptLine]
    total: Decimal
    words: str
    reversal: PaymentReversal | None
    method_label: str


def receipt_of(payment: Payment) -> Receipt:
    """The payment as its receipt shows it (two queries)."""
    entries = (
        Entry.objects.filter(payment=payment, reverses__isnull=True)
        .select_related("line")
        .order_by("line__period", "line__late_fee_of_id", "id")
    )
    lines = []
    for entry in entries:
        if entry.line is None:
            lines.append(ReceiptLine("预存款", None, entry.amount, is_credit=True))
        else:
            line = entry.line
            lines.append(ReceiptLine(line.description, line.period, entry.amount, is_late_fee=line.is_late_fee))
    reversal = PaymentReversal.objects.filter(payment=payment).first()
    return Receipt(
        payment=payment,
        lines=lines,
        total=payment.amount,
        words=amount_words(payment.amount),
        reversal=reversal,
        method_label=PaymentMethod(payment.method).label,
    )


# -- Bill notices -----------------------------------------------------------------------------


@dataclass
class BillNotice:
    house: House
    period: dt.date
    due_date: dt.date | None
    lines: list[LineState] = field(default_factory=list)  # the month's lines still open
    earlier: list[LineState] = field(default_factory=list)  # earlier months still open (arrears)
    month_total: Decimal = ZERO
    arrears: Decimal = ZERO
    late_fees: Decimal = ZERO
    credit: Decimal = ZERO
    total: Decimal = ZERO  # month + arrears + late fees − credit (not below zero)

    @property
    def words(self) -> str:
        return amount_words(self.total)


def bill_notice(house: House, period: dt.date, *, on_date: dt.date | None = None) -> BillNotice | None:
    """The house's notice for the month `period` as of `on_date` (default today): the
    month's open lines, earlier open lines (previous arrears), the live late fees by that
    day (FEE-3), the prepaid credit. None when the house has nothing for the month and
    owes nothing. Four or five queries."""
    on_date = on_date or timezone.localdate()
    period = period.replace(day=1)
    states = [s for s in line_states(house.pk, as_of=on_date) if s.total > 0]
    month = [s for s in states if s.line.period == period]
    earlier = [s for s in states if s.line.period < period]
    bill = Bill.objects.filter(house=house, period=period, kind=BillKind.MONTHLY).first()
    if not month and not earlier and bill is None:
        return None
    month_total = money_sum(s.open for s in month)
    arrears = money_sum(s.open for s in earlier)
    late_fees = money_sum(s.late_fee for s in month + earlier)
    credit = credit_balance(house.pk, as_of=on_date)
    due = next((s.due_date for s in month if not s.is_late_fee), bill.due_date if bill else None)
    return BillNotice(
        house=house,
        period=period,
        due_date=due,
        lines=month,
        earlier=earlier,
        month_total=month_total,
        arrears=arrears,
        late_fees=late_fees,
        credit=credit,
        total=max(ZERO, month_total + arrears + late_fees - max(credit, ZERO)),
    )


PAYMENT_METHODS_NOTE = "前台现金、POS 刷卡、微信/支付宝扫码，或银行转账、银行托收"
