"""Meters, reading rounds and readings (FEE-1 metered items, FEE-2, MOV-6): one function
per operation, each in one transaction; the meter row is locked while a reading of it is
written, so two people typing the same meter take turns.

Anomalies (held until a supervisor confirms, never billed while held):
- **lower** than the last reading — confirmed only as a rollover of the dial (a
  replacement is recorded with `meter_replace` and the reading entered again);
- **spike**: usage more than 3× the usual (the mean of the last 3 confirmed usages; a
  meter without history is not flagged);
- **custody** (MOV-6): a house in custody that used more than 5 units of water or 20 of
  electricity since the custody began (from its custody start reading when there is one,
  else since the last reading).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.accounts.roles import Cap
from propdesk.billing.choices import FeeKind, LineSource
from propdesk.billing.models import BillLine, FeeItem
from propdesk.core import scoping
from propdesk.core.errors import DomainError
from propdesk.estate.choices import HouseStatus
from propdesk.estate.models import Building, House, HouseStatusChange, Project
from propdesk.metering.choices import (
    CUSTODY_LIMITS,
    SPIKE_FACTOR,
    SPIKE_HISTORY,
    MeterKind,
    ReadingPurpose,
    ReadingStatus,
    RoundStatus,
)
from propdesk.metering.models import Meter, Reading, ReadingRound

_CENT = Decimal("0.01")


def _number(value, *, field: str, label: str) -> Decimal:
    """A reading or multiplier as an exact Decimal with at most two places, not negative."""
    if isinstance(value, (bool, float)):
        raise TypeError(f"{field} must be a Decimal, int or str")
    try:
        number = Decimal(str(value).strip().replace(",", "")) if not isinstance(value, Decimal) else value
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise DomainError(f"{field}_invalid", _("%(label)s应为数字") % {"label": label}, field=field)
    if number < 0:
        raise DomainError(f"{field}_negative", _("%(label)s不能为负数") % {"label": label}, field=field)
    if number != number.quantize(_CENT) or number >= Decimal(10) ** 12:
        raise DomainError(f"{field}_invalid", _("%(label)s最多两位小数") % {"label": label}, field=field)
    return number.quantize(_CENT)


def month_of(month: dt.date) -> dt.date:
    """The period (first day of the month) of `month`; a future month is refused."""
    period = month.replace(day=1)
    if period > timezone.localdate().replace(day=1):
        raise DomainError("reading_round_future", _("不能为未来月份抄表"), field="period", rule="FEE-2")
    return period


def period_end(period: dt.date) -> dt.date:
    return (period.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


# -- Meters ----------------------------------------------------------------------------------


@transaction.atomic
def meter_create(
    *,
    project: Project,
    kind: str,
    serial: str,
    by,
    house: House | None = None,
    building: Building | None = None,
    item: FeeItem | None = None,
    name: str = "",
    multiplier=1,
    digits: int = 5,
    installed_on: dt.date | None = None,
    initial_reading=0,
) -> Meter:
    """Register a meter: a house meter billed through a metered fee item of the project
    (FEE-1), or a common meter of a building (or of the project, with neither)."""
    scoping.require(by, Cap.METER_CONFIRM, project.pk)
    serial = serial.strip()
    if kind not in MeterKind.values:
        raise DomainError("meter_kind_invalid", _("表类型无效"), field="kind")
    if not serial:
        raise DomainError("meter_serial_required", _("请填写表号"), field="serial")
    if house is not None and building is not None:
        raise DomainError("meter_house_or_building", _("户表填写房屋，公共表填写楼栋，不能同时填写"), field="building")
    for obj, field in ((house, "house"), (building, "building"), (item, "item")):
        if obj is not None and obj.project_id != project.pk:
            raise DomainError(f"meter_{field}_invalid", _("不属于本项目"), field=field)
    if house is not None and item is None:
        raise DomainError("meter_item_required", _("户表须选择按表计量的收费项目（FEE-1）"), field="item", rule="FEE-1")
    if item is not None and item.kind != FeeKind.METERED:
        raise DomainError("meter_item_not_metered", _("收费项目须为按表计量（FEE-1）"), field="item", rule="FEE-1")
    if Meter.objects.filter(project=project, serial=serial).exists():
        raise DomainError("meter_serial_taken", _("表号 %(s)s 已存在") % {"s": serial}, field="serial")
    factor = _number(multiplier, field="multiplier", label=_("倍率"))
    if factor <= 0:
        raise DomainError("multiplier_invalid", _("倍率须大于0"), field="multiplier")
    if not 1 <= int(digits) <= 9:
        raise DomainError("meter_digits_invalid", _("整数位数须在 1 到 9 之间"), field="digits")
    return Meter.objects.create(
        project=project,
        house=house,
        building=building,
        kind=kind,
        item=item,
        serial=serial,
        name=name.strip(),
        multiplier=factor,
        digits=int(digits),
        installed_on=installed_on or timezone.localdate(),
        initial_reading=_number(initial_reading, field="initial_reading", label=_("起始读数")),
        created_by=by,
    )


def _last_round_reading(meter: Meter, before: dt.date | None = None) -> Reading | None:
    """The meter's latest current, not rejected reading of a round (before `before`)."""
    rows = Reading.objects.filter(meter=meter, current=True, purpose=ReadingPurpose.ROUND).exclude(status=ReadingStatus.REJECTED)
    if before is not None:
        rows = rows.filter(round__period__lt=before)
    return rows.order_by("-round__period", "-id").first()


