"""What the monthly run (billing/run.py, FEE-2) bills from readings (FEE-1 metered items):
for each house and metered fee item, the confirmed readings of the month's rounds —
quantity = Σ usage × multiplier over the house's meters of that item, priced with
`billing.rates.metered_amount` (tiers). A house and item is billed only when every one
of its meters has a confirmed reading for the month: a held (or rejected) reading holds
the line back, a meter without a reading is listed as missing — a later run of the same
month adds the line once they are there (the run keys lines by house, item and month).
Common meters are not billed to a house.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Q

from propdesk.billing.choices import FeeKind
from propdesk.billing.models import FeeItem
from propdesk.billing.rates import RateTable
from propdesk.metering.choices import ReadingPurpose, ReadingStatus
from propdesk.metering.models import Meter, Reading
from propdesk.metering.services import billing_quantity, period_end

OK, HELD, MISSING = "ok", "held", "missing"


@dataclass(frozen=True)
class MeteredUsage:
    """A house's use of one metered item in the month: `state` ok (with the quantity),
    held (a reading awaits a supervisor) or missing (a meter has no reading)."""

    item: FeeItem
    state: str
    quantity: Decimal = Decimal(0)


class MeteredPlanner:
    """The metered items and their rates read once; per batch of houses one query for
    their meters and one for the month's readings."""

    def __init__(self, project, period: dt.date):
        self.period = period
        self.end = period_end(period)
        self.items = list(FeeItem.objects.filter(project=project, active=True, kind=FeeKind.METERED).order_by("code"))
        self.rates = RateTable(self.items, period)

    def batch(self, house_ids: list[int]) -> dict[int, list[MeteredUsage]]:
        """{house id: its metered usages of the month}, houses without meters left out.
        `house_ids` are the project's next houses in id order (a run's batch): read by their id
        range — the items are the project's, so are their meters. A thousand ids as
        parameters cost more to build and send than the query takes."""
        if not self.items or not house_ids:
            return {}
        items = {item.pk: item for item in self.items}
        first, last = house_ids[0], house_ids[-1]
        readings = (
            Reading.objects.filter(
                meter__house_id__gte=first,
                meter__house_id__lte=last,
                meter__item_id__in=items,
                round__period=self.period,
                purpose=ReadingPurpose.ROUND,
                current=True,
            )
            .select_related("meter")
            .order_by("meter_id")
        )
        by_meter = {reading.meter_id: reading for reading in readings}
        # The meters the month expects: in place at its end, plus any read in it.
        meters = Meter.objects.filter(house_id__gte=first, house_id__lte=last, item_id__in=items).filter(
            Q(pk__in=list(by_meter))
            | (Q(installed_on__lte=self.end) & (Q(replaced_on__isnull=True) | Q(replaced_on__gt=self.end)))
        )
        groups: dict[tuple[int, int], list[int]] = defaultdict(list)
        for meter_id, house_id, item_id in meters.values_list("pk", "house_id", "item_id").order_by("pk"):
            groups[(house_id, item_id)].append(meter_id)
        out: dict[int, list[MeteredUsage]] = defaultdict(list)
        for (house_id, item_id), meter_ids in sorted(groups.items()):
            found = [by_meter.get(meter_id) for meter_id in meter_ids]
            if any(reading is not None and reading.status != ReadingStatus.CONFIRMED for reading in found):
                out[house_id].append(MeteredUsage(items[item_id], HELD))
            elif any(reading is None for reading in found):
                out[house_id].append(MeteredUsage(items[item_id], MISSING))
            else:
                total = sum((billing_quantity(reading) for reading in found), Decimal(0))
                out[house_id].append(MeteredUsage(items[item_id], OK, total))
        return dict(out)
