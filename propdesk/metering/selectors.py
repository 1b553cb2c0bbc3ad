"""Reads of the metering pages, API and exports: a round's sheet (one row per meter in
stair and floor order, with its last reading) and the anomaly queue."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from propdesk.metering.choices import ReadingPurpose, ReadingStatus
from propdesk.metering.models import Meter, Reading, ReadingRound
from propdesk.metering.services import round_meters


@dataclass
class SheetRow:
    meter: Meter
    last: Reading | None  # the last reading before the round's month
    reading: Reading | None  # the round's current reading of the meter

    @property
    def last_value(self):
        return self.last.value if self.last is not None else self.meter.initial_reading

    @property
    def place(self) -> str:
        meter = self.meter
        if meter.house_id:
            return meter.house.code
        return meter.name or str(meter.building or "")


def round_sheet(reading_round: ReadingRound) -> list[SheetRow]:
    """The round's rows: its meters (and any meter it already read), each with the last
    reading before the month and the round's reading. Three queries whatever the size."""
    meters = list(round_meters(reading_round))
    current = {
        r.meter_id: r for r in Reading.objects.filter(round=reading_round, current=True).select_related("read_by", "meter")
    }
    missing = [meter_id for meter_id in current if meter_id not in {m.pk for m in meters}]
    if missing:  # read, then replaced: still on the sheet
        meters += list(Meter.objects.filter(pk__in=missing).select_related("house", "building", "item"))
    last: dict[int, Reading] = {}
    earlier = (
        Reading.objects.filter(
            meter_id__in=[m.pk for m in meters],
            current=True,
            purpose=ReadingPurpose.ROUND,
            round__period__lt=reading_round.period,
        )
        .exclude(status=ReadingStatus.REJECTED)
        .order_by("meter_id", "-round__period", "-id")
    )
    for reading in earlier:
        last.setdefault(reading.meter_id, reading)
    return [SheetRow(meter, last.get(meter.pk), current.get(meter.pk)) for meter in meters]


def held_readings(project_ids) -> QuerySet[Reading]:
    """The anomaly queue: current readings held for a supervisor, oldest first."""
    return (
        Reading.objects.filter(project_id__in=project_ids, current=True, status=ReadingStatus.HELD)
        .select_related("meter", "meter__house", "meter__building", "round", "read_by", "project")
        .order_by("read_on", "id")
    )