@transaction.atomic
def meter_replace(
    *,
    meter: Meter,
    final_reading,
    serial: str,
    initial_reading=0,
    on: dt.date | None = None,
    by,
    multiplier=None,
) -> Meter:
    """换表: close `meter` with its final reading and open the new one. The final reading
    may not be lower than the old meter's last reading (a replacement never makes a
    negative usage); what the old meter ran since that reading is carried into the new
    meter's first usage."""
    scoping.require(by, Cap.METER_CONFIRM, meter.project_id)
    meter = Meter.objects.select_for_update().get(pk=meter.pk)
    if meter.replaced_on is not None:
        raise DomainError("meter_already_replaced", _("该表已换下"), field="meter")
    final = _number(final_reading, field="final_reading", label=_("拆表读数"))
    last = _last_round_reading(meter)
    base = last.value if last is not None else meter.initial_reading
    if final < base:
        raise DomainError(
            "meter_final_below_last",
            _("拆表读数 %(f)s 低于上次读数 %(b)s，换表不能产生负用量") % {"f": final, "b": base},
            field="final_reading",
            rule="FEE-1",
        )
    serial = serial.strip()
    if not serial:
        raise DomainError("meter_serial_required", _("请填写新表表号"), field="serial")
    if Meter.objects.filter(project_id=meter.project_id, serial=serial).exists():
        raise DomainError("meter_serial_taken", _("表号 %(s)s 已存在") % {"s": serial}, field="serial")
    on = on or timezone.localdate()
    if on < meter.installed_on:
        raise DomainError("meter_replace_date_invalid", _("换表日期早于安装日期"), field="on")
    carry = final - base + (meter.carry_over if last is None else 0)
    meter.replaced_on, meter.final_reading = on, final
    meter.save(update_fields=["replaced_on", "final_reading"])
    new = Meter.objects.create(
        project_id=meter.project_id,
        house_id=meter.house_id,
        building_id=meter.building_id,
        kind=meter.kind,
        item_id=meter.item_id,
        serial=serial,
        name=meter.name,
        multiplier=meter.multiplier if multiplier is None else _number(multiplier, field="multiplier", label=_("倍率")),
        digits=meter.digits,
        installed_on=on,
        initial_reading=_number(initial_reading, field="initial_reading", label=_("起始读数")),
        carry_over=carry,
        replaces=meter,
        created_by=by,
    )
    return new


# -- Rounds ----------------------------------------------------------------------------------


@transaction.atomic
def round_create(*, project: Project, buildings: Iterable[Building], month: dt.date, by) -> ReadingRound:
    """Open the month's reading round of some buildings. A building is read once a month:
    a second round of the same month covering one of its buildings is refused."""
    scoping.require(by, Cap.METER_READ, project.pk)
    ids = sorted({b.pk for b in buildings})
    if not ids:
        raise DomainError("reading_round_buildings_required", _("请选择楼栋"), field="buildings")
    locked = list(Building.objects.select_for_update().filter(pk__in=ids, project=project))
    if len(locked) != len(ids):
        raise DomainError("reading_round_building_invalid", _("楼栋不属于本项目"), field="buildings")
    period = month_of(month)
    taken = ReadingRound.objects.filter(project=project, period=period, buildings__in=ids).distinct()
    if taken.exists():
        raise DomainError(
            "reading_round_overlap",
            _("%(m)s 已有包含所选楼栋的抄表轮次") % {"m": f"{period:%Y-%m}"},
            field="buildings",
        )
    reading_round = ReadingRound.objects.create(project=project, period=period, opened_by=by, opened_at=timezone.now())
    reading_round.buildings.set(locked)
    return reading_round


