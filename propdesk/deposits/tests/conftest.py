"""Fixtures of the deposit tests: billing's clock (from 2026-07-01 09:00, Shanghai) and
fee items, house A lived in, and helpers to take a deposit."""

from __future__ import annotations

import itertools

from propdesk.billing.tests import conftest as billing
from propdesk.deposits.choices import DepositKind
from propdesk.deposits.services import deposit_take

_keys = itertools.count(1)
# billing's fixtures, shared, not copied: the clock, fee items, staff, house A lived in
clock, fees, staff, occupied = billing.clock, billing.fees, billing.staff, billing.occupied


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
