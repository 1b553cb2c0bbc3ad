"""Fixtures of the metering tests: the billing tests' clock (2026-07-01 09:00, Shanghai),
project A's metered fee items — water 4.10/吨 flat, electricity in tiers (0–100 度 at
0.60, above at 0.90) — and a water and an electricity meter on house A."""

from __future__ import annotations

import datetime as dt

import pytest

from propdesk.billing import rates
from propdesk.billing.choices import FeeKind
from propdesk.billing.tests.conftest import Clock
from propdesk.estate.choices import HouseStatus
from propdesk.estate.services import house_change_status
from propdesk.metering import services
from propdesk.metering.choices import MeterKind


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    return Clock(monkeypatch)


class Setup:
    pass


def make_metering(world, project=None, house=None) -> Setup:
    project = project or world.project_a
    house = house or (world.house_a if project == world.project_a else world.house_b)
    admin = world.users[("admin", "*")]
    s = Setup()
    s.project, s.house, s.admin = project, house, admin
    s.water = rates.fee_item_create(project=project, code="water", name="水费", kind=FeeKind.METERED, unit="吨", by=admin)
    s.power = rates.fee_item_create(project=project, code="power", name="电费", kind=FeeKind.METERED, unit="度", by=admin)
    start = dt.date(2026, 1, 1)
    rates.fee_rate_add(item=s.water, unit_price="4.10", effective_from=start, approval_ref="水价〔2025〕1号", by=admin)
    rates.fee_rate_add(
        item=s.power,
        unit_price="0.60",
        tiers=[{"up_to": "100", "unit_price": "0.60"}, {"up_to": None, "unit_price": "0.90"}],
        effective_from=start,
        approval_ref="电价〔2025〕2号",
        by=admin,
    )
    s.water_meter = services.meter_create(
        project=project,
        house=house,
        kind=MeterKind.WATER,
        item=s.water,
        serial=f"W-{house.code}",
        initial_reading="100.00",
        installed_on=start,
        by=admin,
    )
    s.power_meter = services.meter_create(
        project=project,
        house=house,
        kind=MeterKind.ELECTRICITY,
        item=s.power,
        serial=f"E-{house.code}",
        initial_reading="1000.00",
        installed_on=start,
        by=admin,
    )
    s.building = house.building
    return s


@pytest.fixture
def metering(world):
    house_change_status(house=world.house_a, to_status=HouseStatus.OWNER_OCCUPIED, reason="业主入住", by=world.supervisor)
    world.house_a.refresh_from_db()
    return make_metering(world)


def read_month(s: Setup, by, month: int, values: dict, *, year: int = 2026, day: int = 28):
    """Open the month's round of the house's building and enter {meter: value}."""
    reading_round = services.round_create(project=s.project, buildings=[s.building], month=dt.date(year, month, 1), by=by)
    readings = {
        meter: services.reading_record(
            reading_round=reading_round, meter=meter, value=value, by=by, read_on=dt.date(year, month, day)
        )
        for meter, value in values.items()
    }
    return reading_round, readings