@transaction.atomic
def round_close(*, reading_round: ReadingRound, by) -> ReadingRound:
    """End a round: refused while a reading of it is still held (confirm or reject first)."""
    scoping.require(by, Cap.METER_READ, reading_round.project_id)
    reading_round = ReadingRound.objects.select_for_update().get(pk=reading_round.pk)
    if not reading_round.is_open:
        return reading_round
    held = Reading.objects.filter(round=reading_round, current=True, status=ReadingStatus.HELD).count()
    if held:
        raise DomainError(
            "reading_round_has_held", _("还有 %(n)d 条异常读数待确认，不能结束本轮抄表") % {"n": held}, field="status"
        )
    reading_round.status, reading_round.closed_by, reading_round.closed_at = RoundStatus.CLOSED, by, timezone.now()
    reading_round.save(update_fields=["status", "closed_by", "closed_at"])
    return reading_round


def round_meters(reading_round: ReadingRound):
    """The meters a round reads: the active house and common meters of its buildings, in
    stair and floor order (the way the reader walks)."""
    from django.db.models import F, Q

    building_ids = list(reading_round.buildings.values_list("pk", flat=True))
    return (
        Meter.objects.filter(project_id=reading_round.project_id, replaced_on__isnull=True)
        .filter(Q(house__building_id__in=building_ids) | Q(building_id__in=building_ids))
        .select_related("house", "house__building", "house__entrance", "building", "item")
        .order_by(
            F("house__building__number").asc(nulls_last=True),  # common meters after the houses
            "building__number",
            "house__entrance__number",
            "house__floor",
            "house__room",
            "kind",
            "serial",
        )
    )


# -- Readings --------------------------------------------------------------------------------


def _status_on(house: House, day: dt.date) -> tuple[str, dt.date | None]:
    """(the house's status at the end of `day` by its MOV-14 history — else its current
    one —, the day that status began when known)."""
    cutoff = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=timezone.get_current_timezone())
    change = HouseStatusChange.objects.filter(house=house, changed_at__lt=cutoff).order_by("-changed_at", "-id").first()
    if change is None:
        return house.status, None
    return change.to_status, timezone.localtime(change.changed_at).date()


def _evaluate(reading: Reading, *, period: dt.date) -> None:
    """Set the usage and the anomaly flags of a new round reading (not saved)."""
    meter = reading.meter
    previous = _last_round_reading(meter, before=period)
    reading.previous_value = previous.value if previous is not None else meter.initial_reading
    carry = meter.carry_over if previous is None else Decimal(0)
    reading.usage = reading.value - reading.previous_value + carry
    notes = []
    if reading.value < reading.previous_value:
        reading.flag_lower = True
        notes.append(_("读数 %(v)s 低于上次读数 %(p)s") % {"v": reading.value, "p": reading.previous_value})
    else:
        history = list(
            Reading.objects.filter(
                meter=meter,
                current=True,
                purpose=ReadingPurpose.ROUND,
                status=ReadingStatus.CONFIRMED,
                round__period__lt=period,
                usage__isnull=False,
            )
            .order_by("-round__period", "-id")
            .values_list("usage", flat=True)[:SPIKE_HISTORY]
        )
        if history:
            usual = sum(history, Decimal(0)) / len(history)
            if reading.usage > SPIKE_FACTOR * usual:
                reading.flag_spike = True
                notes.append(
                    _("用量 %(u)s 超过近 %(n)d 期平均用量 %(a)s 的 3 倍")
                    % {"u": reading.usage, "n": len(history), "a": usual.quantize(_CENT)}
                )
    limit = CUSTODY_LIMITS.get(meter.kind)
    if meter.house_id and limit is not None:
        status, since = _status_on(meter.house, reading.read_on)
        if status == HouseStatus.CUSTODY:
            starts = Reading.objects.filter(
                meter=meter, current=True, purpose=ReadingPurpose.CUSTODY_START, read_on__lte=reading.read_on
            )
            if since is not None:
                starts = starts.filter(read_on__gte=since)
            start = starts.order_by("-read_on", "-id").first()
            used = (reading.value - start.value) if start is not None else reading.usage
            used *= meter.multiplier
            if used > limit:
                reading.flag_custody = True
                notes.append(_("托管期间用量 %(u)s 超过 %(l)s（MOV-6）") % {"u": used.quantize(_CENT), "l": limit})
    if notes:
        reading.status = ReadingStatus.HELD
        reading.anomaly = "；".join(notes)[:200]
    else:
        reading.status = ReadingStatus.CONFIRMED


