"""Fee items, effective-dated rates (FEE-1) and the billing policy (FEE-2, FEE-8).

A rate is never edited: a change is a new FeeRate row from its own date, with the
approval reference (FEE-1: rates may change after notice and approval; history kept).
`rate_for` answers which row was in force on a day.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from propdesk.accounts.roles import Cap
from propdesk.billing.choices import LATE_FEE_KINDS, FeeKind, LineSource, Treatment
from propdesk.billing.models import BillingPolicy, BillLine, FeeItem, FeeRate
from propdesk.core import scoping
from propdesk.core.errors import DomainError
from propdesk.core.money import ZERO, Number, money, quantity
from propdesk.estate.choices import Usage
from propdesk.estate.models import Project


@transaction.atomic
def fee_item_create(
    *,
    project: Project,
    code: str,
    name: str,
    kind: str,
    by,
    unit: str = "",
    is_management_fee: bool | None = None,
    late_fee_applies: bool | None = None,
) -> FeeItem:
    """A fee item of the project (FEE-1). By default the per-m² item is the management
    fee (custody houses pay part of it, FEE-8) and monthly and metered items accrue late
    fees (FEE-3); one-off items and deposits do not."""
    scoping.require(by, Cap.FEE_CONFIGURE, project.pk)
    return fee_item_make(
        project=project,
        code=code,
        name=name,
        kind=kind,
        unit=unit,
        is_management_fee=is_management_fee,
        late_fee_applies=late_fee_applies,
    )


def fee_item_make(
    *,
    project: Project,
    code: str,
    name: str,
    kind: str,
    unit: str = "",
    is_management_fee: bool | None = None,
    late_fee_applies: bool | None = None,
) -> FeeItem:
    """`fee_item_create` without its FEE_CONFIGURE check, for a billing service that sets
    up the item it needs (the paid-repair item, REP-4: ticket_charges)."""
    code, name = code.strip(), name.strip()
    if kind not in FeeKind.values:
        raise DomainError("fee_item_kind_invalid", _("计费方式无效"), field="kind", rule="FEE-1")
    if not code:
        raise DomainError("fee_item_code_required", _("请填写收费项目编码"), field="code", rule="FEE-1")
    if not name:
        raise DomainError("fee_item_name_required", _("请填写收费项目名称"), field="name", rule="FEE-1")
    if FeeItem.objects.filter(project=project, code=code).exists():
        raise DomainError("fee_item_code_taken", _("收费项目编码 %(code)s 已存在") % {"code": code}, field="code", rule="FEE-1")
    if kind == FeeKind.METERED and not unit.strip():
        raise DomainError("fee_item_unit_required", _("按表计量的收费项目须填写计量单位"), field="unit", rule="FEE-1")
    return FeeItem.objects.create(
        project=project,
        code=code,
        name=name,
        kind=kind,
        unit=unit.strip(),
        is_management_fee=(kind == FeeKind.AREA) if is_management_fee is None else is_management_fee,
        late_fee_applies=(kind in LATE_FEE_KINDS) if late_fee_applies is None else late_fee_applies,
    )


@transaction.atomic
def fee_item_set_active(*, item: FeeItem, active: bool, by) -> FeeItem:
    """Stop (or resume) billing an item; its rates and lines stay."""
    scoping.require(by, Cap.FEE_CONFIGURE, item.project_id)
    if item.active != active:
        item.active = active
        item.save(update_fields=["active"])
    return item


@transaction.atomic
def fee_item_update(
    *,
    item: FeeItem,
    by,
    name: str,
    unit: str = "",
    is_management_fee: bool,
    late_fee_applies: bool,
    active: bool,
) -> FeeItem:
    """Edit a fee item's name, unit and flags (FEE-1). Its code and pricing kind stay:
    lines already billed name them. Its rates are changed only by a new rate."""
    scoping.require(by, Cap.FEE_CONFIGURE, item.project_id)
    name = name.strip()
    if not name:
        raise DomainError("fee_item_name_required", _("请填写收费项目名称"), field="name", rule="FEE-1")
    if item.kind == FeeKind.METERED and not unit.strip():
        raise DomainError("fee_item_unit_required", _("按表计量的收费项目须填写计量单位"), field="unit", rule="FEE-1")
    item = FeeItem.objects.select_for_update().get(pk=item.pk)
    item.name, item.unit = name, unit.strip()
    item.is_management_fee, item.late_fee_applies, item.active = is_management_fee, late_fee_applies, active
    item.save(update_fields=["name", "unit", "is_management_fee", "late_fee_applies", "active"])
    return item


def _clean_tiers(tiers: list[dict] | None) -> list[dict]:
    """Tiers as stored: ascending `up_to` (a quantity, the last one None = no limit),
    each with its unit price; amounts as strings, exact."""
    if not tiers:
        return []
    cleaned, last = [], ZERO
    for index, tier in enumerate(tiers):
        up_to = tier.get("up_to")
        try:
            price = money(tier["unit_price"])
            limit = None if up_to is None else quantity(up_to)
        except (KeyError, TypeError, ValueError):
            raise DomainError("fee_rate_tiers_invalid", _("阶梯价格式有误"), field="tiers", rule="FEE-1") from None
        is_last = index == len(tiers) - 1
        if price < 0 or (limit is None) != is_last or (limit is not None and limit <= last):
            raise DomainError(
                "fee_rate_tiers_invalid",
                _("阶梯价须按用量上限从小到大排列，最后一档不设上限"),
                field="tiers",
                rule="FEE-1",
            )
        cleaned.append({"up_to": None if limit is None else str(limit), "unit_price": str(price)})
        last = limit if limit is not None else last
    return cleaned


@transaction.atomic
def fee_rate_add(
    *,
    item: FeeItem,
    unit_price: Number,
    effective_from: dt.date,
    approval_ref: str,
    by,
    usage: str = "",
    tiers: list[dict] | None = None,
    notice_ref: str = "",
) -> FeeRate:
    """A new rate of `item` from `effective_from` on (FEE-1): a new row, the earlier ones
    kept. Needs the approval reference; refused for a month already billed with this item
    (a billed month keeps the rate it was billed at — correct it with an adjustment)."""
    scoping.require(by, Cap.FEE_CONFIGURE, item.project_id)
    if usage and usage not in Usage.values:
        raise DomainError("fee_rate_usage_invalid", _("房屋用途无效"), field="usage", rule="FEE-1")
    if not approval_ref.strip():
        raise DomainError(
            "fee_rate_approval_required", _("调整收费标准须填写批准文号（FEE-1）"), field="approval_ref", rule="FEE-1"
        )
    try:
        price = money(unit_price)
    except ValueError:  # a float is a programming error (TypeError), not bad input
        raise DomainError("fee_rate_price_invalid", _("单价无效"), field="unit_price", rule="FEE-1") from None
    if price < 0:
        raise DomainError("fee_rate_price_invalid", _("单价不能为负数"), field="unit_price", rule="FEE-1")
    cleaned_tiers = _clean_tiers(tiers)
    if cleaned_tiers and item.kind != FeeKind.METERED:
        raise DomainError("fee_rate_tiers_metered_only", _("只有按表计量的项目可设阶梯价"), field="tiers", rule="FEE-1")
    billed = BillLine.objects.filter(item=item, source=LineSource.RUN, period__gte=effective_from.replace(day=1))
    if billed.exists():
        raise DomainError(
            "fee_rate_retroactive",
            _("%(month)s 起的账期已按原标准出账，新标准不能追溯生效（FEE-1）") % {"month": f"{effective_from:%Y-%m}"},
            field="effective_from",
            rule="FEE-1",
        )
    return FeeRate.objects.create(
        project_id=item.project_id,
        item=item,
        usage=usage,
        effective_from=effective_from,
        unit_price=price,
        tiers=cleaned_tiers,
        approval_ref=approval_ref.strip(),
        notice_ref=notice_ref.strip(),
        created_by=by,
    )


def rate_for(item: FeeItem, usage: str, on_date: dt.date) -> FeeRate | None:
    """The rate of `item` in force on `on_date` for a house of `usage`: the latest row from
    that date or before, for that usage, else for every usage; None when there is none."""
    rates = FeeRate.objects.filter(item=item, usage__in=[usage, ""], effective_from__lte=on_date)
    by_usage = {rate.usage: rate for rate in rates.order_by("effective_from", "id")}
    return by_usage.get(usage) or by_usage.get("")


class RateTable:
    """Every rate of a project's items in force on one day, read in one query (the run)."""

    def __init__(self, items: list[FeeItem], on_date: dt.date):
        self._rates: dict[tuple[int, str], FeeRate] = {}
        rows = FeeRate.objects.filter(item__in=items, effective_from__lte=on_date).order_by("effective_from", "id")
        for rate in rows:
            self._rates[(rate.item_id, rate.usage)] = rate

    def get(self, item_id: int, usage: str) -> FeeRate | None:
        return self._rates.get((item_id, usage)) or self._rates.get((item_id, ""))


