"""Estate reads shared by pages and exports."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models.functions import Length

from propdesk.estate.choices import HOUSE_STATUS_COLOURS, HouseStatus
from propdesk.estate.models import Building, House


def natural_house_order(prefix: str = "") -> list:
    """Order by building, entrance and room as people count (2 before 10): shorter
    numbers first, then by value — works on SQLite and PostgreSQL alike."""
    parts = (f"{prefix}building__number", f"{prefix}entrance__number", f"{prefix}room")
    return [item for part in parts for item in (Length(part), part)]


@dataclass
class StatusTotal:
    status: HouseStatus
    count: int = 0
    area: Decimal = Decimal("0.00")

    @property
    def colour(self) -> str:
        return HOUSE_STATUS_COLOURS[self.status]


@dataclass
class StatusSheet:
    """The monthly house-status sheet (月度物业动态信息表, MOV-14) of one building: houses
    by floor, each with its status colour, area and sold state, and totals per status."""

    building: Building
    floors: list[tuple[int, list[House]]]
    totals: list[StatusTotal]
    sold: int = 0
    unsold: int = 0
    area: Decimal = Decimal("0.00")
    entrances: list[str] = field(default_factory=list)


def house_status_sheet(building: Building) -> StatusSheet:
    houses = list(
        House.objects.filter(building=building).select_related("entrance").order_by("-floor", "entrance__number", "room")
    )
    by_floor: dict[int, list[House]] = defaultdict(list)
    totals = {status: StatusTotal(HouseStatus(status)) for status in HouseStatus.values}
    for house in houses:
        by_floor[house.floor].append(house)
        total = totals[house.status]
        total.count += 1
        total.area += house.area
    return StatusSheet(
        building=building,
        floors=sorted(by_floor.items(), reverse=True),
        totals=list(totals.values()),
        sold=sum(1 for house in houses if house.sold),
        unsold=sum(1 for house in houses if not house.sold),
        area=sum((house.area for house in houses), Decimal("0.00")),
        entrances=sorted({house.entrance.number for house in houses}),
    )
