"""FEE-1: fee items per project; rates set per project and usage, changed only by a new
effective-dated row with its approval reference; the history kept; tiers for metered
items."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.http import Http404

from propdesk.billing import rates
from propdesk.billing.choices import FeeKind
from propdesk.billing.models import FeeRate
from propdesk.core.errors import DomainError
from propdesk.estate.choices import Usage

from .conftest import bill_month


def add_rate(item, by, price, day, usage=Usage.RESIDENTIAL, **kwargs):
    return rates.fee_rate_add(
        item=item, usage=usage, unit_price=price, effective_from=day, approval_ref="价批〔2026〕1号", by=by, **kwargs
    )


def test_fee1_a_rate_change_is_a_new_row_and_the_history_stays(fees, staff):
    new = add_rate(fees.management, staff.manager, "2.30", dt.date(2026, 9, 1), notice_ref="公示 2026-07")
    assert rates.rate_for(fees.management, Usage.RESIDENTIAL, dt.date(2026, 8, 31)) == fees.management_rate
    assert rates.rate_for(fees.management, Usage.RESIDENTIAL, dt.date(2026, 9, 1)) == new
    history = FeeRate.objects.filter(item=fees.management, usage=Usage.RESIDENTIAL).order_by("effective_from")
    assert [(r.unit_price, r.approval_ref) for r in history] == [
        (Decimal("2.00"), "价批〔2025〕8号"),
        (Decimal("2.30"), "价批〔2026〕1号"),
    ]
    assert rates.rate_for(fees.management, Usage.RESIDENTIAL, dt.date(2025, 12, 31)) is None


def test_fee1_a_rate_row_is_never_edited(fees):
    rate = fees.management_rate
    rate.unit_price = Decimal("9.99")
    with pytest.raises(DomainError) as error:
        rate.save()
    assert error.value.code == "ledger_immutable"
    with pytest.raises(DomainError):
        FeeRate.objects.filter(pk=rate.pk).update(unit_price=Decimal("9.99"))
    assert FeeRate.objects.get(pk=rate.pk).unit_price == Decimal("2.00")


def test_fee1_rates_by_usage_with_a_rate_for_every_other_usage(fees, staff):
    day = dt.date(2026, 6, 1)
    assert rates.rate_for(fees.management, Usage.SHOP, day).unit_price == Decimal("3.50")
    assert rates.rate_for(fees.management, Usage.OFFICE, day) is None
    add_rate(fees.management, staff.manager, "1.80", dt.date(2026, 2, 1), usage="")
    assert rates.rate_for(fees.management, Usage.OFFICE, day).unit_price == Decimal("1.80")
    assert rates.rate_for(fees.management, Usage.RESIDENTIAL, day).unit_price == Decimal("2.00")


def test_fee1_a_correction_on_the_same_day_is_a_newer_row_that_wins(fees, staff):
    add_rate(fees.management, staff.manager, "2.50", dt.date(2026, 10, 1))
    fixed = add_rate(fees.management, staff.manager, "2.40", dt.date(2026, 10, 1))
    assert rates.rate_for(fees.management, Usage.RESIDENTIAL, dt.date(2026, 10, 1)) == fixed
    assert FeeRate.objects.filter(item=fees.management, effective_from=dt.date(2026, 10, 1)).count() == 2


def test_fee1_a_rate_needs_its_approval_reference(fees, staff):
    with pytest.raises(DomainError) as error:
        rates.fee_rate_add(
            item=fees.management, unit_price="2.5", effective_from=dt.date(2026, 9, 1), approval_ref=" ", by=staff.manager
        )
    assert (error.value.code, error.value.field, error.value.rule) == ("fee_rate_approval_required", "approval_ref", "FEE-1")
    assert "批准文号" in error.value.message


def test_fee1_a_billed_month_keeps_its_rate(world, fees, occupied, staff):
    bill_month(world, staff, 2026, 6)
    with pytest.raises(DomainError) as error:
        add_rate(fees.management, staff.manager, "2.50", dt.date(2026, 6, 15))
    assert (error.value.code, error.value.rule) == ("fee_rate_retroactive", "FEE-1")
    add_rate(fees.management, staff.manager, "2.50", dt.date(2026, 7, 1))  # the next month is fine


def test_fee1_prices_are_money_and_never_negative(fees, staff):
    rate = add_rate(fees.management, staff.manager, "2.005", dt.date(2026, 9, 1))
    assert rate.unit_price == Decimal("2.01")
    with pytest.raises(DomainError):
        add_rate(fees.management, staff.manager, "-1", dt.date(2026, 9, 1))
    with pytest.raises(DomainError):
        add_rate(fees.management, staff.manager, "abc", dt.date(2026, 9, 1))


def test_fee1_item_codes_are_unique_per_project(world, fees, staff):
    with pytest.raises(DomainError) as error:
        rates.fee_item_create(project=world.project_a, code="wyf", name="重复", kind=FeeKind.AREA, by=staff.manager)
    assert error.value.code == "fee_item_code_taken"
    other = rates.fee_item_create(project=world.project_b, code="wyf", name="物业管理费", kind=FeeKind.AREA, by=staff.admin)
    assert other.is_management_fee and other.late_fee_applies


def test_fee1_item_defaults_by_kind(world, staff):
    deposit = rates.fee_item_create(project=world.project_a, code="yj", name="装修押金", kind=FeeKind.DEPOSIT, by=staff.manager)
    assert (deposit.is_management_fee, deposit.late_fee_applies) == (False, False)
    with pytest.raises(DomainError) as error:
        rates.fee_item_create(project=world.project_a, code="sf", name="水费", kind=FeeKind.METERED, by=staff.manager)
    assert error.value.code == "fee_item_unit_required"


def test_fee1_metered_items_may_have_tiers(world, staff):
    water = rates.fee_item_create(
        project=world.project_a, code="sf", name="水费", kind=FeeKind.METERED, unit="吨", by=staff.manager
    )
    tiers = [{"up_to": "10", "unit_price": "3.00"}, {"up_to": "20", "unit_price": "4.00"}, {"up_to": None, "unit_price": "5.5"}]
    rate = add_rate(water, staff.manager, "3.00", dt.date(2026, 1, 1), tiers=tiers)
    assert rate.tiers[2] == {"up_to": None, "unit_price": "5.50"}
    assert rates.metered_amount(rate, "8") == Decimal("24.00")
    assert rates.metered_amount(rate, "10") == Decimal("30.00")
    assert rates.metered_amount(rate, "12.5") == Decimal("40.00")  # 30 + 2.5 × 4
    assert rates.metered_amount(rate, "25") == Decimal("97.50")  # 30 + 40 + 5 × 5.50
    flat = add_rate(water, staff.manager, "3.45", dt.date(2026, 2, 1))
    assert rates.metered_amount(flat, "7.3") == Decimal("25.19")  # 25.185 → half-up


@pytest.mark.parametrize(
    "tiers",
    [
        [{"up_to": "10", "unit_price": "3"}],  # the last tier must be open-ended
        [{"up_to": None, "unit_price": "3"}, {"up_to": "10", "unit_price": "4"}],
        [{"up_to": "10", "unit_price": "3"}, {"up_to": "5", "unit_price": "4"}, {"up_to": None, "unit_price": "5"}],
        [{"up_to": "x", "unit_price": "3"}, {"up_to": None, "unit_price": "4"}],
        [{"up_to": None}],
    ],
)
def test_fee1_tiers_must_rise_and_end_open(world, staff, tiers):
    water = rates.fee_item_create(
        project=world.project_a, code="sf", name="水费", kind=FeeKind.METERED, unit="吨", by=staff.manager
    )
    with pytest.raises(DomainError) as error:
        add_rate(water, staff.manager, "3.00", dt.date(2026, 1, 1), tiers=tiers)
    assert error.value.code == "fee_rate_tiers_invalid"


def test_fee1_tiers_only_for_metered_items(fees, staff):
    with pytest.raises(DomainError) as error:
        add_rate(fees.management, staff.manager, "2", dt.date(2026, 9, 1), tiers=[{"up_to": None, "unit_price": "2"}])
    assert error.value.code == "fee_rate_tiers_metered_only"


@pytest.mark.parametrize("role", ["cashier", "supervisor", "assistant", "head_office"])
def test_fee1_only_pms_and_admins_configure_fees(world, fees, role):
    user = world.users[(role, "*" if role == "head_office" else "a")]
    with pytest.raises(Http404):
        rates.fee_item_create(project=world.project_a, code="x", name="x", kind=FeeKind.FIXED, by=user)
    with pytest.raises(Http404):
        add_rate(fees.management, user, "9", dt.date(2026, 9, 1))
    with pytest.raises(Http404):
        rates.billing_policy_set(project=world.project_a, by=user, due_day=15)


def test_fee1_a_pm_configures_only_their_own_project(world, fees):
    with pytest.raises(Http404):
        rates.fee_item_create(project=world.project_b, code="x", name="x", kind=FeeKind.FIXED, by=world.users[("manager", "a")])