def _billed(reading: Reading) -> bool:
    meter = reading.meter
    if reading.round_id is None or meter.house_id is None or meter.item_id is None:
        return False
    return BillLine.objects.filter(
        house_id=meter.house_id, item_id=meter.item_id, period=reading.round.period, source=LineSource.RUN
    ).exists()


def _check_correctable(reading: Reading) -> None:
    if _billed(reading):
        raise DomainError("reading_billed", _("该月已按此读数出账，不能更正；请在收费台做调整"), field="value", rule="FEE-2")
    later = Reading.objects.filter(
        meter_id=reading.meter_id, current=True, purpose=ReadingPurpose.ROUND, round__period__gt=reading.round.period
    )
    if later.exists():
        raise DomainError("reading_not_last", _("该表已有以后月份的读数，只能更正最近一次读数"), field="value")


@transaction.atomic
def reading_record(
    *,
    reading_round: ReadingRound,
    meter: Meter,
    value,
    by,
    read_on: dt.date | None = None,
    note: str = "",
) -> Reading:
    """Enter a meter's reading in an open round. Entering the same value again changes
    nothing; a different value supersedes the round's reading of that meter (the old one
    kept). The usage and the anomalies are worked out here; an anomaly holds the reading."""
    scoping.require(by, Cap.METER_READ, reading_round.project_id)
    value = _number(value, field="value", label=_("读数"))
    meter = Meter.objects.select_for_update().get(pk=meter.pk)  # no join: PostgreSQL locks no outer join
    reading_round = ReadingRound.objects.get(pk=reading_round.pk)
    if not reading_round.is_open:
        raise DomainError("reading_round_closed", _("本轮抄表已结束"), field="round")
    if meter.project_id != reading_round.project_id or not round_meters(reading_round).filter(pk=meter.pk).exists():
        raise DomainError("reading_meter_not_in_round", _("该表不在本轮抄表的楼栋内或已换下"), field="meter")
    today = timezone.localdate()
    read_on = read_on or today
    if read_on > today:
        raise DomainError("reading_date_future", _("抄表日期不能晚于今天"), field="read_on")
    if read_on < reading_round.period:
        raise DomainError("reading_date_early", _("抄表日期早于抄表月份"), field="read_on")
    existing = Reading.objects.filter(meter=meter, round=reading_round, current=True).first()
    if existing is not None:
        if existing.value == value and existing.status != ReadingStatus.REJECTED:
            return existing
        _check_correctable(existing)
        existing.current = False
        existing.save(update_fields=["current"])
    reading = Reading(
        project_id=reading_round.project_id,
        meter=meter,
        round=reading_round,
        purpose=ReadingPurpose.ROUND,
        value=value,
        read_on=read_on,
        read_by=by,
        supersedes=existing,
        note=note.strip()[:200],
    )
    _evaluate(reading, period=reading_round.period)
    reading.save()
    return reading


def _held(reading: Reading, by) -> Reading:
    scoping.require(by, Cap.METER_CONFIRM, reading.project_id)
    reading = Reading.objects.select_for_update().select_related("meter").get(pk=reading.pk)
    if not reading.current or reading.status != ReadingStatus.HELD:
        raise DomainError("reading_not_held", _("该读数不是待确认的异常读数"), field="status")
    return reading


