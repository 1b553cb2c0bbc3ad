"""Clock arithmetic, property-tested without the database: pausing and resuming never
gives an earlier deadline, the warning point lies inside the clock's span, and every
unit's deadline is what the rule says.

The calendar is the company's standard week with the real 2026 holidays and make-up
workdays (国庆节 Oct 1–7, Sat Oct 10 worked) from chinese-calendar."""

from __future__ import annotations

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from propdesk.core.models import CalendarException
from propdesk.core.services import official_days
from propdesk.core.workcalendar import PRESETS, WorkingCalendar
from propdesk.sla import arithmetic
from propdesk.sla.choices import Unit
from propdesk.sla.tests.conftest import SHANGHAI, at

Kind = CalendarException.Kind
OFFICIAL = official_days(2026)
CALENDAR = WorkingCalendar(
    weekly=PRESETS["standard"],
    holidays=[day for day, (kind, _name) in OFFICIAL.items() if kind == Kind.HOLIDAY],
    workdays={day: 0 for day, (kind, _name) in OFFICIAL.items() if kind == Kind.WORKDAY},
    name="标准",
)

instants = st.datetimes(min_value=dt.datetime(2026, 9, 1), max_value=dt.datetime(2026, 12, 1), timezones=st.just(SHANGHAI))
targets = st.one_of(
    st.tuples(st.just(Unit.CALENDAR_MINUTES), st.integers(1, 3 * 24 * 60)),
    st.tuples(st.just(Unit.CALENDAR_DAYS), st.integers(1, 20)),
    st.tuples(st.just(Unit.BUSINESS_MINUTES), st.integers(1, 5 * 450)),
    st.tuples(st.just(Unit.BUSINESS_DAYS), st.integers(1, 15)),
    st.tuples(st.just(Unit.END_OF_BUSINESS_DAY), st.integers(0, 3)),
)
fractions = st.floats(min_value=0, max_value=0.999)
waits = st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(days=12))


def _pause_and_resume(unit, deadline, paused_at, resumed_at):
    """What the services do: keep the time left at the pause, add it to the resume."""
    business = arithmetic.is_business(unit)
    left = arithmetic.remaining(business=business, now=paused_at, deadline=deadline, calendar=CALENDAR)
    return arithmetic.advance(business=business, start=resumed_at, amount=left, calendar=CALENDAR)


@settings(deadline=None, max_examples=300)
@given(instants, targets, st.lists(st.tuples(fractions, waits), min_size=1, max_size=4))
def test_pause_and_resume_never_shorten_a_deadline(start, target, pauses):
    unit, amount = target
    deadline, _budget = arithmetic.deadline_for(unit=unit, amount=amount, start=start, calendar=CALENDAR)
    now = start
    for fraction, wait in pauses:
        # Pause somewhere before the deadline, wait, resume.
        paused_at = now + (deadline - now) * fraction
        resumed_at = paused_at + wait
        later = _pause_and_resume(unit, deadline, paused_at, resumed_at)
        assert later >= deadline
        # The time left when resuming is the time left when pausing.
        business = arithmetic.is_business(unit)
        assert arithmetic.remaining(business=business, now=resumed_at, deadline=later, calendar=CALENDAR) == (
            arithmetic.remaining(business=business, now=paused_at, deadline=deadline, calendar=CALENDAR)
        )
        deadline, now = later, resumed_at


@settings(deadline=None, max_examples=200)
@given(instants, targets)
def test_a_pause_that_resumes_at_once_keeps_the_deadline(start, target):
    unit, amount = target
    deadline, _budget = arithmetic.deadline_for(unit=unit, amount=amount, start=start, calendar=CALENDAR)
    paused_at = start + (deadline - start) / 2
    assert _pause_and_resume(unit, deadline, paused_at, paused_at) == deadline


@settings(deadline=None, max_examples=200)
@given(instants, targets, st.integers(1, 99))
def test_warning_point_lies_between_start_and_deadline(start, target, percent):
    unit, amount = target
    business = arithmetic.is_business(unit)
    deadline, budget = arithmetic.deadline_for(unit=unit, amount=amount, start=start, calendar=CALENDAR)
    warn = arithmetic.warn_time(business=business, deadline=deadline, budget=budget, percent=percent, calendar=CALENDAR)
    assert warn <= deadline
    # Never before the effective start (a start out of hours counts from the next window).
    assert warn >= min(CALENDAR.add(start, dt.timedelta(0)), deadline) if business else warn >= start


def test_units_across_national_day():
    start = at(2026, 9, 30, 16, 0)  # Wednesday, the last working day before 国庆节

    def deadline(unit, amount):
        return arithmetic.deadline_for(unit=unit, amount=amount, start=start, calendar=CALENDAR)[0]

    assert deadline(Unit.CALENDAR_MINUTES, 10) == at(2026, 9, 30, 16, 10)
    assert deadline(Unit.CALENDAR_DAYS, 15) == at(2026, 10, 15, 16, 0)
    # 1 h 30 left on Sep 30, then Thursday Oct 8 from 08:30.
    assert deadline(Unit.BUSINESS_MINUTES, 240) == at(2026, 10, 8, 11, 0)
    assert deadline(Unit.BUSINESS_DAYS, 1) == at(2026, 10, 8, 16, 0)
    assert deadline(Unit.BUSINESS_DAYS, 2) == at(2026, 10, 9, 16, 0)
    assert deadline(Unit.BUSINESS_DAYS, 3) == at(2026, 10, 10, 16, 0)  # the make-up Saturday
    assert deadline(Unit.END_OF_BUSINESS_DAY, 0) == at(2026, 9, 30, 17, 30)
    assert deadline(Unit.END_OF_BUSINESS_DAY, 1) == at(2026, 10, 8, 17, 30)
    # After hours, "same day" is the next working day.
    late = arithmetic.deadline_for(unit=Unit.END_OF_BUSINESS_DAY, amount=0, start=at(2026, 9, 30, 18), calendar=CALENDAR)
    assert late == (at(2026, 10, 8, 17, 30), dt.timedelta(hours=7, minutes=30))
