"""The survey schedule presets (SUR-1): the windows of a year in which a round runs.

Both seed variants ship — twice a year, 1–15 July and 15–30 January (002), and every
quarter (004) — and a project may set its own windows instead (CUSTOM)."""

from __future__ import annotations

import calendar
import datetime as dt

from django.utils.translation import gettext as _

from propdesk.core.errors import DomainError
from propdesk.surveys.choices import SchedulePreset

Window = tuple[str, str]  # ("MM-DD", "MM-DD")

PRESET_WINDOWS: dict[str, tuple[Window, ...]] = {
    SchedulePreset.HALF_YEARLY: (("01-15", "01-30"), ("07-01", "07-15")),
    SchedulePreset.QUARTERLY: (("03-01", "03-15"), ("06-01", "06-15"), ("09-01", "09-15"), ("12-01", "12-15")),
}


def _day(year: int, text: str) -> dt.date:
    month, day = (int(part) for part in text.split("-"))
    if (month, day) == (2, 29) and not calendar.isleap(year):
        day = 28  # a window on 29 February runs to the 28th in other years
    return dt.date(year, month, day)


def check_windows(windows) -> list[Window]:
    """The windows as [("MM-DD", "MM-DD"), …] sorted, or a DomainError naming the bad one."""
    out = []
    for window in windows or ():
        try:
            start, end = str(window[0]).strip(), str(window[1]).strip()
            first, last = _day(2024, start), _day(2024, end)  # a leap year: 02-29 is a day
        except (ValueError, IndexError, TypeError):
            raise DomainError(
                "schedule_window_invalid",
                _("调查时段“%(w)s”无效，请写成 月-日～月-日，例如 07-01～07-15（SUR-1）") % {"w": window},
                field="windows",
                rule="SUR-1",
            ) from None
        if first > last:
            raise DomainError(
                "schedule_window_order",
                _("调查时段 %(a)s～%(b)s 的开始日期晚于结束日期（SUR-1）") % {"a": start, "b": end},
                field="windows",
                rule="SUR-1",
            )
        out.append((start, end))
    return sorted(out)


def windows_of(preset: str, custom=()) -> tuple[Window, ...]:
    """The windows of `preset`; CUSTOM: the project's own (SUR-1)."""
    if preset == SchedulePreset.CUSTOM:
        return tuple(check_windows(custom))
    return PRESET_WINDOWS[preset]


def windows_in_year(preset: str, year: int, custom=()) -> list[tuple[dt.date, dt.date]]:
    """The periods of `year` (start, end), in date order."""
    return sorted((_day(year, a), _day(year, b)) for a, b in windows_of(preset, custom))


def next_window(preset: str, today: dt.date, custom=()) -> tuple[dt.date, dt.date]:
    """The window running on `today`, else the next one to start (looking into next year)."""
    for year in (today.year, today.year + 1):
        for start, end in windows_in_year(preset, year, custom):
            if end >= today:
                return start, end
    raise DomainError("schedule_empty", _("调查计划没有设置任何调查时段（SUR-1）"), field="windows", rule="SUR-1")
