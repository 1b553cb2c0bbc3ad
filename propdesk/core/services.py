"""Working-calendar writes: create a calendar from a preset, seed the statutory holidays
and make-up workdays (调休) from the maintained `chinese-calendar` package.

When the package has no data for a year it raises NotImplementedError; we then record
nothing for that year (no guessing from the weekly pattern) and report it: the seed
result says `covered=False`, `calendar_coverage()` is False, and the system check
propdesk.W001 warns while the year is within the next 30 days.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING

import chinese_calendar
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from propdesk.core import configcache
from propdesk.core.errors import DomainError
from propdesk.core.models import BusinessCalendar, CalendarException, WorkingWindow
from propdesk.core.workcalendar import DEFAULT_TIME_ZONE, PRESETS, check_windows
from propdesk.core.workcalendar import time_zone as check_time_zone

if TYPE_CHECKING:
    from propdesk.estate.models import Project

Kind = CalendarException.Kind
Source = CalendarException.Source
# Rows that count as "this year's official dates are in": seeded or typed in by hand from
# the State Council notice (国务院办公厅关于放假安排的通知). Local adjustments do not.
COVERING_SOURCES = (Source.SEED, Source.OFFICIAL)


@dataclass(frozen=True)
class SeedResult:
    """What `calendar_seed_holidays` did for one calendar and year."""

    calendar_id: int
    year: int
    covered: bool  # False: the package has no data for the year; nothing was recorded
    created: int = 0
    updated: int = 0
    deleted: int = 0
    kept: int = 0  # dates held by official / manual rows, left as they are

    @property
    def message(self) -> str:
        if not self.covered:
            return _(
                "chinese-calendar 没有 %(year)s 年的法定节假日数据，未导入任何日期；"
                "请升级 chinese-calendar 后重新导入，或按国务院办公厅通知手工录入"
            ) % {"year": self.year}
        return _("%(year)s 年：新增 %(created)s，更新 %(updated)s，删除 %(deleted)s，保留人工录入 %(kept)s") % {
            "year": self.year,
            "created": self.created,
            "updated": self.updated,
            "deleted": self.deleted,
            "kept": self.kept,
        }


def official_days(year: int) -> dict[dt.date, tuple[str, str]] | None:
    """{date: (kind, Chinese name)} for the year's statutory holidays and make-up
    workdays according to chinese-calendar; None when it has no data for the year.

    Holidays are the dates of each statutory holiday block, including a Saturday or
    Sunday inside the block (which matters only to calendars that work weekends)."""
    chinese_names = {holiday.value: holiday.chinese for holiday in chinese_calendar.Holiday}
    days: dict[dt.date, tuple[str, str]] = {}
    day, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    try:
        while day <= last:
            is_holiday, name = chinese_calendar.get_holiday_detail(day)
            if name is not None:
                days[day] = (Kind.HOLIDAY if is_holiday else Kind.WORKDAY, chinese_names.get(name, name))
            day += dt.timedelta(days=1)
    except NotImplementedError:
        return None
    return days


@transaction.atomic
def calendar_seed_holidays(*, calendar: BusinessCalendar, year: int) -> SeedResult:
    """Seed `year`'s statutory holidays (HOLIDAY) and 调休 make-up days (WORKDAY, with
    Monday's windows) into `calendar`, source "seed". Idempotent: seeded rows are brought
    in line with the package (created, updated, or deleted when the package dropped the
    date); a date held by an official or manual row is left alone."""
    wanted = official_days(year)
    if wanted is None:
        return SeedResult(calendar_id=calendar.pk, year=year, covered=False)
    existing = {row.date: row for row in calendar.exceptions.filter(date__year=year)}
    created, updated, kept = [], [], 0
    for day, (kind, name) in sorted(wanted.items()):
        row = existing.get(day)
        if row is None:
            created.append(CalendarException(calendar=calendar, date=day, kind=kind, name=name, source=Source.SEED))
        elif row.source != Source.SEED:
            kept += 1
        elif (row.kind, row.name, row.as_weekday) != (kind, name, 0):
            row.kind, row.name, row.as_weekday = kind, name, 0
            updated.append(row)
    stale = [row.pk for day, row in existing.items() if row.source == Source.SEED and day not in wanted]
    CalendarException.objects.bulk_create(created)
    CalendarException.objects.bulk_update(updated, ["kind", "name", "as_weekday"])
    deleted, _detail = CalendarException.objects.filter(pk__in=stale).delete()
    configcache.changed()  # rows were written in bulk
    return SeedResult(
        calendar_id=calendar.pk,
        year=year,
        covered=True,
        created=len(created),
        updated=len(updated),
        deleted=deleted,
        kept=kept,
    )


def calendar_coverage(calendar: BusinessCalendar, year: int) -> bool:
    """Whether `calendar` holds `year`'s official holidays (seeded, or entered by hand
    with source "official")."""
    return calendar.exceptions.filter(kind=Kind.HOLIDAY, source__in=COVERING_SOURCES, date__year=year).exists()


@transaction.atomic
def calendar_create_default(
    *,
    name: str,
    project: Project | None = None,
    preset: str = "standard",
    time_zone: str = DEFAULT_TIME_ZONE,
    today: dt.date | None = None,
) -> BusinessCalendar:
    """A calendar with a preset's weekly windows — "standard": Mon–Fri 08:30–12:00 and
    13:30–17:30; "office_building" (DESK-9): Mon–Fri 08:30–12:20 and 13:30–17:10 —
    seeded for the current and next year (a year without package data is left empty and
    reported by `calendar_coverage` and check propdesk.W001)."""
    if preset not in PRESETS:
        raise DomainError("calendar_preset_unknown", _("未知的工作时段预设：%(preset)s") % {"preset": preset}, field="preset")
    name = name.strip()
    if not name:
        raise DomainError("calendar_name_required", _("请填写工作日历名称"), field="name")
    check_time_zone(time_zone)
    calendar = BusinessCalendar.objects.create(name=name, project=project, time_zone=time_zone)
    WorkingWindow.objects.bulk_create(
        WorkingWindow(calendar=calendar, weekday=weekday, start=start, end=end)
        for weekday, windows in PRESETS[preset].items()
        for start, end in check_windows(windows)
    )
    configcache.changed()  # the windows were written in bulk
    year = (today or timezone.localdate()).year
    for seed_year in (year, year + 1):
        calendar_seed_holidays(calendar=calendar, year=seed_year)
    return calendar


def calendar_seed_active(*, years: list[int]) -> list[SeedResult]:
    """Seed every active calendar for each of `years` (the `seed_calendar` command)."""
    results = []
    for calendar in BusinessCalendar.objects.filter(active=True).order_by("id"):
        results.extend(calendar_seed_holidays(calendar=calendar, year=year) for year in years)
    return results
