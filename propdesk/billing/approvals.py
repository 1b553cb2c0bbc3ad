"""Approval requests (审批申请) for the corrections that need a second person (FEE-3,
FEE-4, FEE-5): a waiver or reduction of a line, of a line's late fee, the reversal of a
payment, the extension of a bill's due date for a technical issue.

One person records the request (`approval_request`); a different person holding
FEE_APPROVE decides it in their own session from the 待审批 queue (`approval_decide`).
On approval the existing service runs inside the same transaction — `line_waive`,
`late_fee_waive`, `payment_reverse` or `bill_due_extend` — with the requester as the one
recording it and the decider as the approver, so its rules (the amount still open, the
payment not reversed, the approver not the payment's cashier…) are checked again on the
ledger as it is then; when one fails nothing is written and the request stays pending.
The requester may never decide their own request. Every request and decision is kept.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.accounts.roles import ROLE_CAPS, Cap
from propdesk.billing import adjustments
from propdesk.billing.choices import ApprovalKind, ApprovalStatus
from propdesk.billing.models import ApprovalRequest, Bill, BillDispute, BillLine, Payment, PaymentReversal
from propdesk.billing.payments import check_approver, payment_reverse
from propdesk.billing.selectors import line_states
from propdesk.core import scoping
from propdesk.core.errors import DomainError
from propdesk.core.money import ZERO, Number, money

RULES = {
    ApprovalKind.LINE_WAIVER: "FEE-3",
    ApprovalKind.LATE_FEE_WAIVER: "FEE-3",
    ApprovalKind.REVERSAL: "FEE-5",
    ApprovalKind.EXTENSION: "FEE-4",
}


def _amount(value: Number | None) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return money(value)
    except (ValueError, TypeError, ArithmeticError):
        raise DomainError("amount_invalid", _("金额无效"), field="amount") from None


def _line_open(line: BillLine, today: dt.date) -> tuple[Decimal, Decimal]:
    """(open amount of the line, open late fee of the line — charged and live)."""
    states = line_states(line.house_id, as_of=today)
    own = next((s for s in states if s.line.pk == line.pk), None)
    if own is None:
        raise DomainError("line_not_found", _("账目不存在"), field="line")
    fees = sum((s.open for s in states if s.line.late_fee_of_id == line.pk), ZERO) + own.late_fee
    return own.open, money(fees)


def _check_amount(value: Decimal | None, limit: Decimal, *, late_fee: bool) -> None:
    if limit <= 0:
        message = _("该账目没有未缴违约金") if late_fee else _("该账目已结清，无可减免金额")
        raise DomainError("waiver_nothing_open", message, field="line", rule="FEE-3")
    if value is not None and (value <= 0 or value > limit):
        raise DomainError(
            "waiver_amount_invalid",
            _("减免金额须大于零且不超过 %(open)s") % {"open": limit},
            field="amount",
            rule="FEE-3",
        )


def _pending_for(project_id: int, kind: str, key: str, value: int) -> bool:
    return ApprovalRequest.objects.filter(
        project_id=project_id, kind=kind, status=ApprovalStatus.PENDING, **{f"payload__{key}": value}
    ).exists()


def _approver_roles() -> list[str]:
    return [role for role, caps in ROLE_CAPS.items() if Cap.FEE_APPROVE in caps]


def _notify_approvers(approval: ApprovalRequest) -> None:
    from propdesk.notifications.selectors import staff_with_role
    from propdesk.notifications.services import notify

    recipients = staff_with_role(approval.project_id, _approver_roles()).exclude(pk=approval.requested_by_id)
    notify(
        recipients=recipients,
        kind="billing.approval_requested",
        title=_("待审批：%(kind)s %(summary)s") % {"kind": approval.get_kind_display(), "summary": approval.summary},
        body=_("申请人 %(who)s：%(reason)s") % {"who": approval.requested_by, "reason": approval.reason},
        link=reverse("billing:approval", args=[approval.pk]),
        project=approval.project,
        dedupe_key=f"billing-approval:{approval.pk}:requested",
    )


@transaction.atomic
def approval_request(
    *,
    kind: str,
    by,
    reason: str,
    line: BillLine | None = None,
    payment: Payment | None = None,
    bill: Bill | None = None,
    amount: Number | None = None,
    to_date: dt.date | None = None,
    dispute: BillDispute | None = None,
) -> ApprovalRequest:
    """Record a request for approval and notify the project's approvers.

    - `line_waiver` (FEE-3): waive all (`amount` None) or part of what is open on `line`;
    - `late_fee_waiver` (FEE-3): waive all or part of `line`'s late fee;
    - `reversal` (FEE-5): reverse `payment`;
    - `extension` (FEE-4): move `bill`'s due date to `to_date` (optionally for `dispute`).

    The requester holds FEE_COLLECT in the project. What can be checked now is checked now
    (the amount open, a payment not yet reversed, a later date, no other pending request
    for the same thing); everything is checked again when it is approved."""
    if kind not in ApprovalKind.values:
        raise DomainError("approval_kind_invalid", _("申请类型无效"), field="kind")
    rule = RULES[kind]
    target = {ApprovalKind.REVERSAL: payment, ApprovalKind.EXTENSION: bill}.get(kind, line)
    if target is None:
        field = {ApprovalKind.REVERSAL: "payment", ApprovalKind.EXTENSION: "bill"}.get(kind, "line")
        raise DomainError("approval_target_required", _("请选择申请的对象"), field=field, rule=rule)
    scoping.require(by, Cap.FEE_COLLECT, target.project_id)
    reason = (reason or "").strip()
    if not reason:
        raise DomainError("approval_reason_required", _("请填写申请原因"), field="reason", rule=rule)
    today = timezone.localdate()
    value = _amount(amount)
    house = target.house
    if kind in (ApprovalKind.LINE_WAIVER, ApprovalKind.LATE_FEE_WAIVER):
        late_fee = kind == ApprovalKind.LATE_FEE_WAIVER
        if late_fee and line.is_late_fee:
            raise DomainError("waiver_not_principal", _("请选择产生违约金的账目"), field="line", rule=rule)
        open_amount, open_fees = _line_open(line, today)
        _check_amount(value, open_fees if late_fee else open_amount, late_fee=late_fee)
        payload = {"line": line.pk, "amount": None if value is None else str(value)}
        what = _("违约金") if late_fee else _("账目")
        shown = str(value) if value is not None else _("全部")
        summary = f"{house.code} {line.description} {line.period:%Y-%m} {what} {_('减免')} {shown}"
        key, key_value = "line", line.pk
    elif kind == ApprovalKind.REVERSAL:
        if PaymentReversal.objects.filter(payment=payment).exists():
            raise DomainError("payment_already_reversed", _("该笔收款已冲正"), field="payment", rule=rule)
        payload = {"payment": payment.pk}
        summary = f"{house.code} {_('收据')} {payment.receipt_number} {payment.amount}"
        key, key_value = "payment", payment.pk
    else:
        if to_date is None:
            raise DomainError("extension_date_required", _("请填写新的缴费截止日"), field="to_date", rule=rule)
        if dispute is not None and dispute.bill_id != bill.pk:
            raise DomainError("extension_dispute_bill", _("异议不属于该账单"), field="dispute", rule=rule)
        current = adjustments._effective_due(bill)
        if to_date <= current:
            raise DomainError(
                "extension_not_later",
                _("新的截止日须晚于 %(day)s") % {"day": f"{current:%Y-%m-%d}"},
                field="to_date",
                rule=rule,
            )
        payload = {"bill": bill.pk, "to_date": f"{to_date:%Y-%m-%d}", "dispute": dispute.pk if dispute else None}
        summary = f"{house.code} {bill.period:%Y-%m} {current:%Y-%m-%d} → {to_date:%Y-%m-%d}"
        key, key_value = "bill", bill.pk
    if _pending_for(target.project_id, kind, key, key_value):
        raise DomainError("approval_already_pending", _("已有同一事项的申请在等待审批"), field=key, rule=rule)
    approval = ApprovalRequest.objects.create(
        project_id=target.project_id,
        kind=kind,
        house=house,
        payload=payload,
        summary=summary[:200],
        reason=reason[:200],
        requested_by=by,
        requested_at=timezone.now(),
    )
    _notify_approvers(approval)
    return approval


def _execute(approval: ApprovalRequest, approver) -> dict:
    """Run the operation the request asks for; the rows it wrote, by id."""
    data = approval.payload
    requester = approval.requested_by
    if approval.kind in (ApprovalKind.LINE_WAIVER, ApprovalKind.LATE_FEE_WAIVER):
        line = BillLine.objects.get(pk=data["line"], project_id=approval.project_id)
        if approval.kind == ApprovalKind.LINE_WAIVER:
            entry = adjustments.line_waive(
                line=line, reason=approval.reason, by=requester, approver=approver, amount=data.get("amount")
            )
            return {"entries": [entry.pk], "amount": str(entry.amount)}
        entries = adjustments.late_fee_waive(
            line=line, reason=approval.reason, by=requester, approver=approver, amount=data.get("amount")
        )
        return {"entries": [e.pk for e in entries], "amount": str(money(sum((e.amount for e in entries), ZERO)))}
    if approval.kind == ApprovalKind.REVERSAL:
        payment = Payment.objects.get(pk=data["payment"], project_id=approval.project_id)
        reversal = payment_reverse(payment=payment, reason=approval.reason, by=requester, approver=approver)
        return {"reversal": reversal.pk}
    bill = Bill.objects.get(pk=data["bill"], project_id=approval.project_id)
    dispute = BillDispute.objects.get(pk=data["dispute"], bill=bill) if data.get("dispute") else None
    extension = adjustments.bill_due_extend(
        bill=bill, to_date=dt.date.fromisoformat(data["to_date"]), reason=approval.reason, by=approver, dispute=dispute
    )
    return {"extension": extension.pk, "to_date": data["to_date"]}


def check_decider(approval: ApprovalRequest, by) -> None:
    """The decider holds FEE_APPROVE in the project and is not the requester."""
    rule = RULES[approval.kind]
    if by.pk == approval.requested_by_id:
        raise DomainError("approval_own_request", _("申请人不能审批自己的申请"), field="approver", rule=rule)
    check_approver(by, approval.project_id, rule=rule)


@transaction.atomic
def approval_decide(*, approval: ApprovalRequest, approve: bool, by, note: str = "") -> ApprovalRequest:
    """Approve or reject a pending request (FEE_APPROVE; never one's own). Approving runs
    the operation in this transaction; when one of its rules says no, nothing is written
    and the request stays pending. Rejecting needs a note. The requester is notified."""
    scoping.require(by, Cap.FEE_APPROVE, approval.project_id)
    approval = ApprovalRequest.objects.select_for_update().select_related("requested_by", "project").get(pk=approval.pk)
    rule = RULES[approval.kind]
    if approval.status != ApprovalStatus.PENDING:
        raise DomainError("approval_decided", _("该申请已审批"), rule=rule)
    check_decider(approval, by)
    note = (note or "").strip()
    if not approve and not note:
        raise DomainError("approval_note_required", _("驳回须填写审批意见"), field="note", rule=rule)
    if approve:
        approval.result = _execute(approval, by)
    approval.status = ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED
    approval.decided_by = by
    approval.decided_at = timezone.now()
    approval.decision_note = note[:200]
    approval.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "result"])

    from propdesk.notifications.services import notify

    notify(
        recipients=[approval.requested_by],
        kind="billing.approval_decided",
        title=_("%(status)s：%(kind)s %(summary)s")
        % {"status": approval.get_status_display(), "kind": approval.get_kind_display(), "summary": approval.summary},
        body=note,
        link=reverse("billing:approval", args=[approval.pk]),
        project=approval.project,
        dedupe_key=f"billing-approval:{approval.pk}:decided",
    )
    return approval
