"""The metering demo: three months of readings billed through the run, this month's
round half-entered with two anomalies held — one a house in custody (MOV-6)."""

from __future__ import annotations

import random

from propdesk.billing.models import BillLine
from propdesk.billing.tests.conftest import add_house
from propdesk.estate.choices import HouseStatus
from propdesk.metering.choices import ReadingStatus, RoundStatus
from propdesk.metering.demo import seed_metering
from propdesk.metering.models import Reading, ReadingRound


def test_demo_bills_three_months_and_holds_two_anomalies_of_the_open_round(world):
    for room in ("101", "102", "201", "202"):
        add_house(world, room, building="1")
    counts = seed_metering(
        projects=[world.project_a],
        staff={("assistant", 0): world.assistant, ("supervisor", 0): world.supervisor},
        rng=random.Random(7),
    )
    rounds = list(ReadingRound.objects.filter(project=world.project_a).order_by("period").values_list("status", flat=True))
    assert rounds == [RoundStatus.CLOSED] * 3 + [RoundStatus.OPEN]
    held = Reading.objects.filter(current=True, status=ReadingStatus.HELD)
    assert held.count() == 2 and held.filter(flag_custody=True, meter__house__status=HouseStatus.CUSTODY).count() == 1
    metered = BillLine.objects.filter(item__kind="metered")
    assert metered.values("period").distinct().count() == 3 and metered.count() == 3 * 4 * 2  # 3 months × 4 houses × 2 meters
    assert counts["metering.Meter"] == 9 and counts["billing.BillLine"] == metered.count()
