"""The one working calendar of propdesk: business-time arithmetic for the SLA clocks.

A `WorkingCalendar` is an immutable value object built once from a `BusinessCalendar`'s
rows (`WorkingCalendar.for_calendar(calendar)`: three queries) or directly from Python
values (tests, presets). After that every operation is pure arithmetic — no database in
the hot path. `.load(calendar_id)` and `.for_project(project)` keep the value objects per
process (`core.configcache`), so a ticket's clocks cost one primary-key read, not four
queries, while no calendar has changed.

The model of time
-----------------
- A day's working time is a list of windows in the calendar's wall-clock time, e.g.
  08:30–12:00 and 13:30–17:30 (the lunch break does not count). An end of 00:00 means
  midnight at the end of the day (24:00), so a 24-hour calendar is 00:00–00:00.
- Which windows a date has: a dated exception wins over the weekly pattern —
  HOLIDAY: none; WORKDAY (调休 make-up day, often a Saturday or Sunday): the windows of
  the weekday it stands in for (Monday unless configured); HOURS: its own windows.
  A *working day* is a date with at least one window.
- Instants are aware datetimes (any zone in, the calendar's zone out). Durations are
  computed in UTC, so a zone with daylight saving would still count real elapsed time.
- Amounts are `timedelta`s of business time. Calendar time needs no helper: it is plain
  `datetime + timedelta`.
- The arithmetic walks day by day, summing window lengths (adding 15 working days is
  about 20 iterations, never one per minute). A calendar with no working time for
  `MAX_IDLE_DAYS` consecutive days raises `DomainError("calendar_no_working_time")`
  instead of looping for ever.

Boundary conventions (the property tests pin them down)
-------------------------------------------------------
- `add(start, d)` returns the *earliest* instant at which `d` of business time has passed
  since `start`; for d > 0 that may be exactly a window end (08:30 + 3h30 = 12:00, not
  13:30). `add(start, 0)` returns `start` when it lies in a window (ends included) and
  otherwise moves it to the next window start: adding zero to an out-of-hours start is
  the clock's effective start.
- `subtract(end, d)` is the mirror: the latest instant from which `d` of business time
  reaches `end`; `subtract(end, 0)` moves an out-of-hours `end` back to the previous
  window end. For every start inside a window, `subtract(add(start, d), d) == start`.
- `between(a, b)` is the business time inside [a, b]; it is antisymmetric:
  `between(b, a) == -between(a, b)` (a negative result reads "overdue by"). For every
  start, `between(start, add(start, d)) == d`.
- Negative amounts: `add(t, -d) == subtract(t, d)` and vice versa.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from itertools import pairwise
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext as _

from propdesk.core import configcache
from propdesk.core.errors import DomainError

if TYPE_CHECKING:
    from propdesk.core.models import BusinessCalendar
    from propdesk.estate.models import Project

UTC = dt.UTC
ZERO = dt.timedelta(0)
ONE_DAY = dt.timedelta(days=1)
MIDNIGHT = dt.time(0)
DEFAULT_TIME_ZONE = "Asia/Shanghai"
# At most this many consecutive days without working time before giving up.
MAX_IDLE_DAYS = 400

Window = tuple[dt.time, dt.time]
Instant = dt.datetime
Span = tuple[dt.datetime, dt.datetime]


def _weekdays(days: Iterable[int], windows: tuple[Window, ...]) -> dict[int, tuple[Window, ...]]:
    return dict.fromkeys(days, windows)


# Weekly patterns shipped as presets (weekday 0 = Monday).
PRESETS: dict[str, dict[int, tuple[Window, ...]]] = {
    # The company office: Mon–Fri 08:30–12:00 and 13:30–17:30.
    "standard": _weekdays(range(5), ((dt.time(8, 30), dt.time(12, 0)), (dt.time(13, 30), dt.time(17, 30)))),
    # rule DESK-9: the office-building desk is staffed 8:30–12:20 and 13:30–17:10.
    "office_building": _weekdays(range(5), ((dt.time(8, 30), dt.time(12, 20)), (dt.time(13, 30), dt.time(17, 10)))),
}


def _seconds(moment: dt.time, *, end: bool) -> int:
    seconds = moment.hour * 3600 + moment.minute * 60 + moment.second
    return 86400 if end and seconds == 0 and moment.microsecond == 0 else seconds


def _fmt(moment: dt.time, *, end: bool = False) -> str:
    return "24:00" if end and moment == MIDNIGHT else moment.strftime("%H:%M")


def check_windows(windows: Iterable[Window]) -> tuple[Window, ...]:
    """One day's windows, sorted; `DomainError` when a window does not start before it
    ends or two windows overlap (touching, 12:00–12:00, is allowed). End 00:00 = 24:00."""
    ordered = tuple(sorted(windows))
    for start, end in ordered:
        if _seconds(start, end=False) >= _seconds(end, end=True):
            raise DomainError(
                "calendar_window_invalid",
                _("工作时段的开始时间必须早于结束时间：%(start)s–%(end)s") % {"start": _fmt(start), "end": _fmt(end, end=True)},
                field="end",
            )
    for (start_a, end_a), (start_b, end_b) in pairwise(ordered):
        if _seconds(end_a, end=True) > _seconds(start_b, end=False):
            raise DomainError(
                "calendar_window_overlap",
                _("工作时段重叠：%(first)s 与 %(second)s")
                % {
                    "first": f"{_fmt(start_a)}–{_fmt(end_a, end=True)}",
                    "second": f"{_fmt(start_b)}–{_fmt(end_b, end=True)}",
                },
                field="start",
            )
    return ordered


def time_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise DomainError("calendar_time_zone_unknown", _("未知的时区：%(name)s") % {"name": name}, field="time_zone") from error


class WorkingCalendar:
    """Business-time arithmetic over one calendar (see the module docstring).

    `weekly` maps weekday (0 = Monday) to that day's windows; `holidays` are dates with
    no working time; `workdays` maps each make-up date (调休) to the weekday whose windows
    it works; `hours` maps a date to its own special windows.
    """

    __slots__ = ("_days", "_tz", "_weekly", "name")

    def __init__(
        self,
        *,
        weekly: Mapping[int, Iterable[Window]],
        holidays: Iterable[dt.date] = (),
        workdays: Mapping[dt.date, int] | None = None,
        hours: Mapping[dt.date, Iterable[Window]] | None = None,
        time_zone_name: str = DEFAULT_TIME_ZONE,
        name: str = "",
    ) -> None:
        self.name = name
        self._tz = time_zone(time_zone_name)
        for weekday in weekly:
            if not 0 <= weekday <= 6:
                raise ValueError(f"weekday must be 0..6, got {weekday!r}")
        self._weekly: tuple[tuple[Window, ...], ...] = tuple(check_windows(weekly.get(wd, ())) for wd in range(7))
        days: dict[dt.date, tuple[Window, ...]] = {}

        def put(day: dt.date, windows: tuple[Window, ...]) -> None:
            if day in days:
                raise ValueError(f"{day} has more than one exception")
            days[day] = windows

        for day in holidays:
            put(day, ())
        for day, weekday in (workdays or {}).items():
            put(day, self._weekly[weekday])
        for day, windows in (hours or {}).items():
            put(day, check_windows(windows))
        self._days = days

    # -- building from the database ------------------------------------------------

    @classmethod
    def for_calendar(cls, calendar: BusinessCalendar) -> WorkingCalendar:
        """The value object for a `BusinessCalendar` row (three queries)."""
        from propdesk.core.models import CalendarException

        weekly: dict[int, list[Window]] = defaultdict(list)
        for row in calendar.windows.all():
            weekly[row.weekday].append((row.start, row.end))
        holidays: list[dt.date] = []
        workdays: dict[dt.date, int] = {}
        hours: dict[dt.date, list[Window]] = {}
        for exception in calendar.exceptions.prefetch_related("windows"):
            if exception.kind == CalendarException.Kind.HOLIDAY:
                holidays.append(exception.date)
            elif exception.kind == CalendarException.Kind.WORKDAY:
                workdays[exception.date] = exception.as_weekday
            else:
                hours[exception.date] = [(w.start, w.end) for w in exception.windows.all()]
        try:
            return cls(
                weekly=weekly,
                holidays=holidays,
                workdays=workdays,
                hours=hours,
                time_zone_name=calendar.time_zone,
                name=calendar.name,
            )
        except DomainError as error:
            raise DomainError(
                error.code, _("工作日历“%(name)s”：%(message)s") % {"name": calendar.name, "message": error.message}
            ) from error

    @classmethod
    def load(cls, calendar_id: int) -> WorkingCalendar:
        """The calendar with this id, memoised per process (`core.configcache`)."""
        return configcache.cached(("calendar", calendar_id), lambda: cls._load(calendar_id))

    @classmethod
    def _load(cls, calendar_id: int) -> WorkingCalendar:
        from propdesk.core.models import BusinessCalendar

        calendar = BusinessCalendar.objects.filter(pk=calendar_id).first()
        if calendar is None:
            raise DomainError("calendar_not_found", _("工作日历不存在"), field="calendar")
        return cls.for_calendar(calendar)

    @classmethod
    def for_project(cls, project: Project | int | None) -> WorkingCalendar:
        """The project's active calendar (the oldest when several), else the company
        default (active, no project; the oldest); `DomainError` when there is neither.
        Memoised per process (`core.configcache`): one primary-key read while nothing
        changed, and a calendar shared by many projects (the company default) is built
        once, not once per project."""
        project_id = getattr(project, "pk", project)
        own, default = configcache.cached("project calendar ids", cls._calendar_ids)
        calendar_id = own.get(project_id, default)
        if calendar_id is None:
            raise DomainError("calendar_missing", _("没有可用的工作日历，请先在后台建立公司默认工作日历"), field="calendar")
        return cls.load(calendar_id)

    @staticmethod
    def _calendar_ids() -> tuple[dict[int, int], int | None]:
        """({project id: its own active calendar's id}, the company default's id)."""
        from propdesk.core.models import BusinessCalendar

        own: dict[int, int] = {}
        default = None
        for pk, project_id in BusinessCalendar.objects.filter(active=True).order_by("id").values_list("pk", "project_id"):
            if project_id is None:
                default = default or pk
            else:
                own.setdefault(project_id, pk)
        return own, default

    # -- days ----------------------------------------------------------------------

    @property
    def tz(self) -> ZoneInfo:
        return self._tz

    def _spec(self, day: dt.date) -> tuple[Window, ...]:
        windows = self._days.get(day)
        return self._weekly[day.weekday()] if windows is None else windows

    def _spans(self, day: dt.date) -> list[Span]:
        """The day's windows as UTC instants."""
        spans = []
        for start, end in self._spec(day):
            begin = dt.datetime.combine(day, start, tzinfo=self._tz)
            finish = dt.datetime.combine(day + ONE_DAY if end == MIDNIGHT else day, end, tzinfo=self._tz)
            spans.append((begin.astimezone(UTC), finish.astimezone(UTC)))
        return spans

    def is_working_day(self, day: dt.date) -> bool:
        return bool(self._spec(day))

    def windows_on(self, day: dt.date) -> list[Span]:
        """The day's windows as aware (start, end) pairs in the calendar's zone."""
        return [(start.astimezone(self._tz), end.astimezone(self._tz)) for start, end in self._spans(day)]

    def working_time_on(self, day: dt.date) -> dt.timedelta:
        return sum((end - start for start, end in self._spans(day)), ZERO)

    def is_working_time(self, instant: Instant) -> bool:
        """Inside a window: start included, end excluded."""
        moment = self._utc(instant)
        return any(start <= moment < end for start, end in self._spans(self._local_date(moment)))

    # -- arithmetic ----------------------------------------------------------------

    def add(self, start: Instant, amount: dt.timedelta) -> Instant:
        """The earliest instant at which `amount` of business time has passed since
        `start` (see the module docstring for the boundary conventions)."""
        if amount < ZERO:
            return self.subtract(start, -amount)
        moment = self._utc(start)
        remaining = amount
        # From the day before: a window ending at 24:00 ends exactly at this day's start.
        for day in self._days_forward(self._local_date(moment) - ONE_DAY):
            for begin, finish in self._spans(day):
                if finish < moment:
                    continue
                begin = max(begin, moment)
                if remaining == ZERO:
                    return self._out(begin)
                available = finish - begin
                if remaining <= available:
                    return self._out(begin + remaining)
                remaining -= available
        raise AssertionError("unreachable")  # pragma: no cover — _days_forward raises first

    def subtract(self, end: Instant, amount: dt.timedelta) -> Instant:
        """The latest instant from which `amount` of business time reaches `end`."""
        if amount < ZERO:
            return self.add(end, -amount)
        moment = self._utc(end)
        remaining = amount
        for day in self._days_backward(self._local_date(moment)):
            for begin, finish in reversed(self._spans(day)):
                if begin > moment:
                    continue
                finish = min(finish, moment)
                if remaining == ZERO:
                    return self._out(finish)
                available = finish - begin
                if remaining <= available:
                    return self._out(finish - remaining)
                remaining -= available
        raise AssertionError("unreachable")  # pragma: no cover

    def between(self, a: Instant, b: Instant) -> dt.timedelta:
        """Business time inside [a, b]; negative when b is before a."""
        start, finish = self._utc(a), self._utc(b)
        if finish < start:
            return -self.between(b, a)
        total = ZERO
        day, last = self._local_date(start), self._local_date(finish)
        while day <= last:
            for begin, end in self._spans(day):
                overlap = min(end, finish) - max(begin, start)
                if overlap > ZERO:
                    total += overlap
            day += ONE_DAY
        return total

    def add_business_days(self, start: Instant, days: int) -> Instant:
        """`days` working days after `start`: the same business position (time into the
        working day) on the `days`-th following working day, capped at that day's last
        window end when it is shorter. A start out of hours counts from the next window
        start; a start at the opening of its day ends at the close of the `days`-th
        working day counting its own (Thu 08:30 + 1 → Thu 17:30, Thu 08:31 + 1 → Fri 08:31;
        the same business instant as Fri 08:30, shown as the earliest). `days` = 0 returns
        the normalised start."""
        if days < 0:
            raise ValueError("days must be >= 0")
        moment, day = self._open_at_or_after(self._utc(start))
        if days == 0:
            return self._out(moment)
        spans = self._spans(day)
        offset = self._between_utc(spans[0][0], moment, spans)
        if offset == ZERO:
            return self._out(self._spans(self._nth_working_day(day, days - 1))[-1][1])
        remaining = offset
        target = self._spans(self._nth_working_day(day, days))
        for begin, finish in target:
            if remaining <= finish - begin:
                return self._out(begin + remaining)
            remaining -= finish - begin
        return self._out(target[-1][1])

    def end_of_business_day(self, start: Instant) -> Instant:
        """For "same day" targets: the end of the day's last window; when `start` is at
        or after it (or on a day off), the end of the next working day."""
        _moment, day = self._open_at_or_after(self._utc(start))
        return self._out(self._spans(day)[-1][1])

    def next_working_day(self, day: dt.date) -> dt.date:
        """The first working day strictly after `day`."""
        return self._nth_working_day(day, 1)

    # -- helpers -------------------------------------------------------------------

    def _utc(self, instant: Instant) -> dt.datetime:
        if instant.tzinfo is None or instant.utcoffset() is None:
            raise ValueError("WorkingCalendar needs aware datetimes")
        return instant.astimezone(UTC)

    def _out(self, moment: dt.datetime) -> Instant:
        return moment.astimezone(self._tz)

    def _local_date(self, moment: dt.datetime) -> dt.date:
        return moment.astimezone(self._tz).date()

    def _no_working_time(self) -> DomainError:
        return DomainError(
            "calendar_no_working_time",
            _("工作日历“%(name)s”连续 %(days)s 天没有任何工作时段，无法计算工作时间；请检查工作时段和节假日设置")
            % {"name": self.name or "—", "days": MAX_IDLE_DAYS},
            field="calendar",
        )

    def _days_forward(self, day: dt.date) -> Iterable[dt.date]:
        idle = 0
        while True:
            if self._spec(day):
                idle = 0
            else:
                idle += 1
                if idle > MAX_IDLE_DAYS:
                    raise self._no_working_time()
            yield day
            day += ONE_DAY

    def _days_backward(self, day: dt.date) -> Iterable[dt.date]:
        idle = 0
        while True:
            if self._spec(day):
                idle = 0
            else:
                idle += 1
                if idle > MAX_IDLE_DAYS:
                    raise self._no_working_time()
            yield day
            day -= ONE_DAY

    def _open_at_or_after(self, moment: dt.datetime) -> tuple[dt.datetime, dt.date]:
        """The first instant at or after `moment` inside a window (end excluded), and
        the working day it belongs to."""
        for day in self._days_forward(self._local_date(moment)):
            for begin, finish in self._spans(day):
                if moment < finish:
                    return max(begin, moment), day
        raise AssertionError("unreachable")  # pragma: no cover

    def _nth_working_day(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day after `day` (n = 0: `day` itself)."""
        found = 0
        for candidate in self._days_forward(day + ONE_DAY if n else day):
            if n == 0 or self._spec(candidate):
                found += 1
                if found >= n:
                    return candidate
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _between_utc(start: dt.datetime, finish: dt.datetime, spans: list[Span]) -> dt.timedelta:
        return sum((max(ZERO, min(end, finish) - max(begin, start)) for begin, end in spans), ZERO)

    def __repr__(self) -> str:
        return f"<WorkingCalendar {self.name or '—'} {self._tz.key} exceptions={len(self._days)}>"
