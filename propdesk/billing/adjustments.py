"""Charges outside the monthly run, and the corrections a bill may get — each a new row,
never an edit (design idea 4):

- `charge_add`: a one-off charge (garbage removal, a paid service or repair) on a bill of
  its own;
- `line_waive` / `late_fee_waive`: a waiver or reduction (减免), a credit entry with a
  reason and an approver holding FEE_APPROVE (FEE-3);
- `bill_dispute_raise` / `bill_dispute_resolve`: a customer's dispute, accepted until 5
  days before the due date; it does not postpone payment (FEE-4);
- `bill_due_extend`: an approved extension for a technical issue moves that bill's due
  date (FEE-4), so its late fee runs from the new date.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.accounts.roles import Cap
from propdesk.billing.choices import BillKind, DisputeStatus, EntryKind, FeeKind, LineSource, Payer
from propdesk.billing.ledger import charge_late_fee, lock_house
from propdesk.billing.models import Bill, BillDispute, BillLine, DueDateExtension, Entry, FeeItem
from propdesk.billing.payments import check_approver
from propdesk.billing.run import due_date_for
from propdesk.billing.selectors import line_states
from propdesk.core import scoping
from propdesk.core.errors import DomainError
from propdesk.core.money import Number, money, quantity
from propdesk.estate.models import House

DISPUTE_DAYS_BEFORE_DUE = 5  # FEE-4


def _state_of(line: BillLine, on_date: dt.date):
    for state in line_states(line.house_id, as_of=max(on_date, timezone.localdate()), late_fee_on=on_date):
        if state.line.pk == line.pk:
            return state
    raise DomainError("line_not_found", _("账目不存在"), field="line")


@transaction.atomic
def charge_add(
    *,
    house: House,
    item: FeeItem,
    by,
    unit_price: Number,
    qty: Number = 1,
    description: str = "",
    due_date: dt.date | None = None,
    payer: str = Payer.OWNER,
    on_date: dt.date | None = None,
) -> BillLine:
    """A one-off charge on a bill of its own: qty × unit price, rounded once. Due by
    `due_date` (default: the project's due day of next month, as monthly bills, FEE-2)."""
    scoping.require(by, Cap.FEE_BILL, house.project_id)
    return charge_create(
        house=house,
        item=item,
        by=by,
        unit_price=unit_price,
        qty=qty,
        description=description,
        due_date=due_date,
        payer=payer,
        on_date=on_date,
    )


def charge_create(
    *,
    house: House,
    item: FeeItem,
    by,
    unit_price: Number,
    qty: Number = 1,
    description: str = "",
    due_date: dt.date | None = None,
    payer: str = Payer.OWNER,
    on_date: dt.date | None = None,
) -> BillLine:
    """`charge_add` without its FEE_BILL check, for a billing service that has checked its
    own permission (a paid work order the customer accepted, REP-4: ticket_charges)."""
    if item.project_id != house.project_id:
        raise DomainError("charge_item_project", _("收费项目不属于该房屋所在项目"), field="item", rule="FEE-1")
    if item.kind == FeeKind.DEPOSIT:
        raise DomainError("charge_deposit", _("押金须通过押金收取办理，不计入应收"), field="item", rule="FEE-1")
    if not item.active:
        raise DomainError("charge_item_inactive", _("该收费项目已停用"), field="item", rule="FEE-1")
    if payer not in Payer.values:
        raise DomainError("charge_payer_invalid", _("付款方无效"), field="payer")
    try:
        q, price = quantity(qty), money(unit_price)
    except ValueError:  # a float is a programming error (TypeError), not bad input
        raise DomainError("charge_amount_invalid", _("数量或单价无效"), field="unit_price") from None
    amount = money(q * price)
    if amount <= 0:
        raise DomainError("charge_amount_not_positive", _("收费金额须大于零"), field="unit_price")
    on_date = on_date or timezone.localdate()
    period = on_date.replace(day=1)
    due_date = due_date or due_date_for(house.project, period)
    if due_date < on_date:
        raise DomainError("charge_due_before_issue", _("缴费截止日不能早于出账日期"), field="due_date", rule="FEE-2")
    bill = Bill.objects.create(
        project_id=house.project_id,
        house=house,
        period=period,
        kind=BillKind.ONE_OFF,
        payer=payer,
        due_date=due_date,
        issued_on=on_date,
        created_by=by,
    )
    return BillLine.objects.create(
        project_id=house.project_id,
        bill=bill,
        house=house,
        period=period,
        source=LineSource.MANUAL,
        item=item,
        description=(description.strip() or item.name)[:100],
        quantity=q,
        unit_price=price,
        amount=amount,
        charged_on=on_date,
        created_by=by,
    )


def _waive(*, line: BillLine, amount: Decimal, reason: str, by, approver, on_date: dt.date) -> Entry:
    return Entry.objects.create(
        project_id=line.project_id,
        house_id=line.house_id,
        line=line,
        kind=EntryKind.WAIVER,
        amount=amount,
        on_date=on_date,
        reason=reason,
        created_by=by,
        approved_by=approver,
    )


def _check_waiver(*, project_id: int, reason: str, by, approver) -> str:
    scoping.require(by, Cap.FEE_COLLECT, project_id)
    if not reason.strip():
        raise DomainError("waiver_reason_required", _("减免须填写原因"), field="reason", rule="FEE-3")
    check_approver(approver, project_id, rule="FEE-3")
    return reason.strip()


@transaction.atomic
def line_waive(
    *, line: BillLine, reason: str, by, approver, amount: Number | None = None, on_date: dt.date | None = None
) -> Entry:
    """Waive (减免) all or part of what is open on a line: a credit entry with the reason
    and the approver (FEE_APPROVE). Days already overdue keep the late fee they accrued
    on the larger amount; from the waiver on it runs on what remains."""
    reason = _check_waiver(project_id=line.project_id, reason=reason, by=by, approver=approver)
    lock_house(line.house_id)
    on_date = on_date or timezone.localdate()
    state = _state_of(line, on_date)
    value = state.open if amount is None else money(amount)
    if value <= 0 or value > state.open:
        raise DomainError(
            "waiver_amount_invalid",
            _("减免金额须大于零且不超过未缴金额 %(open)s") % {"open": state.open},
            field="amount",
            rule="FEE-3",
        )
    return _waive(line=line, amount=value, reason=reason, by=by, approver=approver, on_date=on_date)


@transaction.atomic
def late_fee_waive(
    *, line: BillLine, reason: str, by, approver, amount: Number | None = None, on_date: dt.date | None = None
) -> list[Entry]:
    """Waive all or part of a line's late fee (FEE-3): the live late fee is charged as its
    line first, then its open late-fee lines are waived, oldest first, up to `amount`
    (default all). Returns the waiver entries."""
    reason = _check_waiver(project_id=line.project_id, reason=reason, by=by, approver=approver)
    lock_house(line.house_id)
    on_date = on_date or timezone.localdate()
    state = _state_of(line, on_date)
    if state.is_late_fee:
        raise DomainError("waiver_not_principal", _("请选择产生违约金的账目"), field="line", rule="FEE-3")
    charge_late_fee(state, on_date=on_date, by=by)
    fee_states = [s for s in _all_states(line, on_date) if s.line.late_fee_of_id == line.pk and s.open > 0]
    open_fees = sum((s.open for s in fee_states), Decimal(0))
    value = open_fees if amount is None else money(amount)
    if value <= 0 or value > open_fees:
        raise DomainError(
            "waiver_amount_invalid",
            _("减免金额须大于零且不超过违约金 %(open)s") % {"open": open_fees},
            field="amount",
            rule="FEE-3",
        )
    entries = []
    for fee in fee_states:
        if value <= 0:
            break
        part = min(value, fee.open)
        entries.append(_waive(line=fee.line, amount=part, reason=reason, by=by, approver=approver, on_date=on_date))
        value -= part
    return entries


def _all_states(line: BillLine, on_date: dt.date):
    return line_states(line.house_id, as_of=max(on_date, timezone.localdate()), late_fee_on=on_date)


def _effective_due(bill: Bill) -> dt.date:
    latest = bill.extensions.order_by("-id").first()
    return latest.to_date if latest else bill.due_date


@transaction.atomic
def bill_dispute_raise(*, bill: Bill, reason: str, by, customer_name: str = "", on_date: dt.date | None = None) -> BillDispute:
    """Record a customer's dispute of a bill (FEE-4): accepted until 5 days before the due
    date. It does not postpone payment — the late fee runs as usual unless an extension
    is approved (`bill_due_extend`)."""
    scoping.require(by, Cap.FEE_VIEW, bill.project_id)
    scoping.require(by, Cap.TICKET_CREATE, bill.project_id)
    if not reason.strip():
        raise DomainError("dispute_reason_required", _("请填写异议内容"), field="reason", rule="FEE-4")
    on_date = on_date or timezone.localdate()
    last_day = _effective_due(bill) - dt.timedelta(days=DISPUTE_DAYS_BEFORE_DUE)
    if on_date > last_day:
        raise DomainError(
            "dispute_too_late",
            _("账单异议须在缴费截止日前 5 天（%(day)s）之前提出（FEE-4）") % {"day": f"{last_day:%Y-%m-%d}"},
            field="raised_on",
            rule="FEE-4",
        )
    return BillDispute.objects.create(
        project_id=bill.project_id,
        bill=bill,
        raised_on=on_date,
        customer_name=customer_name.strip(),
        reason=reason.strip(),
        recorded_by=by,
    )


@transaction.atomic
def bill_dispute_resolve(*, dispute: BillDispute, upheld: bool, resolution: str, by) -> BillDispute:
    """Close a dispute (FEE_APPROVE) with its outcome. Upholding it changes no amount by
    itself: the correction is a waiver or an extension, recorded with their own approval."""
    scoping.require(by, Cap.FEE_APPROVE, dispute.project_id)
    if not resolution.strip():
        raise DomainError("dispute_resolution_required", _("请填写处理结果"), field="resolution", rule="FEE-4")
    dispute = BillDispute.objects.select_for_update().get(pk=dispute.pk)
    if dispute.status != DisputeStatus.OPEN:
        raise DomainError("dispute_closed", _("该异议已处理"), rule="FEE-4")
    dispute.status = DisputeStatus.UPHELD if upheld else DisputeStatus.REJECTED
    dispute.resolution = resolution.strip()
    dispute.resolved_by = by
    dispute.resolved_at = timezone.now()
    dispute.save(update_fields=["status", "resolution", "resolved_by", "resolved_at"])
    return dispute


@transaction.atomic
def bill_due_extend(
    *,
    bill: Bill,
    to_date: dt.date,
    reason: str,
    by,
    dispute: BillDispute | None = None,
    on_date: dt.date | None = None,
) -> DueDateExtension:
    """An approved extension for a technical issue (FEE-4): the bill's due date moves to
    `to_date`, later than the one in force; the earlier dates stay as history. `by`
    approves it (FEE_APPROVE)."""
    scoping.require(by, Cap.FEE_APPROVE, bill.project_id)
    if not reason.strip():
        raise DomainError("extension_reason_required", _("延期须填写原因"), field="reason", rule="FEE-4")
    if dispute is not None and dispute.bill_id != bill.pk:
        raise DomainError("extension_dispute_bill", _("异议不属于该账单"), field="dispute", rule="FEE-4")
    lock_house(bill.house_id)
    current = _effective_due(bill)
    if to_date <= current:
        raise DomainError(
            "extension_not_later",
            _("新的截止日须晚于 %(day)s") % {"day": f"{current:%Y-%m-%d}"},
            field="to_date",
            rule="FEE-4",
        )
    return DueDateExtension.objects.create(
        project_id=bill.project_id,
        bill=bill,
        from_date=current,
        to_date=to_date,
        reason=reason.strip(),
        dispute=dispute,
        on_date=on_date or timezone.localdate(),
        approved_by=by,
    )
