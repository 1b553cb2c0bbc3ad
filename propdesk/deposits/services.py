"""Deposit operations (FEE-9, FEE-10, FEE-11): take, request a refund, approve or reject
it, print. Each is one transaction; each refuses a broken rule with a DomainError.

- `deposit_take`: the deposit and its receipt number (押金收据, a gap-free series of its
  own per project, `core.numbering`); a retried submission gets the same deposit back.
- `refund_request`: itemised deductions (fines with a reason, the house's unpaid fees,
  other charges); the net refund must not be negative. FEE-9: a decoration, key or IC-card
  deposit of a house is refunded only when the house is settled as of the refund date —
  or the whole owed amount (`billing.selectors.settlement`) is deducted.
- `refund_approve`: by someone else holding FEE_APPROVE (`billing.payments.check_approver`).
  The unpaid-fees deduction is paid into the ledger through `billing.payments.payment_take`
  (the ledger stays the single truth); the house must then be settled.
- `refund_reject`: with a reason; the deposit is held again and may be asked for anew.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.accounts.roles import Cap
from propdesk.billing.choices import PaymentMethod
from propdesk.billing.payments import check_approver, payment_take
from propdesk.billing.selectors import settlement
from propdesk.core import scoping
from propdesk.core.errors import DomainError
from propdesk.core.money import ZERO, Number, money, money_sum
from propdesk.core.numbering import next_value
from propdesk.deposits.choices import SETTLEMENT_GATED, DeductionKind, DepositKind, DepositStatus, RefundStatus
from propdesk.deposits.models import Deposit, DepositDeduction, DepositPrint, DepositRefund
from propdesk.estate.models import House, Project

DEPOSIT_COUNTER = "deposit_receipt"  # 押金收据: a series apart from billing's 收据
REFUND_COUNTER = "deposit_refund"  # 押金退还单
# Billing's PaymentMethod has no "押金抵扣" choice and adding one needs a billing migration
# (billing's schema is another owner's): the deduction is recorded as an internal transfer
# whose reference says 押金抵扣 and names the deposit receipt. Switch this constant when
# billing gains the choice.
DEPOSIT_OFFSET_METHOD = PaymentMethod.TRANSFER
DEPOSIT_OFFSET_REFERENCE = "押金抵扣"
# Methods a deposit is taken or refunded by (bank collection is for monthly fees only).
DEPOSIT_METHODS = (PaymentMethod.CASH, PaymentMethod.TRANSFER, PaymentMethod.POS, PaymentMethod.WECHAT, PaymentMethod.ALIPAY)


def deposit_immutable() -> DomainError:
    return DomainError("deposit_immutable", _("押金记录不能修改；退还请办理押金退还"), rule="FEE-9")


def _amount(value: Number, field: str, rule: str) -> Decimal:
    try:
        return money(value)
    except (ValueError, TypeError):
        raise DomainError("amount_invalid", _("金额无效"), field=field, rule=rule) from None


def _method(method: str, field: str = "method") -> str:
    if method not in DEPOSIT_METHODS:
        raise DomainError("deposit_method_invalid", _("付款方式无效"), field=field, rule="FEE-9")
    return method


@transaction.atomic
def deposit_take(
    *,
    project: Project,
    by,
    kind: str,
    amount: Number,
    payer_name: str,
    method: str,
    idempotency_key: str,
    house: House | None = None,
    taken_on: dt.date | None = None,
    reference: str = "",
    purpose: str = "",
) -> Deposit:
    """Take a deposit (押金) and issue its 押金收据 number. FEE_COLLECT. A retried
    submission with the same key gets the first deposit back."""
    scoping.require(by, Cap.FEE_COLLECT, project.pk)
    if house is not None and house.project_id != project.pk:
        raise DomainError("deposit_house_project", _("房屋不属于该项目"), field="house", rule="FEE-9")
    if kind not in DepositKind.values:
        raise DomainError("deposit_kind_invalid", _("押金类型无效"), field="kind", rule="FEE-9")
    _method(method)
    value = _amount(amount, "amount", "FEE-9")
    if value <= 0:
        raise DomainError("deposit_amount_not_positive", _("押金金额须大于零"), field="amount", rule="FEE-9")
    payer_name = (payer_name or "").strip()
    if not payer_name:
        raise DomainError("deposit_payer_required", _("请填写交款人"), field="payer_name", rule="FEE-9")
    key = (idempotency_key or "").strip()
    if not key or len(key) > 64:
        raise DomainError("deposit_key_required", _("缺少提交标识"), field="idempotency_key", rule="FEE-9")
    today = timezone.localdate()
    taken_on = taken_on or today
    if taken_on > today:
        raise DomainError("deposit_taken_in_future", _("收取日期不能晚于今天"), field="taken_on", rule="FEE-9")
    existing = Deposit.objects.filter(project=project, idempotency_key=key).first()
    if existing is None:
        # Lock the counter: a twin submission waits here, then finds the first deposit.
        number = next_value(project_id=project.pk, key=DEPOSIT_COUNTER)
        existing = Deposit.objects.filter(project=project, idempotency_key=key).first()
        if existing is not None:
            transaction.set_rollback(True)  # give the number back
    if existing is not None:
        if (existing.kind, existing.amount, existing.house_id) != (kind, value, house.pk if house else None):
            raise DomainError("deposit_key_reused", _("该提交标识已用于另一笔押金"), field="idempotency_key", rule="FEE-9")
        return existing
    return Deposit.objects.create(
        project=project,
        number=number,
        kind=kind,
        house=house,
        payer_name=payer_name[:50],
        amount=value,
        taken_on=taken_on,
        method=method,
        reference=reference.strip()[:64],
        purpose=purpose.strip()[:200],
        idempotency_key=key,
        taken_by=by,
    )


def deposit_status(deposit: Deposit) -> str:
    """held / requested / refunded, from the deposit's live refund (if any)."""
    live = [r for r in deposit.refunds.all() if r.status != RefundStatus.REJECTED]
    if not live:
        return DepositStatus.HELD
    return DepositStatus.REFUNDED if live[0].status == RefundStatus.APPROVED else DepositStatus.REFUND_REQUESTED


