"""Demo metering (small and default scales), in the first project (阳光花园): a water and
an electricity meter (tiered prices) on up to 32 houses of its first building, plus a
common meter; three months of reading rounds entered through the services, closed, and
billed through the monthly run (`billing_run`, which adds only the metered lines to the
months already billed); and this month's round half-entered with two anomalies held
for the supervisor — one a house in custody above the MOV-6 limit.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from propdesk.accounts.models import User
from propdesk.accounts.roles import Role
from propdesk.billing import rates
from propdesk.billing.choices import FeeKind
from propdesk.billing.models import FeeItem
from propdesk.billing.run import billing_run
from propdesk.estate.choices import HouseStatus
from propdesk.estate.models import Building, House, Project
from propdesk.metering import services
from propdesk.metering.choices import MeterKind, ReadingStatus

MAX_HOUSES = 32
QUIET = (HouseStatus.VACANT, HouseStatus.CUSTODY, HouseStatus.NOT_HANDED_OVER, HouseStatus.HANDED_OVER)


def _months_back(today: dt.date, count: int) -> list[dt.date]:
    month, out = today.replace(day=1), []
    for _i in range(count):
        month = (month - dt.timedelta(days=1)).replace(day=1)
        out.append(month)
    return out[::-1]


def _use(rng: random.Random, kind: str, status: str) -> Decimal:
    if status in QUIET:  # an empty house: a trickle, the same every month (no spike)
        return Decimal("0.2") if kind == MeterKind.WATER else Decimal("1.0")
    low, high = (6, 15) if kind == MeterKind.WATER else (90, 260)
    return Decimal(rng.randint(low * 10, high * 10)) / 10


@transaction.atomic
def seed_metering(*, projects: list[Project], staff: dict, rng: random.Random) -> Counter:
    """Meters, three billed months of readings and an open round; returns counts."""
    counts: Counter = Counter()
    if not projects:
        return counts
    project = projects[0]
    admin = User.objects.filter(memberships__role=Role.ADMIN, memberships__project__isnull=True).order_by("pk").first()
    reader = staff.get(("assistant", 0), admin)
    supervisor = staff.get(("supervisor", 0), admin)
    biller = staff.get(("cashier", 0), admin)
    building = Building.objects.filter(project=project).order_by("number").first()
    if building is None:
        return counts
    today = timezone.localdate()
    months = _months_back(today, 3)
    water = FeeItem.objects.filter(project=project, code="water").first() or rates.fee_item_create(
        project=project, code="water", name="水费", kind=FeeKind.METERED, unit="吨", by=admin
    )
    if not water.rates.exists():
        rates.fee_rate_add(item=water, unit_price="4.10", effective_from=months[0], approval_ref="杭价〔2024〕水3号", by=admin)
    power = rates.fee_item_create(project=project, code="power", name="电费", kind=FeeKind.METERED, unit="度", by=admin)
    rates.fee_rate_add(
        item=power,
        unit_price="0.568",
        tiers=[
            {"up_to": "230", "unit_price": "0.568"},
            {"up_to": "400", "unit_price": "0.618"},
            {"up_to": None, "unit_price": "0.868"},
        ],
        effective_from=months[0],
        approval_ref="浙发改价格〔2024〕阶梯电价",
        by=admin,
    )
    houses = list(
        House.objects.filter(building=building)
        .exclude(status=HouseStatus.NOT_HANDED_OVER)
        .order_by("entrance__number", "floor", "room")[:MAX_HOUSES]
    )
    installed = months[0] - dt.timedelta(days=40)
    meters = []
    for house in houses:
        for kind, item, start in ((MeterKind.WATER, water, 0), (MeterKind.ELECTRICITY, power, 0)):
            meters.append(
                services.meter_create(
                    project=project,
                    house=house,
                    kind=kind,
                    item=item,
                    serial=f"{'S' if kind == MeterKind.WATER else 'D'}-{house.code}",
                    installed_on=installed,
                    initial_reading=Decimal(rng.randint(start, 900)),
                    by=admin,
                )
            )
    common = services.meter_create(
        project=project,
        building=building,
        kind=MeterKind.ELECTRICITY,
        serial=f"GG{building.number}01",
        name=f"{building}公共照明",
        multiplier=Decimal(20),
        installed_on=installed,
        initial_reading=Decimal(1200),
        by=admin,
    )
    meters.append(common)
    counts["metering.Meter"] += len(meters)
    status_of = {house.pk: house.status for house in houses}
    last = {meter.pk: meter.initial_reading for meter in meters}

    def enter(reading_round, chosen, day):
        for meter in chosen:
            status = status_of.get(meter.house_id, HouseStatus.OWNER_OCCUPIED)
            last[meter.pk] += _use(rng, meter.kind, status) if meter.house_id else Decimal(rng.randint(30, 60))
            reading = services.reading_record(
                reading_round=reading_round, meter=meter, value=last[meter.pk], read_on=day, by=reader
            )
            counts["metering.Reading"] += 1
            if reading.status == ReadingStatus.HELD and reading_round.period < today.replace(day=1):
                services.reading_confirm(reading=reading, by=supervisor, note="已核实")  # the past months: checked

    for month in months:
        reading_round = services.round_create(project=project, buildings=[building], month=month, by=reader)
        enter(reading_round, meters, month.replace(day=25))
        services.round_close(reading_round=reading_round, by=reader)
        counts["metering.ReadingRound"] += 1
    for month in months:
        counts["billing.BillLine"] += billing_run(project=project, month=month, by=biller).lines_created

    # This month: half the meters read, two anomalies held for the supervisor.
    reading_round = services.round_create(project=project, buildings=[building], month=today, by=reader)
    counts["metering.ReadingRound"] += 1
    half = [m for m in meters if m.house_id][: len(meters) // 2]
    water_meters = [m for m in half if m.kind == MeterKind.WATER]
    if len(water_meters) >= 2:
        custody_meter, spike_meter = water_meters[-1], water_meters[0]
        custody_house = custody_meter.house
        if custody_house.status != HouseStatus.CUSTODY:  # MOV-6: custody starts with its meter readings
            services.house_custody_start(
                house=custody_house,
                reason="业主长期外出，签订托管协议",
                values={m.pk: last[m.pk] for m in meters if m.house_id == custody_house.pk},
                by=reader,
            )
            status_of[custody_house.pk] = HouseStatus.CUSTODY
        others = [m for m in half if m not in (custody_meter, spike_meter)]
        enter(reading_round, others, today)
        for meter, jump in ((custody_meter, Decimal("8.5")), (spike_meter, Decimal("68"))):
            last[meter.pk] += jump
            services.reading_record(
                reading_round=reading_round,
                meter=meter,
                value=last[meter.pk],
                read_on=today,
                by=reader,
                note="托管房用水，已拍照" if meter is custody_meter else "",
            )
            counts["metering.Reading"] += 1
    return counts
