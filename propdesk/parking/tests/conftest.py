"""Fixtures of the parking tests: billing's clock (from 2026-07-01 09:00, Shanghai),
project A's fee items with the parking rent item, rented spaces, and the staff."""

from __future__ import annotations

import pytest

from propdesk.billing import rates
from propdesk.billing.choices import FeeKind
from propdesk.billing.tests.conftest import Clock, make_fees
from propdesk.estate.choices import HouseStatus, ParkingKind
from propdesk.estate.models import ParkingSpace
from propdesk.estate.services import house_change_status


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def staff(world):
    class Staff:
        cashier = world.users[("cashier", "a")]
        cashier_b = world.users[("cashier", "b")]
        manager = world.users[("manager", "a")]
        supervisor = world.supervisor
        guard = world.users[("guard", "a")]
        admin = world.users[("admin", "*")]

    return Staff


def parking_item(world, project):
    admin = world.users[("admin", "*")]
    item = rates.fee_item_create(project=project, code="cwzj", name="车位租金", kind=FeeKind.PARKING, by=admin)
    rates.fee_rate_add(item=item, unit_price="100.00", effective_from=project.created_at.date(), approval_ref="价批", by=admin)
    return item


@pytest.fixture
def fees(world):
    fees = make_fees(world)
    fees.parking = parking_item(world, world.project_a)
    return fees


@pytest.fixture
def occupied(world, staff):
    house_change_status(house=world.house_a, to_status=HouseStatus.OWNER_OCCUPIED, reason="业主入住", by=staff.admin)
    world.house_a.refresh_from_db()
    return world.house_a


def space(project, code="B1-A0001", kind=ParkingKind.RENTED):
    return ParkingSpace.objects.create(project=project, code=code, zone="地下一层A区", kind=kind)