@dataclass(frozen=True)
class Deduction:
    """A deduction asked for: kind, reason, amount (for FEES the amount is the house's
    settlement figure, worked out by the service)."""

    kind: str
    reason: str = ""
    amount: Number = ZERO


def owed_for_refund(deposit: Deposit, on_date: dt.date) -> Decimal:
    """What the house must pay to be settled as of `on_date` (FEE-9): its open lines with
    their live late fees, plus any credit it owes back; zero without a house."""
    if deposit.house_id is None:
        return ZERO
    state = settlement(deposit.house, as_of=on_date)
    return money(state.total + max(ZERO, -state.credit))


def _lock_deposit(deposit: Deposit) -> Deposit:
    return Deposit.objects.select_for_update(of=("self",)).select_related("house", "project").get(pk=deposit.pk)


def _check_settled(deposit: Deposit, fees: Decimal, on_date: dt.date) -> None:
    """FEE-9: a decoration, key or IC-card deposit of a house is refunded only with the
    house settled as of the refund date, or with the owed amount deducted in full."""
    if deposit.kind not in SETTLEMENT_GATED or deposit.house_id is None:
        if fees:
            owed = owed_for_refund(deposit, on_date)
            if fees != owed:
                raise DomainError(
                    "refund_fees_mismatch",
                    _("抵扣欠费金额须等于该房屋截至 %(day)s 的欠费 %(owed)s") % {"day": f"{on_date:%Y-%m-%d}", "owed": owed},
                    field="deductions",
                    rule="FEE-9",
                )
        return
    owed = owed_for_refund(deposit, on_date)
    if owed != fees:
        raise DomainError(
            "refund_house_not_settled",
            _("房屋截至 %(day)s 未结清费用 %(owed)s 元：须先缴清，或从押金中全额抵扣欠费（FEE-9）")
            % {"day": f"{on_date:%Y-%m-%d}", "owed": owed},
            field="deductions",
            rule="FEE-9",
        )


