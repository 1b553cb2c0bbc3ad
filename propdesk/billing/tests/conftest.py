"""Fixtures of the billing tests: a clock under the test's control, project A's fee items
and rates (management fee 2.00/m² for homes, 3.50 for shops; a fixed 10.00 a month), the
cashier, PM and supervisor, and helpers to bill and pay."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from propdesk.billing import rates
from propdesk.billing.choices import FeeKind
from propdesk.billing.payments import payment_take
from propdesk.billing.run import billing_run
from propdesk.estate.choices import HouseStatus, Usage
from propdesk.estate.services import house_change_status, house_create

SHANGHAI = ZoneInfo("Asia/Shanghai")
_keys = itertools.count(1)


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


class Clock:
    """`timezone.now()` (and so `timezone.localdate()`) under the test's control."""

    def __init__(self, monkeypatch):
        self.now = at(2026, 7, 1)
        monkeypatch.setattr(timezone, "now", lambda: self.now)

    def set(self, year: int, month: int, day: int, hour: int = 9) -> dt.datetime:
        self.now = at(year, month, day, hour)
        return self.now

    def advance(self, **delta) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now

    @property
    def today(self) -> dt.date:
        return self.now.date()


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    """Every billing test runs on this clock (from 2026-07-01 09:00, Shanghai), set before
    any row is written."""
    return Clock(monkeypatch)


class Fees:
    pass


def make_fees(world, project=None) -> Fees:
    """Project A's (or `project`'s) monthly fee items and their rates from 2026-01-01."""
    project = project or world.project_a
    manager = world.users[("admin", "*")]
    fees = Fees()
    fees.management = rates.fee_item_create(project=project, code="wyf", name="物业管理费", kind=FeeKind.AREA, by=manager)
    fees.fixed = rates.fee_item_create(project=project, code="ggnh", name="公共能耗分摊", kind=FeeKind.FIXED, by=manager)
    fees.repair = rates.fee_item_create(project=project, code="wx", name="有偿维修", kind=FeeKind.ONE_OFF, by=manager)
    start = dt.date(2026, 1, 1)
    fees.management_rate = rates.fee_rate_add(
        item=fees.management,
        usage=Usage.RESIDENTIAL,
        unit_price="2.00",
        effective_from=start,
        approval_ref="价批〔2025〕8号",
        by=manager,
    )
    rates.fee_rate_add(
        item=fees.management,
        usage=Usage.SHOP,
        unit_price="3.50",
        effective_from=start,
        approval_ref="价批〔2025〕8号",
        by=manager,
    )
    rates.fee_rate_add(item=fees.fixed, unit_price="10.00", effective_from=start, approval_ref="业委会决议 2025-12", by=manager)
    return fees


@pytest.fixture
def fees(world):
    return make_fees(world)


@pytest.fixture
def staff(world):
    """The people of project A the tests act as."""

    class Staff:
        cashier = world.users[("cashier", "a")]
        cashier_b = world.users[("cashier", "b")]
        manager = world.users[("manager", "a")]
        supervisor = world.supervisor
        assistant = world.assistant
        admin = world.users[("admin", "*")]

    return Staff


@pytest.fixture
def occupied(world, staff):
    """House A is lived in by its owner (billed to the owner in full)."""
    house_change_status(house=world.house_a, to_status=HouseStatus.OWNER_OCCUPIED, reason="业主入住", by=staff.manager)
    world.house_a.refresh_from_db()
    return world.house_a


def add_house(world, room: str, *, status: str = HouseStatus.OWNER_OCCUPIED, area: str = "80.00", **kwargs):
    house = house_create(
        project=kwargs.pop("project", world.project_a),
        building_number=kwargs.pop("building", "5"),
        entrance_number="1",
        room=room,
        floor=int(room[:-2] or 1),
        area=Decimal(area),
        status=status,
        **kwargs,
    )
    return house


def bill_month(world, staff, year: int, month: int, **kwargs):
    return billing_run(project=world.project_a, month=dt.date(year, month, 1), by=staff.cashier, **kwargs)


def pay(house, by, amount, *, method="cash", key=None, **kwargs):
    return payment_take(house=house, by=by, method=method, amount=amount, idempotency_key=key or f"k-{next(_keys)}", **kwargs)
