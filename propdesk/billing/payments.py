"""Payments and receipts (FEE-5, FEE-6), reversals, prepaid credit and the cashier's
daily close (日结).

- `payment_take`: money received is allocated to the lines chosen (or to what is owed,
  oldest first), the late fee of each line reached is charged as its own line first
  (FEE-3), a cash payment's change is worked out, anything left over is held as prepaid
  credit; the receipt number is the project's next, gap-free, in the same transaction.
  A retried submission with the same idempotency key gets the same payment back.
- `payment_reverse`: a mistaken payment is undone only by reversal entries mirroring its
  entries, with a reason and an approver holding FEE_APPROVE who is not its cashier.
- `credit_apply`: prepaid credit pays what is owed, oldest first.
- `cashier_close`: the day's receipts by method against the cash counted.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.accounts.roles import Cap
from propdesk.billing.choices import EntryKind, Payer, PaymentMethod
from propdesk.billing.ledger import allocate, lock_house, total_due
from propdesk.billing.models import CashierClose, Entry, Payment, PaymentReversal
from propdesk.billing.selectors import credit_balance, line_states
from propdesk.core import scoping
from propdesk.core.errors import DomainError
from propdesk.core.money import ZERO, Number, money
from propdesk.core.numbering import next_value
from propdesk.estate.models import House, Project

RECEIPT_COUNTER = "receipt"


def _amount(value: Number, field: str) -> Decimal:
    try:
        return money(value)
    except ValueError:  # a float is a programming error (TypeError), not bad input
        raise DomainError("amount_invalid", _("金额无效"), field=field) from None


def check_approver(approver, project_id: int, *, rule: str, not_user=None) -> None:
    """The approver of a waiver, reversal or extension must hold FEE_APPROVE in the
    project (and, for a reversal, not be the payment's cashier)."""
    if approver is None or not scoping.has_cap(approver, Cap.FEE_APPROVE, project_id):
        raise DomainError("approver_not_allowed", _("审批人须为本项目有收费审批权限的人员"), field="approver", rule=rule)
    if not_user is not None and approver.pk == not_user.pk:
        raise DomainError("approver_is_cashier", _("审批人不能是该笔收款的收款人"), field="approver", rule=rule)


def _check_not_closed(project_id: int, cashier, day: dt.date) -> None:
    if CashierClose.objects.filter(project_id=project_id, cashier=cashier, day=day).exists():
        raise DomainError("cashier_day_closed", _("%(day)s 已日结，不能再收款或冲正") % {"day": f"{day:%Y-%m-%d}"}, rule="FEE-6")


def _same_request(payment: Payment, *, house: House, amount: Decimal, method: str) -> Payment:
    """The payment a retried submission already made — or a refusal when the key was used
    for a different payment."""
    if (payment.house_id, payment.amount, payment.method) != (house.pk, amount, method):
        raise DomainError("payment_key_reused", _("该提交标识已用于另一笔收款"), field="idempotency_key", rule="FEE-5")
    return payment


@transaction.atomic
def payment_take(
    *,
    house: House,
    by,
    method: str,
    amount: Number,
    idempotency_key: str,
    lines: list | None = None,
    tendered: Number | None = None,
    payer: str = Payer.OWNER,
    payer_name: str = "",
    reference: str = "",
    received_on: dt.date | None = None,
) -> Payment:
    """Record money received for `house` (FEE-5) and issue its receipt (FEE-6).

    `amount` is what is collected. With `lines` (BillLines, chosen at the desk) it must
    cover them in full with their late fees; without, it pays what is owed oldest first
    (the last line reached may be paid in part). What is left over is held as prepaid
    credit (`lines=[]` is a pure prepayment). For cash, `tendered` is what was handed over
    and the change is `tendered − amount`. `received_on` is the day the money arrived
    (default today; a bank transfer may have arrived earlier): it counts from that day and
    late fees run to that day."""
    scoping.require(by, Cap.FEE_COLLECT, house.project_id)
    if method not in PaymentMethod.values:
        raise DomainError("payment_method_invalid", _("付款方式无效"), field="method", rule="FEE-5")
    if payer not in Payer.values:
        raise DomainError("payment_payer_invalid", _("付款方无效"), field="payer", rule="FEE-5")
    key = (idempotency_key or "").strip()
    if not key or len(key) > 64:
        raise DomainError("payment_key_required", _("缺少提交标识"), field="idempotency_key", rule="FEE-5")
    amount = _amount(amount, "amount")
    if amount <= 0:
        raise DomainError("payment_amount_not_positive", _("实收金额须大于零"), field="amount", rule="FEE-5")
    if method == PaymentMethod.CASH:
        tendered = amount if tendered is None else _amount(tendered, "tendered")
        if tendered < amount:
            raise DomainError("payment_tendered_short", _("收到的现金少于实收金额"), field="tendered", rule="FEE-6")
    elif tendered is not None and _amount(tendered, "tendered") != amount:
        raise DomainError("payment_change_cash_only", _("只有现金收款可以找零"), field="tendered", rule="FEE-6")
    else:
        tendered = amount

    existing = Payment.objects.filter(project_id=house.project_id, idempotency_key=key).first()
    if existing is not None:
        return _same_request(existing, house=house, amount=amount, method=method)
    house = lock_house(house.pk)
    # A twin submission may have committed while this one waited for the lock.
    existing = Payment.objects.filter(project_id=house.project_id, idempotency_key=key).first()
    if existing is not None:
        return _same_request(existing, house=house, amount=amount, method=method)

    today = timezone.localdate()
    received_on = received_on or today
    if received_on > today:
        raise DomainError("payment_received_in_future", _("到账日期不能晚于今天"), field="received_on", rule="FEE-5")
    _check_not_closed(house.project_id, by, today)

    states = [s for s in line_states(house.pk, as_of=today, late_fee_on=received_on, payer=payer) if s.total > 0]
    if lines is not None:
        chosen = {line.pk for line in lines}
        known = {state.line.pk for state in states}
        if chosen - known:
            raise DomainError(
                "payment_line_not_open", _("所选账目不属于该房屋或已结清，请刷新后重试"), field="lines", rule="FEE-6"
            )
        states = [s for s in states if s.line.pk in chosen or s.principal_id in chosen]
        due = total_due(states)
        if amount < due:
            raise DomainError(
                "payment_short",
                _("实收金额 %(amount)s 少于所选账目应缴 %(due)s（含违约金）") % {"amount": amount, "due": due},
                field="amount",
                rule="FEE-6",
            )
    else:
        due = total_due(states)
    if payer == Payer.DEVELOPER and amount > due:
        raise DomainError("payment_developer_overpaid", _("建设单位缴款不能超过应缴金额"), field="amount", rule="FEE-5")

    try:
        with transaction.atomic():
            payment = Payment.objects.create(
                project_id=house.project_id,
                house=house,
                number=next_value(project_id=house.project_id, key=RECEIPT_COUNTER),
                payer=payer,
                payer_name=payer_name.strip(),
                method=method,
                amount=amount,
                tendered=tendered,
                change=tendered - amount,
                received_on=received_on,
                reference=reference.strip(),
                idempotency_key=key,
                cashier=by,
            )
    except IntegrityError:  # the key was used for another house at the same moment
        raise DomainError("payment_key_reused", _("该提交标识已用于另一笔收款"), field="idempotency_key", rule="FEE-5") from None
    _entries, remaining = allocate(
        states=states, amount=amount, kind=EntryKind.PAYMENT, on_date=received_on, by=by, payment=payment
    )
    if remaining > 0:
        Entry.objects.create(
            project_id=house.project_id,
            house=house,
            line=None,
            kind=EntryKind.PREPAYMENT,
            amount=remaining,
            on_date=received_on,
            payment=payment,
            created_by=by,
        )
    return payment


@transaction.atomic
def payment_reverse(*, payment: Payment, reason: str, by, approver, on_date: dt.date | None = None) -> PaymentReversal:
    """Reverse a mistaken payment (冲正): each of its entries gets a mirror entry, so the
    lines it paid are owed again and the credit it left is taken back. Needs a reason and
    an approver holding FEE_APPROVE who is not the payment's cashier. Late fees it charged
    stay (they had accrued); the reversed payment no longer lowers the late fee."""
    scoping.require(by, Cap.FEE_COLLECT, payment.project_id)
    if not reason.strip():
        raise DomainError("reversal_reason_required", _("冲正须填写原因"), field="reason", rule="FEE-5")
    check_approver(approver, payment.project_id, rule="FEE-5", not_user=payment.cashier)
    lock_house(payment.house_id)
    if PaymentReversal.objects.filter(payment=payment).exists():
        raise DomainError("payment_already_reversed", _("该笔收款已冲正"), rule="FEE-5")
    today = timezone.localdate()
    _check_not_closed(payment.project_id, by, today)
    on_date = on_date or today
    reversal = PaymentReversal.objects.create(
        project_id=payment.project_id,
        payment=payment,
        reason=reason.strip(),
        on_date=on_date,
        by=by,
        approved_by=approver,
    )
    for entry in payment.entries.filter(reverses__isnull=True).order_by("id"):
        Entry.objects.create(
            project_id=entry.project_id,
            house_id=entry.house_id,
            line_id=entry.line_id,
            kind=EntryKind.REVERSAL,
            amount=-entry.amount,
            on_date=on_date,
            payment=payment,
            reverses=entry,
            reason=reversal.reason,
            created_by=by,
            approved_by=approver,
        )
    return reversal


def credit_apply_locked(house_id: int, *, by, on_date: dt.date) -> list[Entry]:
    """Use the house's prepaid credit on what its owner owes, oldest first. The caller
    holds the house lock."""
    today = timezone.localdate()
    pool = credit_balance(house_id, as_of=today)
    if pool <= 0:
        return []
    states = [s for s in line_states(house_id, as_of=today, late_fee_on=on_date, payer=Payer.OWNER) if s.total > 0]
    entries, remaining = allocate(states=states, amount=pool, kind=EntryKind.CREDIT_APPLIED, on_date=on_date, by=by)
    used = pool - remaining
    if used > 0:
        first = entries[0]
        entries.append(
            Entry.objects.create(
                project_id=first.project_id,
                house_id=house_id,
                line=None,
                kind=EntryKind.CREDIT_USED,
                amount=-used,
                on_date=on_date,
                created_by=by,
            )
        )
    return entries


@transaction.atomic
def credit_apply(*, house: House, by, on_date: dt.date | None = None) -> list[Entry]:
    """Pay what the house owes from its prepaid credit (预存款抵扣), oldest first."""
    scoping.require(by, Cap.FEE_COLLECT, house.project_id)
    today = timezone.localdate()
    if on_date is not None and on_date > today:
        raise DomainError("credit_apply_in_future", _("抵扣日期不能晚于今天"), field="on_date", rule="FEE-5")
    lock_house(house.pk)
    return credit_apply_locked(house.pk, by=by, on_date=on_date or today)


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    return start, end


@dataclass
class DaySummary:
    """A cashier's day (日结 figures): receipts in number order, by method, reversals."""

    payments: list[Payment]
    rows: dict[str, dict]  # method → {"count", "received", "reversed", "net"} (amounts as strings)
    total: Decimal
    expected_cash: Decimal


def cashier_day_summary(*, project: Project, cashier, day: dt.date) -> DaySummary:
    """The receipts `cashier` issued on `day` by payment method, the reversals they made
    that day and the cash that should be in the drawer: what the daily close records and
    its page shows before closing. Reads only."""
    start, end = _day_bounds(day)
    payments = list(
        Payment.objects.filter(project=project, cashier=cashier, created_at__gte=start, created_at__lt=end).order_by("number")
    )
    reversals = PaymentReversal.objects.filter(
        project=project, by=cashier, created_at__gte=start, created_at__lt=end
    ).select_related("payment")
    summary: dict[str, dict] = defaultdict(lambda: {"count": 0, "received": ZERO, "reversed": ZERO})
    for payment in payments:
        summary[payment.method]["count"] += 1
        summary[payment.method]["received"] += payment.amount
    for reversal in reversals:
        summary[reversal.payment.method]["reversed"] += reversal.payment.amount
    rows = {
        method: {
            "count": row["count"],
            "received": str(money(row["received"])),
            "reversed": str(money(row["reversed"])),
            "net": str(money(row["received"] - row["reversed"])),
        }
        for method, row in sorted(summary.items())
    }
    cash = summary.get(PaymentMethod.CASH, {"received": ZERO, "reversed": ZERO})
    expected_cash = money(cash["received"] - cash["reversed"])
    total = money(sum((row["received"] - row["reversed"] for row in summary.values()), ZERO))
    return DaySummary(payments=payments, rows=rows, total=total, expected_cash=expected_cash)


@transaction.atomic
def cashier_close(*, project: Project, cashier, day: dt.date, counted_cash: Number, by, note: str = "") -> CashierClose:
    """The cashier's daily close (日结): the receipts the cashier issued on `day` by
    payment method, the reversals the cashier made that day, the cash that should be in
    the drawer against `counted_cash`. Done by the cashier (FEE_COLLECT) or, for them, by
    someone holding FEE_APPROVE; once per cashier and day."""
    scoping.require(by, Cap.FEE_COLLECT if by.pk == cashier.pk else Cap.FEE_APPROVE, project.pk)
    counted = _amount(counted_cash, "counted_cash")
    if counted < 0:
        raise DomainError("close_counted_negative", _("清点现金不能为负数"), field="counted_cash", rule="FEE-6")
    if day > timezone.localdate():
        raise DomainError("close_day_in_future", _("不能为未来日期日结"), field="day", rule="FEE-6")
    if CashierClose.objects.filter(project=project, cashier=cashier, day=day).exists():
        raise DomainError("cashier_already_closed", _("该收款人当天已日结"), field="day", rule="FEE-6")
    day_summary = cashier_day_summary(project=project, cashier=cashier, day=day)
    payments = day_summary.payments
    expected_cash = day_summary.expected_cash
    return CashierClose.objects.create(
        project=project,
        cashier=cashier,
        day=day,
        summary=day_summary.rows,
        receipts=len(payments),
        first_number=payments[0].number if payments else None,
        last_number=payments[-1].number if payments else None,
        total=day_summary.total,
        expected_cash=expected_cash,
        counted_cash=counted,
        difference=counted - expected_cash,
        note=note.strip(),
        closed_by=by,
    )