@transaction.atomic
def refund_request(
    *,
    deposit: Deposit,
    by,
    deductions: list[Deduction] = (),
    method: str = PaymentMethod.CASH,
    note: str = "",
    on_date: dt.date | None = None,
) -> DepositRefund:
    """Ask for a deposit's refund with itemised deductions (FEE-9/DEC-8). FEE_COLLECT.
    Fines and other charges need a reason and a positive amount; a FEES deduction takes the
    house's owed amount as of `on_date` (today). The net refund may not be negative."""
    scoping.require(by, Cap.FEE_COLLECT, deposit.project_id)
    deposit = _lock_deposit(deposit)
    if deposit.refunds.exclude(status=RefundStatus.REJECTED).exists():
        raise DomainError("refund_exists", _("该押金已申请退还或已退还"), rule="FEE-9")
    _method(method)
    card = getattr(deposit, "ic_card", None) if deposit.kind == DepositKind.IC_CARD else None  # parking's card, if any
    if card is not None and card.status == "issued":
        raise DomainError("refund_card_in_use", _("IC卡仍在使用：请先退卡或挂失，再退还押金"), rule="FEE-10")
    today = timezone.localdate()
    on_date = on_date or today
    if on_date > today or on_date < deposit.taken_on:
        raise DomainError("refund_date_invalid", _("退还日期须在收取日期之后且不晚于今天"), field="on_date", rule="FEE-9")
    rows: list[tuple[str, str, Decimal]] = []
    fees = ZERO
    for item in deductions:
        if item.kind not in DeductionKind.values:
            raise DomainError("deduction_kind_invalid", _("扣款类型无效"), field="deductions", rule="FEE-9")
        if item.kind == DeductionKind.FEES:
            if fees:
                raise DomainError("deduction_fees_twice", _("欠缴费用只能抵扣一次"), field="deductions", rule="FEE-9")
            if deposit.house_id is None:
                raise DomainError(
                    "deduction_fees_no_house", _("该押金未关联房屋，不能抵扣欠费"), field="deductions", rule="FEE-9"
                )
            fees = owed_for_refund(deposit, on_date)
            if fees <= 0:
                raise DomainError("deduction_fees_none", _("该房屋没有欠费，无需抵扣"), field="deductions", rule="FEE-9")
            reason = item.reason.strip() or _("抵扣截至 %(day)s 的欠缴费用") % {"day": f"{on_date:%Y-%m-%d}"}
            rows.append((item.kind, reason, fees))
            continue
        if not item.reason.strip():
            raise DomainError("deduction_reason_required", _("扣款须填写原因"), field="deductions", rule="FEE-9")
        value = _amount(item.amount, "deductions", "FEE-9")
        if value <= 0:
            raise DomainError("deduction_amount_not_positive", _("扣款金额须大于零"), field="deductions", rule="FEE-9")
        rows.append((item.kind, item.reason.strip()[:200], value))
    _check_settled(deposit, fees, on_date)
    total = money_sum(value for _kind, _reason, value in rows)
    net = deposit.amount - total
    if net < 0:
        raise DomainError(
            "refund_net_negative",
            _("扣款合计 %(total)s 超过押金 %(amount)s，实退金额不能为负") % {"total": total, "amount": deposit.amount},
            field="deductions",
            rule="FEE-9",
        )
    refund = DepositRefund.objects.create(
        project_id=deposit.project_id,
        deposit=deposit,
        deductions_total=total,
        net_amount=net,
        method=method,
        note=note.strip()[:200],
        requested_by=by,
        requested_on=on_date,
    )
    DepositDeduction.objects.bulk_create(
        DepositDeduction(project_id=deposit.project_id, refund=refund, kind=kind, reason=reason, amount=value)
        for kind, reason, value in rows
    )
    return refund


