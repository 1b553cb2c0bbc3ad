"""Clock arithmetic, pure: deadlines, time left, resuming — no database.

A clock lives in its target's *time*: calendar time for calendar units (plain datetime
arithmetic) or business time for business units (the WorkingCalendar's windows). Every
function takes `business` to say which, and a `calendar` that is touched only for
business time (the services pass a lazily loaded one, so calendar-time clocks never
need a working calendar).

Pause arithmetic (sla.md): pausing keeps `remaining(now, deadline)`; resuming sets
`deadline = advance(now, remaining)`. Since `advance(p, remaining(p, D)) == D` for the
deadlines these functions produce (they are the *earliest* instant with that much time
left, see core.workcalendar) and `advance` is monotonic, a resume at or after the pause
never gives an earlier deadline (property-tested in tests/test_arithmetic.py).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from propdesk.sla.choices import BUSINESS_UNITS, Unit

if TYPE_CHECKING:
    from propdesk.core.workcalendar import WorkingCalendar

ZERO = dt.timedelta(0)


def deadline_for(*, unit: str, amount: int, start: dt.datetime, calendar: WorkingCalendar) -> tuple[dt.datetime, dt.timedelta]:
    """The deadline of a target started at `start`, and its budget (full length in the
    target's own time)."""
    if unit == Unit.CALENDAR_MINUTES:
        budget = dt.timedelta(minutes=amount)
        return start + budget, budget
    if unit == Unit.CALENDAR_DAYS:
        budget = dt.timedelta(days=amount)
        return start + budget, budget
    if unit == Unit.BUSINESS_MINUTES:
        budget = dt.timedelta(minutes=amount)
        return calendar.add(start, budget), budget
    if unit == Unit.BUSINESS_DAYS:
        deadline = calendar.add_business_days(start, amount)
    elif unit == Unit.END_OF_BUSINESS_DAY:
        deadline = calendar.end_of_business_day(start)
        day = deadline.date()
        for _ in range(amount):
            day = calendar.next_working_day(day)
        if amount:
            deadline = calendar.windows_on(day)[-1][1]
    else:
        raise ValueError(f"unknown unit {unit!r}")
    return deadline, calendar.between(start, deadline)


def is_business(unit: str) -> bool:
    return unit in BUSINESS_UNITS


def remaining(*, business: bool, now: dt.datetime, deadline: dt.datetime, calendar: WorkingCalendar) -> dt.timedelta:
    """Time left from `now` to `deadline` in the clock's time (negative when overdue)."""
    return calendar.between(now, deadline) if business else deadline - now


def elapsed(*, business: bool, start: dt.datetime, end: dt.datetime, calendar: WorkingCalendar) -> dt.timedelta:
    return calendar.between(start, end) if business else end - start


def advance(*, business: bool, start: dt.datetime, amount: dt.timedelta, calendar: WorkingCalendar) -> dt.datetime:
    """`start` plus `amount` of the clock's time."""
    return calendar.add(start, amount) if business else start + amount


def warn_time(
    *, business: bool, deadline: dt.datetime, budget: dt.timedelta, percent: int | None, calendar: WorkingCalendar
) -> dt.datetime | None:
    """When `percent` of the budget is used up: the deadline less the rest of the budget."""
    if not percent:
        return None
    rest = dt.timedelta(seconds=round(budget.total_seconds() * (100 - percent) / 100))
    return calendar.subtract(deadline, rest) if business else deadline - rest