def metered_amount(rate: FeeRate, used: Number) -> Decimal:
    """The charge for `used` units at `rate`: with tiers (阶梯), each tier's price on the
    part of the use inside it; rounded once, half-up."""
    qty = quantity(used)
    if not rate.tiers:
        return money(qty * money(rate.unit_price))
    total, floor = Decimal(0), Decimal(0)
    for tier in rate.tiers:
        ceiling = None if tier["up_to"] is None else Decimal(tier["up_to"])
        portion = (qty if ceiling is None else min(qty, ceiling)) - floor
        if portion > 0:
            total += portion * Decimal(tier["unit_price"])
        if ceiling is None or qty <= ceiling:
            break
        floor = ceiling
    return money(total)


# -- The billing policy -------------------------------------------------------------------


def billing_policy(project: Project) -> BillingPolicy:
    """The project's policy, or the defaults (unsaved) when it has none."""
    policy = BillingPolicy.objects.filter(project=project).first()
    return policy if policy is not None else BillingPolicy(project=project)


_POLICY_FIELDS = {
    "custody_percent",
    "unsold_treatment",
    "unsold_percent",
    "not_handed_over_treatment",
    "not_handed_over_percent",
    "due_day",
}


@transaction.atomic
def billing_policy_set(*, project: Project, by, **fields) -> BillingPolicy:
    """Change the project's billing policy (history kept by simple_history)."""
    scoping.require(by, Cap.FEE_CONFIGURE, project.pk)
    unknown = set(fields) - _POLICY_FIELDS
    if unknown:
        raise DomainError("billing_policy_field_unknown", _("不能在此修改：%(f)s") % {"f": ", ".join(sorted(unknown))})
    for name in ("unsold_treatment", "not_handed_over_treatment"):
        if name in fields and fields[name] not in Treatment.values:
            raise DomainError("billing_policy_treatment_invalid", _("出账方式无效"), field=name, rule="FEE-2")
    for name in ("custody_percent", "unsold_percent", "not_handed_over_percent"):
        if name in fields and not (isinstance(fields[name], int) and 0 <= fields[name] <= 100):
            raise DomainError("billing_policy_percent_invalid", _("收费比例须在 0 到 100 之间"), field=name, rule="FEE-8")
    if "due_day" in fields and not (isinstance(fields["due_day"], int) and 1 <= fields["due_day"] <= 28):
        raise DomainError("billing_policy_due_day_invalid", _("缴费截止日须在 1 到 28 日之间"), field="due_day", rule="FEE-2")
    policy = BillingPolicy.objects.select_for_update().filter(project=project).first() or BillingPolicy(project=project)
    for name, value in fields.items():
        setattr(policy, name, value)
    policy._history_user = by
    policy.save()
    return policy