@transaction.atomic
def reading_confirm(*, reading: Reading, by, rollover: bool = False, note: str = "") -> Reading:
    """A supervisor confirms a held reading: it is billed from now on. A reading lower
    than the last is confirmed only as a rollover of the dial (its usage then runs over
    the dial's maximum); a replaced meter is recorded with `meter_replace` instead."""
    reading = _held(reading, by)
    if reading.flag_lower:
        if not rollover:
            raise DomainError(
                "reading_lower_needs_rollover",
                _("读数低于上次读数：如表盘走满归零请选择“翻转”确认；如已换表请先登记换表；抄错请退回"),
                field="rollover",
                rule="FEE-1",
            )
        wrap = Decimal(10) ** reading.meter.digits
        reading.usage = wrap - reading.previous_value + reading.value
        reading.rollover = True
    elif rollover:
        raise DomainError("reading_rollover_invalid", _("读数未低于上次读数，不是翻转"), field="rollover")
    reading.status = ReadingStatus.CONFIRMED
    reading.confirmed_by, reading.confirmed_at = by, timezone.now()
    if note.strip():
        reading.note = f"{reading.note} {note.strip()}".strip()[:200]
    reading.save(update_fields=["usage", "rollover", "status", "confirmed_by", "confirmed_at", "note"])
    return reading


@transaction.atomic
def reading_reject(*, reading: Reading, by, note: str) -> Reading:
    """A supervisor rejects a held reading (misread): it is not billed; the meter is read
    again and the new value entered in the round supersedes it."""
    if not note.strip():
        raise DomainError("reading_reject_reason_required", _("退回须填写原因"), field="note")
    reading = _held(reading, by)
    reading.status = ReadingStatus.REJECTED
    reading.confirmed_by, reading.confirmed_at = by, timezone.now()
    reading.note = f"{reading.note} {note.strip()}".strip()[:200]
    reading.save(update_fields=["status", "confirmed_by", "confirmed_at", "note"])
    return reading


def billing_quantity(reading: Reading) -> Decimal:
    """What the run bills for a reading: usage × multiplier (FEE-1). A held, rejected or
    superseded reading is never billed."""
    if not reading.is_billable or reading.usage is None:
        raise DomainError(
            "reading_not_billable",
            _("读数 %(r)s 未确认（%(s)s），不能出账") % {"r": reading, "s": reading.get_status_display()},
            field="status",
            rule="FEE-2",
        )
    return reading.usage * reading.meter.multiplier


# -- Custody (MOV-6) -----------------------------------------------------------------------


@transaction.atomic
def custody_start_record(*, house: House, values: dict[int, object], by, read_on: dt.date | None = None) -> list[Reading]:
    """MOV-6: the meter readings at the start of a custody, {meter id: value} for the
    house's active meters. They are the baseline of the custody limits, never billed."""
    scoping.require(by, Cap.METER_READ, house.project_id)
    read_on = read_on or timezone.localdate()
    meters = {m.pk: m for m in Meter.objects.select_for_update().filter(house=house, replaced_on__isnull=True)}
    readings = []
    for meter_id, raw in values.items():
        meter = meters.get(int(meter_id))
        if meter is None:
            raise DomainError("reading_meter_invalid", _("不是该房屋在用的表"), field="meter")
        value = _number(raw, field="value", label=_("读数"))
        last = _last_round_reading(meter)
        base = last.value if last is not None else meter.initial_reading
        if value < base:
            raise DomainError(
                "reading_custody_below_last",
                _("托管起始读数 %(v)s 低于上次读数 %(b)s") % {"v": value, "b": base},
                field="value",
                rule="MOV-6",
            )
        readings.append(
            Reading.objects.create(
                project_id=house.project_id,
                meter=meter,
                purpose=ReadingPurpose.CUSTODY_START,
                value=value,
                read_on=read_on,
                read_by=by,
                previous_value=base,
                status=ReadingStatus.CONFIRMED,
                note=_("托管起始读数（MOV-6）"),
            )
        )
    return readings


@transaction.atomic
def house_custody_start(*, house: House, reason: str, values: dict[int, object], by) -> list[Reading]:
    """Put a house in custody (托管, MOV-14) and record its meters' start readings (MOV-6)
    in one step."""
    from propdesk.estate.services import house_change_status

    scoping.require(by, Cap.HOUSE_CHANGE, house.project_id)
    house_change_status(house=house, to_status=HouseStatus.CUSTODY, reason=reason, by=by)
    return custody_start_record(house=house, values=values, by=by)
