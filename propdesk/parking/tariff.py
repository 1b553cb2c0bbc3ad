"""The temporary-parking fee (临时停车收费, FEE-10) — a pure function of the stay and the
tariff, used by the guard's calculator and its tests.

Interpretation of "2 yuan for up to 2 hours, +1 yuan per further hour (started), at most
6 yuan per day", written down here once:

- The stay is cut at each local midnight (Asia/Shanghai) into **day-parts**; each
  calendar day the car is in the garage is charged on its own part, and a multi-day stay
  is the sum of its day-parts. So a stay 23:00 → 01:00 is two day-parts of one hour each
  (2 + 2 = 4 yuan), and a stay of 3 whole days is 3 × 6 yuan.
- A day-part of length d > 0 costs `base_fee` when d ≤ `base_hours` hours, otherwise
  `base_fee + hourly_fee × ⌈(d − base_hours) / 1 h⌉` (every started further hour counts:
  2 h 01 min is 3 yuan), and never more than `daily_cap`.
- A day-part of length zero costs nothing: a car leaving exactly at midnight has not
  touched the next day; entry = exit is a free stay.
- Times are aware datetimes; the exit must not be before the entry.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

from propdesk.core.money import ZERO, money

HOUR = 3600


@dataclass(frozen=True)
class TemporaryTariff:
    """The temporary-parking numbers of a project (FEE-10 defaults)."""

    base_hours: int = 2
    base_fee: Decimal = Decimal("2.00")
    hourly_fee: Decimal = Decimal("1.00")
    daily_cap: Decimal = Decimal("6.00")


@dataclass(frozen=True)
class DayPart:
    day: dt.date
    start: dt.datetime
    end: dt.datetime
    fee: Decimal

    @property
    def seconds(self) -> int:
        return int((self.end - self.start).total_seconds())


@dataclass(frozen=True)
class TemporaryFee:
    total: Decimal
    parts: list[DayPart] = field(default_factory=list)


def day_part_fee(seconds: int, tariff: TemporaryTariff) -> Decimal:
    """The fee of one day-part of `seconds` (0 ≤ seconds ≤ 86400)."""
    if seconds <= 0:
        return ZERO
    fee = money(tariff.base_fee)
    extra = seconds - tariff.base_hours * HOUR
    if extra > 0:
        started_hours = -(-extra // HOUR)  # ceiling: every started hour counts
        fee += money(tariff.hourly_fee) * started_hours
    return money(min(fee, money(tariff.daily_cap)))


def temporary_fee_breakdown(entry: dt.datetime, exit: dt.datetime, tariff: TemporaryTariff | None = None) -> TemporaryFee:
    """The fee of a stay from `entry` to `exit` with its day-parts (see the module)."""
    tariff = tariff or TemporaryTariff()
    if entry.tzinfo is None or exit.tzinfo is None:
        raise ValueError("entry and exit must be aware datetimes")
    if exit < entry:
        raise ValueError("exit before entry")
    tz = ZoneInfo(settings.TIME_ZONE)
    start, end = entry.astimezone(tz), exit.astimezone(tz)
    parts: list[DayPart] = []
    day = start.date()
    while True:
        midnight = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
        next_midnight = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
        part_start, part_end = max(start, midnight), min(end, next_midnight)
        seconds = int((part_end - part_start).total_seconds())
        if seconds > 0:
            parts.append(DayPart(day, part_start, part_end, day_part_fee(seconds, tariff)))
        if end <= next_midnight:
            break
        day += dt.timedelta(days=1)
    return TemporaryFee(total=money(sum((p.fee for p in parts), ZERO)), parts=parts)


def temporary_fee(entry: dt.datetime, exit: dt.datetime, tariff: TemporaryTariff | None = None) -> Decimal:
    """FEE-10: the temporary-parking fee of a stay. Per calendar day (Asia/Shanghai), the
    part of the stay within that day costs `base_fee` (2 yuan) up to `base_hours` (2 h),
    + `hourly_fee` (1 yuan) per started further hour, at most `daily_cap` (6 yuan); a
    multi-day stay sums its days. A stay 23:00 → 01:00 is two day-parts (2 + 2 = 4 yuan);
    a zero-length part (leaving at exactly 00:00) is free; exit before entry is refused
    (ValueError)."""
    return temporary_fee_breakdown(entry, exit, tariff).total