def _lock_refund(refund: DepositRefund) -> DepositRefund:
    refund = DepositRefund.objects.select_for_update().get(pk=refund.pk)
    if refund.status != RefundStatus.REQUESTED:
        raise DomainError("refund_decided", _("该退还申请已审批"), rule="FEE-9")
    return refund


@transaction.atomic
def refund_approve(*, refund: DepositRefund, approver) -> DepositRefund:
    """Approve a refund (FEE_APPROVE, not the requester) and record it as paid out today.
    The unpaid-fees deduction is paid to the house's open lines through billing's
    `payment_take` (method: see DEPOSIT_OFFSET_METHOD); FEE-9 is checked again as of today,
    so a late fee that grew since the request refuses the approval."""
    scoping.require(approver, Cap.FEE_APPROVE, refund.project_id)
    check_approver(approver, refund.project_id, rule="FEE-9", not_user=None)
    if approver.pk == refund.requested_by_id:
        raise DomainError("approver_is_requester", _("审批人不能是退还申请人"), field="approver", rule="FEE-9")
    deposit = _lock_deposit(refund.deposit)
    refund = _lock_refund(refund)
    today = timezone.localdate()
    fees = money_sum(d.amount for d in refund.deductions.all() if d.kind == DeductionKind.FEES)
    _check_settled(deposit, fees, today)
    if fees > 0:
        house = deposit.house
        state = settlement(house, as_of=today)
        refund.fee_payment = payment_take(
            house=house,
            by=approver,
            method=DEPOSIT_OFFSET_METHOD,
            amount=fees,
            lines=[s.line for s in state.lines],
            idempotency_key=f"deposit-refund-{refund.pk}",
            payer_name=deposit.payer_name,
            reference=f"{DEPOSIT_OFFSET_REFERENCE} {deposit.receipt_number}",
            received_on=today,
        )
        if not settlement(house, as_of=today).settled:  # the ledger must agree (FEE-9)
            raise DomainError("refund_house_not_settled", _("抵扣后房屋仍未结清，请刷新后重试"), rule="FEE-9")
    refund.status = RefundStatus.APPROVED
    refund.decided_by = approver
    refund.decided_at = timezone.now()
    refund.refunded_on = today
    refund.number = next_value(project_id=refund.project_id, key=REFUND_COUNTER)
    refund.save(update_fields=["status", "decided_by", "decided_at", "refunded_on", "number", "fee_payment"])
    return refund


@transaction.atomic
def refund_reject(*, refund: DepositRefund, approver, reason: str) -> DepositRefund:
    """Reject a refund request with a reason (FEE_APPROVE); the deposit is held again."""
    scoping.require(approver, Cap.FEE_APPROVE, refund.project_id)
    if not reason.strip():
        raise DomainError("refund_reject_reason", _("驳回须填写原因"), field="reason", rule="FEE-9")
    refund = _lock_refund(refund)
    refund.status = RefundStatus.REJECTED
    refund.decided_by = approver
    refund.decided_at = timezone.now()
    refund.rejection_reason = reason.strip()[:200]
    refund.save(update_fields=["status", "decided_by", "decided_at", "rejection_reason"])
    return refund


@transaction.atomic
def deposit_print(*, deposit: Deposit, by) -> DepositPrint:
    """Record one printing of the 押金收据: the next copy number (1 = the original)."""
    scoping.require(by, Cap.FEE_VIEW, deposit.project_id)
    for _attempt in range(3):
        last = DepositPrint.objects.filter(deposit=deposit).aggregate(n=Max("copy"))["n"] or 0
        try:
            with transaction.atomic():
                return DepositPrint.objects.create(
                    project_id=deposit.project_id, deposit=deposit, copy=last + 1, printed_by=by, printed_at=timezone.now()
                )
        except IntegrityError:
            continue
    raise RuntimeError("deposit print copy number contended")
