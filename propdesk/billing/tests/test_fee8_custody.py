"""FEE-8 (and MOV-6): a house in custody (托管) pays 70% of the management fee; its other
fees in full. The share is the project's policy, 70 by default."""

from __future__ import annotations

from decimal import Decimal

from propdesk.billing import rates
from propdesk.billing.models import BillLine
from propdesk.estate.choices import HouseStatus

from .conftest import add_house, bill_month


def test_fee8_a_custody_house_pays_70_percent_of_the_management_fee(world, fees, staff):
    house = add_house(world, "201", status=HouseStatus.CUSTODY, area="98.50")
    bill_month(world, staff, 2026, 6)
    management = BillLine.objects.get(house=house, item=fees.management)
    assert (management.percent, management.amount) == (70, Decimal("137.90"))  # 98.50 × 2.00 × 70% = 137.90
    assert management.description == "物业管理费 2026年6月（托管 70%）"
    fixed = BillLine.objects.get(house=house, item=fees.fixed)
    assert (fixed.percent, fixed.amount) == (100, Decimal("10.00"))  # not a management fee: in full


def test_fee8_the_custody_share_is_rounded_to_the_fen(world, fees, staff):
    house = add_house(world, "202", status=HouseStatus.CUSTODY, area="33.33")
    bill_month(world, staff, 2026, 6)
    # 33.33 m² × 2.00 × 70% = 46.662 → 46.66
    assert BillLine.objects.get(house=house, item=fees.management).amount == Decimal("46.66")


def test_fee8_the_custody_share_is_the_projects_policy(world, fees, staff):
    rates.billing_policy_set(project=world.project_a, by=staff.manager, custody_percent=50)
    house = add_house(world, "203", status=HouseStatus.CUSTODY, area="100.00")
    bill_month(world, staff, 2026, 6)
    assert BillLine.objects.get(house=house, item=fees.management).amount == Decimal("100.00")


def test_fee8_a_house_no_longer_in_custody_pays_in_full(world, fees, staff):
    from propdesk.estate.services import house_change_status

    house = add_house(world, "204", status=HouseStatus.CUSTODY, area="100.00")
    house_change_status(house=house, to_status=HouseStatus.OWNER_OCCUPIED, reason="托管结束，业主回住", by=staff.manager)
    bill_month(world, staff, 2026, 6)
    assert BillLine.objects.get(house=house, item=fees.management).amount == Decimal("200.00")
