"""Report periods and rates.

A period is [start, end) in the company time zone (Asia/Shanghai):

- day: one calendar day, 00:00 to the next 00:00;
- week: the seven days **Saturday to Friday**, named by its Friday. The weekly report
  (CMP-11 "weekly analysis", issue 4 item 7 "weekly (Friday)") is read on Friday: the
  week ending that Friday — Saturday 00:00 to the following Saturday 00:00 — so that
  the Friday meeting sees the whole of the working week just done, weekend first;
- month: the calendar month (the CMP-11 monthly rates, REP-9 and OPS-4 monthly KPIs).

Rates are percentages as `Decimal` with one place, rounded half-up, computed exactly
in integers; an empty denominator has no rate (None, shown as "—"). Averages (`mean`,
the return-visit scores) are rounded the same way.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class PeriodKind(models.TextChoices):
    DAY = "day", gettext_lazy("日报")
    WEEK = "week", gettext_lazy("周报")
    MONTH = "month", gettext_lazy("月报")


SATURDAY = 5  # date.weekday()


def _month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _add_months(first: dt.date, months: int) -> dt.date:
    index = first.year * 12 + first.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    kind: str
    first: dt.date  # the first day
    stop: dt.date  # the day after the last day

    @classmethod
    def containing(cls, kind: str, day: dt.date) -> Period:
        if kind == PeriodKind.DAY:
            return cls(kind, day, day + dt.timedelta(days=1))
        if kind == PeriodKind.WEEK:
            first = day - dt.timedelta(days=(day.weekday() - SATURDAY) % 7)
            return cls(kind, first, first + dt.timedelta(days=7))
        if kind == PeriodKind.MONTH:
            first = _month_start(day)
            return cls(kind, first, _add_months(first, 1))
        raise ValueError(f"unknown period kind: {kind!r}")

    @property
    def last(self) -> dt.date:
        return self.stop - dt.timedelta(days=1)

    @property
    def start(self) -> dt.datetime:
        return midnight(self.first)

    @property
    def end(self) -> dt.datetime:
        return midnight(self.stop)

    def previous(self) -> Period:
        return Period.containing(self.kind, self.first - dt.timedelta(days=1))

    def following(self) -> Period:
        return Period.containing(self.kind, self.stop)

    def months_back(self, count: int) -> list[Period]:
        """The `count` calendar months ending with this period's month, oldest first."""
        first = _month_start(self.first)
        return [Period.containing(PeriodKind.MONTH, _add_months(first, -n)) for n in range(count - 1, -1, -1)]

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.DAY:
            return f"{self.first:%Y-%m-%d}"
        if self.kind == PeriodKind.WEEK:
            return _("%(first)s 至 %(last)s（周六至周五）") % {"first": f"{self.first:%Y-%m-%d}", "last": f"{self.last:%Y-%m-%d}"}
        return f"{self.first:%Y-%m}"

    @property
    def slug(self) -> str:
        return f"{self.kind}-{self.first:%Y%m%d}"


def midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=timezone.get_default_timezone())


def rate(part: int, whole: int) -> Decimal | None:
    """part ÷ whole as a percentage with one decimal place, rounded half-up (exactly, in
    integers); None when `whole` is 0 — there is no rate, not a rate of 0."""
    if not whole:
        return None
    tenths = (2 * 1000 * part + whole) // (2 * whole)  # round(part * 1000 / whole), halves up
    return Decimal(tenths).scaleb(-1)


def mean(total: int, count: int) -> Decimal | None:
    """total ÷ count with one decimal place, rounded half-up (exactly, in integers, as
    `rate`); None when `count` is 0 — no average, not an average of 0."""
    if not count:
        return None
    tenths = (2 * 10 * total + count) // (2 * count)
    return Decimal(tenths).scaleb(-1)


def rate_text(value: Decimal | None) -> str:
    return "—" if value is None else f"{value}%"
