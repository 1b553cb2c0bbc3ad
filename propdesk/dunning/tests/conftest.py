"""Fixtures of the dunning tests: the billing tests' clock (2026-07-01 09:00 Shanghai at
the start), a management fee of 2.00/m² a month in both projects from 2023, both houses
lived in by their owners, and helpers to bill months and pay."""

from __future__ import annotations

import datetime as dt

import pytest

from propdesk.billing import rates
from propdesk.billing.choices import FeeKind
from propdesk.billing.run import billing_run
from propdesk.billing.tests import conftest as billing
from propdesk.billing.tests.conftest import pay  # noqa: F401  (re-exported for the tests)
from propdesk.estate.choices import HouseStatus
from propdesk.estate.services import house_change_status

# billing's fixtures, shared, not copied: the clock under the test's control, the staff
clock, staff = billing.clock, billing.staff


@pytest.fixture
def fees(world, staff):
    """物业管理费 2.00/m² a month from 2023-01-01 in both projects; both houses occupied."""
    for project, house in ((world.project_a, world.house_a), (world.project_b, world.house_b)):
        item = rates.fee_item_create(project=project, code="wyf", name="物业管理费", kind=FeeKind.AREA, by=staff.admin)
        rates.fee_rate_add(item=item, unit_price="2.00", effective_from=dt.date(2023, 1, 1), approval_ref="价批", by=staff.admin)
        house_change_status(house=house, to_status=HouseStatus.OWNER_OCCUPIED, reason="业主入住", by=staff.admin)
    return world


def bill(world, staff, *months: tuple[int, int], project=None) -> None:
    for year, month in months:
        for p in [project] if project else [world.project_a, world.project_b]:
            billing_run(project=p, month=dt.date(year, month, 1), by=staff.admin)


@pytest.fixture
def owing(world, fees, staff, clock):
    """Both houses billed January–June 2026 and unpaid; today 2026-07-01. House A (98.50
    m²) owes 197.00 a month: January–May (985.00) are overdue, June falls due on July 10th."""
    bill(world, staff, *[(2026, m) for m in range(1, 7)])
    return world
