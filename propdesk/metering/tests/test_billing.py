"""FEE-1 metered items and FEE-2: the monthly run bills the month's confirmed readings —
usage × multiplier priced by `metered_amount` (tiers) — once, holds back held ones and
lists missing ones, in the run and in its preview."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from propdesk.billing.choices import LineSource
from propdesk.billing.models import BillLine, FeeRate
from propdesk.billing.rates import metered_amount
from propdesk.billing.run import billing_run, billing_run_preview
from propdesk.core.errors import DomainError
from propdesk.metering import services

from .conftest import read_month


def _run(world, month: int):
    return billing_run(project=world.project_a, month=dt.date(2026, month, 1), by=world.users[("cashier", "a")])


def _metered(house, month: int):
    return {
        line.item.code: line
        for line in BillLine.objects.filter(house=house, period=dt.date(2026, month, 1), item__kind="metered")
    }


def test_fee1_metered_line_is_usage_times_multiplier_at_the_rate(world, metering):
    meter = metering.water_meter
    meter.multiplier = Decimal("2")
    meter.save()
    read_month(metering, world.assistant, 6, {meter: "112.25", metering.power_meter: "1150"})
    _run(world, 6)
    lines = _metered(world.house_a, 6)
    water, power = lines["water"], lines["power"]
    assert (water.quantity, water.unit_price, water.amount) == (Decimal("24.50"), Decimal("4.10"), Decimal("100.45"))
    assert water.description == "水费 2026年6月 24.5吨" and water.source == LineSource.RUN
    # 150 度: 100 × 0.60 + 50 × 0.90 = 105.00 (tiers); the line shows the average price
    assert (power.quantity, power.amount, power.unit_price) == (Decimal("150.00"), Decimal("105.00"), Decimal("0.70"))


def test_fee2_running_twice_never_bills_a_reading_twice(world, metering):
    read_month(metering, world.assistant, 6, {metering.water_meter: "110", metering.power_meter: "1010"})
    first = _run(world, 6)
    second = _run(world, 6)
    assert first.lines_created >= 2 and second.lines_created == 0
    assert BillLine.objects.filter(house=world.house_a, item__kind="metered").count() == 2


def test_fee2_a_held_reading_is_not_billed_and_is_reported_in_the_preview(world, metering):
    read_month(metering, world.assistant, 5, {metering.water_meter: "150", metering.power_meter: "1010"})
    _run(world, 5)
    _r, readings = read_month(metering, world.assistant, 6, {metering.water_meter: "140", metering.power_meter: "1020"})
    preview = billing_run_preview(project=world.project_a, month=dt.date(2026, 6, 1), by=world.users[("cashier", "a")])
    assert preview.held_readings == [("water", world.house_a.code)]
    assert preview.skipped["held_reading"] == 1 and "water" not in preview.by_item and preview.by_item["power"]["lines"] == 1
    _run(world, 6)
    assert set(_metered(world.house_a, 6)) == {"power"}
    # confirmed later as a rollover: the next run of the month adds the line, once
    meter = metering.water_meter
    meter.digits = 3
    meter.save()
    services.reading_confirm(reading=readings[meter], by=world.supervisor, rollover=True)
    assert _run(world, 6).lines_created == 1
    assert _metered(world.house_a, 6)["water"].quantity == Decimal("990.00")  # 1000 − 150 + 140
    assert _run(world, 6).lines_created == 0


def test_fee2_a_meter_without_a_reading_is_listed_missing(world, metering):
    read_month(metering, world.assistant, 6, {metering.power_meter: "1010"})
    preview = billing_run_preview(project=world.project_a, month=dt.date(2026, 6, 1), by=world.users[("cashier", "a")])
    assert preview.missing_readings == [("water", world.house_a.code)]
    _run(world, 6)
    assert set(_metered(world.house_a, 6)) == {"power"}


def test_fee2_a_reading_once_billed_is_not_corrected(world, metering):
    reading_round, _ = read_month(metering, world.assistant, 6, {metering.water_meter: "110", metering.power_meter: "1010"})
    _run(world, 6)
    try:
        services.reading_record(reading_round=reading_round, meter=metering.water_meter, value="111", by=world.assistant)
    except DomainError as refused:
        assert refused.code == "reading_billed"
    else:
        raise AssertionError("a billed reading was corrected")


def test_fee1_a_month_with_a_replacement_bills_both_meters_use(world, metering, clock):
    read_month(metering, world.assistant, 4, {metering.water_meter: "150", metering.power_meter: "1010"})
    clock.set(2026, 5, 10)
    new = services.meter_replace(meter=metering.water_meter, final_reading="154", serial="W-NEW", by=world.supervisor)
    clock.set(2026, 7, 1)
    read_month(metering, world.assistant, 5, {new: "6", metering.power_meter: "1020"})
    _run(world, 5)
    assert _metered(world.house_a, 5)["water"].quantity == Decimal("10.00")  # 4 + 6


def test_fee1_common_meters_are_not_billed_to_a_house(world, metering):
    common = services.meter_create(
        project=world.project_a, building=metering.building, kind="water", serial="C-W", name="3栋公共用水", by=world.supervisor
    )
    read_month(metering, world.assistant, 6, {common: "50", metering.water_meter: "110", metering.power_meter: "1010"})
    run = _run(world, 6)
    assert BillLine.objects.filter(period=dt.date(2026, 6, 1), item__kind="metered").count() == 2
    assert run.status == "done"


def test_billing_refuses_a_held_reading(world, metering):
    read_month(metering, world.assistant, 4, {metering.water_meter: "150"})
    _r, readings = read_month(metering, world.assistant, 5, {metering.water_meter: "140"})
    try:
        services.billing_quantity(readings[metering.water_meter])
    except DomainError as refused:
        assert refused.rule == "FEE-2"
    else:
        raise AssertionError("a held reading was billable")


# -- tiers against a hand formula ----------------------------------------------------------------

_quantities = st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False, allow_infinity=False)
_prices = st.decimals(min_value=0, max_value=50, places=2, allow_nan=False, allow_infinity=False)


def _by_hand(used: Decimal, tiers: list[tuple[Decimal | None, Decimal]]) -> Decimal:
    """Σ over tiers of price × the part of the use between the tier's floor and ceiling."""
    total, floor = Decimal(0), Decimal(0)
    for ceiling, price in tiers:
        top = used if ceiling is None else min(used, ceiling)
        total += max(Decimal(0), top - floor) * price
        if ceiling is not None:
            floor = ceiling
    return total.quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")


@settings(max_examples=200, deadline=None)
@given(
    used=_quantities,
    limits=st.lists(st.decimals(min_value=1, max_value=5000, places=2), min_size=0, max_size=3, unique=True),
    prices=st.lists(_prices, min_size=4, max_size=4),
)
def test_fee1_tiered_amount_matches_the_hand_formula(used, limits, prices):
    limits = sorted(limits)
    tiers = [(limit, prices[i]) for i, limit in enumerate(limits)] + [(None, prices[len(limits)])]
    rate = FeeRate(
        unit_price=prices[0],
        tiers=[{"up_to": None if c is None else str(c), "unit_price": str(p)} for c, p in tiers] if limits else [],
    )
    assert metered_amount(rate, used) == _by_hand(used, tiers)
