"""Readings and their anomalies (FEE-1 metered items, MOV-6): usage from the last
reading, the three anomaly rules holding a reading until a supervisor confirms it,
replacements, corrections that supersede, rounds."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.http import Http404

from propdesk.core.errors import DomainError
from propdesk.estate.choices import HouseStatus
from propdesk.estate.services import house_change_status
from propdesk.metering import services
from propdesk.metering.choices import ReadingPurpose, ReadingStatus
from propdesk.metering.models import Reading

from .conftest import read_month


def test_fee1_usage_is_the_value_less_the_last_reading(world, metering):
    _r, first = read_month(metering, world.assistant, 4, {metering.water_meter: "110.50"})
    assert first[metering.water_meter].usage == Decimal("10.50")  # from the initial reading 100.00
    _r, second = read_month(metering, world.assistant, 5, {metering.water_meter: "121"})
    reading = second[metering.water_meter]
    assert (reading.previous_value, reading.usage, reading.status) == (
        Decimal("110.50"),
        Decimal("10.50"),
        ReadingStatus.CONFIRMED,
    )
    assert reading.flags == []


def test_fee1_a_reading_lower_than_the_last_is_held(world, metering):
    read_month(metering, world.assistant, 4, {metering.water_meter: "150"})
    _r, readings = read_month(metering, world.assistant, 5, {metering.water_meter: "140"})
    reading = readings[metering.water_meter]
    assert reading.status == ReadingStatus.HELD and reading.flag_lower
    assert "低于上次读数" in reading.anomaly
    with pytest.raises(DomainError) as refused:
        services.billing_quantity(reading)
    assert refused.value.code == "reading_not_billable"


def test_fee1_a_lower_reading_is_confirmed_only_as_a_rollover(world, metering):
    meter = metering.water_meter
    meter.digits = 3  # the dial runs to 999
    meter.save()
    read_month(metering, world.assistant, 4, {meter: "990"})
    _r, readings = read_month(metering, world.assistant, 5, {meter: "12"})
    reading = readings[meter]
    with pytest.raises(DomainError) as refused:
        services.reading_confirm(reading=reading, by=world.supervisor)
    assert refused.value.code == "reading_lower_needs_rollover"
    confirmed = services.reading_confirm(reading=reading, by=world.supervisor, rollover=True, note="表盘归零")
    assert (confirmed.status, confirmed.usage, confirmed.confirmed_by) == (
        ReadingStatus.CONFIRMED,
        Decimal("22"),
        world.supervisor,
    )
    assert services.billing_quantity(confirmed) == Decimal("22")  # 1000 − 990 + 12


def test_fee1_usage_more_than_3x_the_mean_of_the_last_3_is_held(world, metering):
    meter = metering.water_meter
    value = Decimal(100)
    for month, used in ((2, 40), (3, 10), (4, 10), (5, 10)):  # the last three average 10
        value += used
        read_month(metering, world.assistant, month, {meter: value})
    _r, readings = read_month(metering, world.assistant, 6, {meter: value + 31})
    assert readings[meter].flag_spike and readings[meter].status == ReadingStatus.HELD
    assert "3 倍" in readings[meter].anomaly


def test_fee1_exactly_3x_the_usual_is_not_an_anomaly(world, metering):
    meter = metering.water_meter
    read_month(metering, world.assistant, 4, {meter: "110"})
    _r, readings = read_month(metering, world.assistant, 5, {meter: "140"})  # 30 = 3 × 10
    assert readings[meter].status == ReadingStatus.CONFIRMED and not readings[meter].flag_spike


def test_fee1_a_meter_without_history_is_not_flagged_for_its_usage(world, metering):
    _r, readings = read_month(metering, world.assistant, 4, {metering.water_meter: "999"})
    assert readings[metering.water_meter].status == ReadingStatus.CONFIRMED


def test_fee1_the_usual_usage_counts_only_confirmed_readings(world, metering):
    meter = metering.water_meter
    read_month(metering, world.assistant, 3, {meter: "110"})  # 10, confirmed
    _r, held = read_month(metering, world.assistant, 4, {meter: "200"})  # 90 > 30: held
    assert held[meter].status == ReadingStatus.HELD
    _r, readings = read_month(metering, world.assistant, 5, {meter: "231"})  # 31 > 3 × 10 (the held 90 not counted)
    assert readings[meter].flag_spike


def test_mov6_water_above_5_units_in_custody_is_held(world, metering):
    read_month(metering, world.assistant, 4, {metering.water_meter: "110", metering.power_meter: "1100"})
    house_change_status(house=world.house_a, to_status=HouseStatus.CUSTODY, reason="业主出国，委托托管", by=world.supervisor)
    _r, readings = read_month(metering, world.assistant, 5, {metering.water_meter: "116", metering.power_meter: "1120"})
    water, power = readings[metering.water_meter], readings[metering.power_meter]
    assert water.flag_custody and water.status == ReadingStatus.HELD and "MOV-6" in water.anomaly  # 6 > 5
    assert not power.flag_custody and power.status == ReadingStatus.CONFIRMED  # 20 is not above 20


def test_mov6_electricity_above_20_units_in_custody_is_held(world, metering):
    read_month(metering, world.assistant, 4, {metering.power_meter: "1100"})
    house_change_status(house=world.house_a, to_status=HouseStatus.CUSTODY, reason="托管", by=world.supervisor)
    _r, readings = read_month(metering, world.assistant, 5, {metering.power_meter: "1120.01"})
    assert readings[metering.power_meter].flag_custody


def test_mov6_custody_use_counts_from_the_start_readings(world, metering, clock):
    """MOV-6: meter readings at the start; the limit is on the whole custody, so two
    months of 3 units each (6 in all since the start) are an anomaly."""
    read_month(metering, world.assistant, 3, {metering.water_meter: "110"})
    clock.set(2026, 4, 2)
    started = services.house_custody_start(
        house=world.house_a, reason="托管协议 2026-04", values={metering.water_meter.pk: "111"}, by=world.assistant
    )
    assert [(r.purpose, r.value) for r in started] == [(ReadingPurpose.CUSTODY_START, Decimal("111"))]
    world.house_a.refresh_from_db()
    assert world.house_a.status == HouseStatus.CUSTODY
    clock.set(2026, 7, 1)
    _r, april = read_month(metering, world.assistant, 4, {metering.water_meter: "114"})
    assert april[metering.water_meter].status == ReadingStatus.CONFIRMED  # 3 since the start
    assert april[metering.water_meter].usage == Decimal("4")  # billed from the last round reading, not the start
    _r, may = read_month(metering, world.assistant, 5, {metering.water_meter: "117"})
    assert may[metering.water_meter].flag_custody  # 6 since the start


def test_mov6_a_custody_start_reading_below_the_last_is_refused(world, metering):
    read_month(metering, world.assistant, 4, {metering.water_meter: "110"})
    with pytest.raises(DomainError) as refused:
        services.custody_start_record(house=world.house_a, values={metering.water_meter.pk: "109"}, by=world.assistant)
    assert refused.value.rule == "MOV-6"


def test_mov6_a_house_not_in_custody_is_not_held_for_small_use(world, metering):
    read_month(metering, world.assistant, 4, {metering.water_meter: "110"})
    _r, readings = read_month(metering, world.assistant, 5, {metering.water_meter: "118"})
    assert readings[metering.water_meter].status == ReadingStatus.CONFIRMED


def test_a_supervisor_rejects_a_held_reading_and_a_new_one_supersedes_it(world, metering):
    read_month(metering, world.assistant, 4, {metering.water_meter: "150"})
    reading_round, readings = read_month(metering, world.assistant, 5, {metering.water_meter: "105"})
    held = readings[metering.water_meter]
    with pytest.raises(DomainError):
        services.reading_reject(reading=held, by=world.supervisor, note="  ")
    services.reading_reject(reading=held, by=world.supervisor, note="抄错")
    again = services.reading_record(reading_round=reading_round, meter=metering.water_meter, value="160", by=world.assistant)
    assert again.supersedes_id == held.pk and again.usage == Decimal("10") and again.status == ReadingStatus.CONFIRMED
    held.refresh_from_db()
    assert (held.current, held.status) == (False, ReadingStatus.REJECTED)


def test_an_assistant_cannot_confirm_an_anomaly(world, metering):
    read_month(metering, world.assistant, 4, {metering.water_meter: "150"})
    _r, readings = read_month(metering, world.assistant, 5, {metering.water_meter: "140"})
    with pytest.raises(Http404):
        services.reading_confirm(reading=readings[metering.water_meter], by=world.assistant, rollover=True)


def test_a_correction_supersedes_and_keeps_the_history(world, metering):
    reading_round, readings = read_month(metering, world.assistant, 5, {metering.water_meter: "112"})
    same = services.reading_record(reading_round=reading_round, meter=metering.water_meter, value="112.00", by=world.assistant)
    assert same.pk == readings[metering.water_meter].pk  # the same value again: nothing new
    corrected = services.reading_record(reading_round=reading_round, meter=metering.water_meter, value="113", by=world.assistant)
    rows = Reading.objects.filter(meter=metering.water_meter).order_by("id")
    assert [(r.value, r.current) for r in rows] == [(Decimal("112"), False), (Decimal("113"), True)]
    assert corrected.supersedes_id == rows[0].pk


def test_only_the_latest_reading_of_a_meter_is_corrected(world, metering):
    april, _ = read_month(metering, world.assistant, 4, {metering.water_meter: "110"})
    read_month(metering, world.assistant, 5, {metering.water_meter: "120"})
    with pytest.raises(DomainError) as refused:
        services.reading_record(reading_round=april, meter=metering.water_meter, value="111", by=world.assistant)
    assert refused.value.code == "reading_not_last"


def test_readings_are_refused_in_a_closed_round_and_close_waits_for_held_ones(world, metering):
    read_month(metering, world.assistant, 4, {metering.water_meter: "150"})
    reading_round, readings = read_month(metering, world.assistant, 5, {metering.water_meter: "140"})
    with pytest.raises(DomainError) as refused:
        services.round_close(reading_round=reading_round, by=world.assistant)
    assert refused.value.code == "reading_round_has_held"
    services.reading_reject(reading=readings[metering.water_meter], by=world.supervisor, note="抄错")
    services.round_close(reading_round=reading_round, by=world.assistant)
    with pytest.raises(DomainError) as closed:
        services.reading_record(reading_round=reading_round, meter=metering.power_meter, value="1010", by=world.assistant)
    assert closed.value.code == "reading_round_closed"


def test_a_building_is_read_once_a_month(world, metering):
    services.round_create(project=world.project_a, buildings=[metering.building], month=dt.date(2026, 6, 1), by=world.assistant)
    with pytest.raises(DomainError) as refused:
        services.round_create(
            project=world.project_a, buildings=[metering.building], month=dt.date(2026, 6, 15), by=world.assistant
        )
    assert refused.value.code == "reading_round_overlap"


def test_a_round_of_a_future_month_or_another_projects_building_is_refused(world, metering):
    with pytest.raises(DomainError):
        services.round_create(
            project=world.project_a, buildings=[metering.building], month=dt.date(2026, 8, 1), by=world.assistant
        )
    with pytest.raises(DomainError):
        services.round_create(
            project=world.project_a, buildings=[world.house_b.building], month=dt.date(2026, 6, 1), by=world.assistant
        )


def test_a_negative_or_malformed_value_is_refused(world, metering):
    reading_round, _ = read_month(metering, world.assistant, 5, {})
    for value, code in (("-1", "value_negative"), ("abc", "value_invalid"), ("1.234", "value_invalid")):
        with pytest.raises(DomainError) as refused:
            services.reading_record(reading_round=reading_round, meter=metering.water_meter, value=value, by=world.assistant)
        assert refused.value.code == code


# -- Replacement -------------------------------------------------------------------------------


def test_fee1_a_replacement_never_makes_a_negative_usage(world, metering):
    read_month(metering, world.assistant, 4, {metering.water_meter: "150"})
    with pytest.raises(DomainError) as refused:
        services.meter_replace(meter=metering.water_meter, final_reading="149", serial="W-NEW", by=world.supervisor)
    assert refused.value.code == "meter_final_below_last"


def test_fee1_a_replacement_carries_the_old_meters_use_into_the_new_one(world, metering, clock):
    read_month(metering, world.assistant, 4, {metering.water_meter: "150"})
    clock.set(2026, 5, 10)
    new = services.meter_replace(
        meter=metering.water_meter, final_reading="154", serial="W-NEW", initial_reading="0", by=world.supervisor
    )
    metering.water_meter.refresh_from_db()
    assert metering.water_meter.replaced_on == dt.date(2026, 5, 10) and new.replaces_id == metering.water_meter.pk
    assert new.carry_over == Decimal("4")
    clock.set(2026, 7, 1)
    reading_round, readings = read_month(metering, world.assistant, 5, {new: "6"})
    assert readings[new].usage == Decimal("10")  # 4 on the old meter + 6 on the new
    assert readings[new].status == ReadingStatus.CONFIRMED  # compared with the new meter's initial reading
    with pytest.raises(DomainError) as replaced:
        services.reading_record(reading_round=reading_round, meter=metering.water_meter, value="155", by=world.assistant)
    assert replaced.value.code == "reading_meter_not_in_round"
    with pytest.raises(DomainError):
        services.meter_replace(meter=metering.water_meter, final_reading="160", serial="W-3", by=world.supervisor)


def test_a_house_meter_needs_a_metered_fee_item(world, metering):
    with pytest.raises(DomainError) as refused:
        services.meter_create(project=world.project_a, house=world.house_a, kind="water", serial="X1", by=world.supervisor)
    assert refused.value.rule == "FEE-1"
    common = services.meter_create(
        project=world.project_a,
        building=metering.building,
        kind="electricity",
        serial="C-1",
        name="3栋公共照明",
        by=world.supervisor,
    )
    assert common.is_common
