"""Fixtures of the deposit tests: billing's clock (from 2026-07-01 09:00, Shanghai) and
fee items, house A lived in, and helpers to take a deposit."""

from __future__ import annotations

import itertools

import pytest

from propdesk.billing.tests.conftest import Clock, make_fees
from propdesk.deposits.choices import DepositKind
from propdesk.deposits.services import deposit_take
from propdesk.estate.choices import HouseStatus
from propdesk.estate.services import house_change_status

_keys = itertools.count(1)


@pytest.fixture(autouse=True)
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def fees(world):
    return make_fees(world)


@pytest.fixture
def staff(world):
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
    house_change_status(house=world.house_a, to_status=HouseStatus.OWNER_OCCUPIED, reason="业主入住", by=staff.admin)
    world.house_a.refresh_from_db()
    return world.house_a


def take(house, by, *, kind=DepositKind.DECORATION, amount="2000.00", project=None, key=None, **kwargs):
    return deposit_take(
        project=project or house.project,
        house=house,
        by=by,
        kind=kind,
        amount=amount,
        payer_name=kwargs.pop("payer_name", "张三"),
        method=kwargs.pop("method", "cash"),
        idempotency_key=key or f"d-{next(_keys)}",
        **kwargs,
    )
