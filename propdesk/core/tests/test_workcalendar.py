"""The working calendar: business-time arithmetic (property-based), real 2026 dates from
chinese-calendar, the seed service, the coverage check (propdesk.W001), the command and
the admin screens.

The 2026 dates asserted here are what chinese-calendar 1.11 says (the State Council
notice of 2025-11): 元旦 Jan 1–3 (Sun Jan 4 worked); 春节 Feb 15–23 (Sat Feb 14 and
Sat Feb 28 worked); 清明 Apr 4–6; 劳动节 May 1–5 (Sat May 9 worked); 端午 Jun 19–21;
中秋 Sep 25–27; 国庆节 Oct 1–7 (Sun Sep 20 and Sat Oct 10 worked).
"""

from __future__ import annotations

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core import checks
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction
from django.forms import inlineformset_factory
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from propdesk.core.admin import WeeklyWindowFormSet
from propdesk.core.checks import check_calendar_coverage
from propdesk.core.errors import DomainError
from propdesk.core.models import BusinessCalendar, CalendarException, ExceptionWindow, WorkingWindow
from propdesk.core.services import (
    calendar_coverage,
    calendar_create_default,
    calendar_seed_holidays,
    official_days,
)
from propdesk.core.workcalendar import MAX_IDLE_DAYS, PRESETS, WorkingCalendar, check_windows

TZ = ZoneInfo("Asia/Shanghai")
H = dt.timedelta(hours=1)
MIN = dt.timedelta(minutes=1)
Kind = CalendarException.Kind
Source = CalendarException.Source


def at(y, m, d, hh=0, mm=0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, tzinfo=TZ)


def t(hh, mm=0) -> dt.time:
    return dt.time(hh, mm)


OFFICIAL = official_days(2025) | official_days(2026)
HOLIDAYS = sorted(day for day, (kind, _name) in OFFICIAL.items() if kind == Kind.HOLIDAY)
MAKEUP = {day: 0 for day, (kind, _name) in OFFICIAL.items() if kind == Kind.WORKDAY}

STANDARD = WorkingCalendar(weekly=PRESETS["standard"], holidays=HOLIDAYS, workdays=MAKEUP, name="标准")
OFFICE = WorkingCalendar(weekly=PRESETS["office_building"], holidays=HOLIDAYS, workdays=MAKEUP, name="写字楼")
# Saturday mornings, touching windows on a special day, make-up days working Friday's hours.
SPECIAL = WorkingCalendar(
    weekly={**PRESETS["standard"], 4: ((t(8, 30), t(12)), (t(13, 30), t(16))), 5: ((t(9), t(12)),)},
    holidays=HOLIDAYS,
    workdays=dict.fromkeys(MAKEUP, 4),
    hours={dt.date(2026, 12, 31): [(t(8, 30), t(12))], dt.date(2026, 3, 3): [(t(8), t(11)), (t(11), t(12))]},
    name="特殊",
)
# A 24-hour desk (windows to 24:00) and a night shift crossing midnight as two windows.
ROUND_THE_CLOCK = WorkingCalendar(weekly=dict.fromkeys(range(7), ((t(0), t(0)),)), holidays=HOLIDAYS, name="24h")
NIGHT = WorkingCalendar(weekly=dict.fromkeys(range(7), ((t(0), t(6)), (t(20), t(0)))), holidays=HOLIDAYS, name="夜班")
CALENDARS = [STANDARD, OFFICE, SPECIAL, ROUND_THE_CLOCK, NIGHT]
UNIFORM = [STANDARD, OFFICE]  # every working day 7h30

FIRST, LAST = dt.date(2025, 1, 1), dt.date(2026, 12, 31)
calendars = st.sampled_from(CALENDARS)
# Half the draws fall on a 10-minute grid, so window boundaries (08:30, 12:00, 12:20 …) are hit exactly.
on_grid = st.integers(min_value=0, max_value=2 * 365 * 144 - 1).map(lambda k: at(2025, 1, 1) + k * 10 * MIN)
instants = st.one_of(
    on_grid,
    st.datetimes(
        min_value=dt.datetime(2025, 1, 1),
        max_value=dt.datetime(2026, 12, 31, 23, 59),
        timezones=st.sampled_from([TZ, dt.UTC]),
    ),
)
amounts = st.one_of(
    st.integers(min_value=0, max_value=400 * 6).map(lambda k: k * 10 * MIN),
    st.timedeltas(min_value=dt.timedelta(0), max_value=dt.timedelta(hours=400)),
)


@st.composite
def working_instants(draw, calendar: WorkingCalendar) -> dt.datetime:
    """An instant inside a window (start included, end excluded)."""
    day = draw(st.dates(min_value=FIRST, max_value=LAST).filter(calendar.is_working_day))
    start, end = draw(st.sampled_from(calendar.windows_on(day)))
    return start + draw(st.timedeltas(min_value=dt.timedelta(0), max_value=end - start - dt.timedelta(microseconds=1)))


def working_day_of(calendar: WorkingCalendar, moment: dt.datetime) -> dt.date | None:
    """The day whose window holds `moment`, window ends included; None when out of hours."""
    local = moment.astimezone(calendar.tz).date()
    for day in (local, local - dt.timedelta(days=1)):
        if any(start <= moment <= end for start, end in calendar.windows_on(day)):
            return day
    return None


# -- properties ------------------------------------------------------------------------


@settings(deadline=None)
@given(calendars, instants, amounts)
def test_between_start_and_start_plus_amount_is_the_amount(calendar, start, amount):
    assert calendar.between(start, calendar.add(start, amount)) == amount


@settings(deadline=None)
@given(st.data(), amounts)
def test_add_then_subtract_returns_a_start_inside_a_window(data, amount):
    calendar = data.draw(calendars)
    start = data.draw(working_instants(calendar))
    assert calendar.subtract(calendar.add(start, amount), amount) == start


@settings(deadline=None)
@given(st.data(), amounts)
def test_subtract_then_add_returns_an_end_inside_a_window_or_at_its_close(data, amount):
    calendar = data.draw(calendars)
    end = data.draw(working_instants(calendar))
    if data.draw(st.booleans()):  # the close of that window instead
        end = next(close for start, close in calendar.windows_on(end.astimezone(TZ).date()) if start <= end < close)
    assert calendar.add(calendar.subtract(end, amount), amount) == end


@settings(deadline=None)
@given(calendars, instants, amounts, amounts)
def test_add_is_monotonic_in_the_amount(calendar, start, a, b):
    small, large = sorted((a, b))
    assert calendar.add(start, small) <= calendar.add(start, large)


@settings(deadline=None)
@given(calendars, instants, amounts, amounts)
def test_adding_in_two_steps_equals_adding_the_sum(calendar, start, a, b):
    assert calendar.add(calendar.add(start, a), b) == calendar.add(start, a + b)


@settings(deadline=None)
@given(calendars, instants, amounts)
def test_add_lands_inside_a_window_of_a_working_day_never_on_a_holiday(calendar, start, amount):
    result = calendar.add(start, amount)
    day = working_day_of(calendar, result)
    assert day is not None, result
    assert calendar.is_working_day(day)
    assert day not in HOLIDAYS
    assert result >= start
    assert result.tzinfo == TZ  # answers come in the calendar's zone, whatever went in


@settings(deadline=None)
@given(calendars, instants, amounts)
def test_subtract_lands_inside_a_window_and_gives_back_the_amount(calendar, end, amount):
    result = calendar.subtract(end, amount)
    day = working_day_of(calendar, result)
    assert day is not None and day not in HOLIDAYS
    assert calendar.between(result, end) == amount


@settings(deadline=None)
@given(calendars, instants)
def test_adding_zero_keeps_a_working_instant_and_moves_an_out_of_hours_one_to_the_next_window_start(calendar, start):
    result = calendar.add(start, dt.timedelta(0))
    if working_day_of(calendar, start) is not None:
        assert result == start
    else:
        assert result > start
        assert calendar.between(start, result) == dt.timedelta(0)
        assert result in [begin for begin, _end in calendar.windows_on(result.astimezone(TZ).date())]


@settings(deadline=None)
@given(calendars, instants, instants, instants)
def test_between_is_additive_and_antisymmetric(calendar, a, b, c):
    a, b, c = sorted((a, b, c))
    assert calendar.between(a, b) + calendar.between(b, c) == calendar.between(a, c)
    assert calendar.between(c, a) == -calendar.between(a, c)
    assert calendar.between(a, c) <= c - a


@settings(deadline=None)
@given(st.sampled_from(UNIFORM), instants, st.integers(min_value=0, max_value=30))
def test_business_days_on_a_uniform_calendar_are_whole_working_days_of_business_time(calendar, start, n):
    result = calendar.add_business_days(start, n)
    assert calendar.between(start, result) == n * dt.timedelta(hours=7, minutes=30)
    assert working_day_of(calendar, result) not in (None, *HOLIDAYS)


@settings(deadline=None)
@given(calendars, instants)
def test_end_of_business_day_is_the_close_of_a_working_day_still_ahead(calendar, start):
    result = calendar.end_of_business_day(start)
    assert result > start
    day = result.astimezone(TZ).date()
    closes = [end for _start, end in calendar.windows_on(day) + calendar.windows_on(day - dt.timedelta(days=1))]
    assert result in closes
    assert calendar.between(start, result) > dt.timedelta(0)


# -- worked examples: real 2026 dates ----------------------------------------------------------


def test_chinese_calendar_2026_national_day_mid_autumn_and_their_make_up_days():
    for day in range(1, 8):
        assert OFFICIAL[dt.date(2026, 10, day)] == (Kind.HOLIDAY, "国庆节")
    for day in (25, 26, 27):
        assert OFFICIAL[dt.date(2026, 9, day)] == (Kind.HOLIDAY, "中秋")
    assert OFFICIAL[dt.date(2026, 9, 20)] == (Kind.WORKDAY, "国庆节")  # a Sunday
    assert OFFICIAL[dt.date(2026, 10, 10)] == (Kind.WORKDAY, "国庆节")  # a Saturday
    assert dt.date(2026, 9, 30) not in OFFICIAL and dt.date(2026, 10, 8) not in OFFICIAL


def test_national_day_2026_one_business_day_from_wednesday_afternoon_is_thursday_october_8():
    start = at(2026, 9, 30, 16)  # Wednesday; Oct 1–7 off
    assert STANDARD.add_business_days(start, 1) == at(2026, 10, 8, 16)
    assert STANDARD.add(start, dt.timedelta(hours=7, minutes=30)) == at(2026, 10, 8, 16)
    assert STANDARD.add(start, 2 * H) == at(2026, 10, 8, 9)  # 1h30 on Sep 30, 30 min on Oct 8
    assert STANDARD.subtract(at(2026, 10, 8, 9), H) == at(2026, 9, 30, 17)
    assert STANDARD.between(at(2026, 9, 30, 8, 30), at(2026, 10, 9, 8, 30)) == 15 * H
    assert STANDARD.end_of_business_day(at(2026, 9, 30, 18)) == at(2026, 10, 8, 17, 30)


def test_mid_autumn_friday_and_the_weekend_are_off_in_2026():
    assert not STANDARD.is_working_day(dt.date(2026, 9, 25))  # Friday, 中秋
    assert STANDARD.add(at(2026, 9, 24, 17), H) == at(2026, 9, 28, 9)


def test_make_up_saturday_october_10_2026_is_a_working_day_with_monday_windows():
    assert STANDARD.is_working_day(dt.date(2026, 10, 10))
    assert STANDARD.windows_on(dt.date(2026, 10, 10)) == [
        (at(2026, 10, 10, 8, 30), at(2026, 10, 10, 12)),
        (at(2026, 10, 10, 13, 30), at(2026, 10, 10, 17, 30)),
    ]
    assert STANDARD.add(at(2026, 10, 9, 17), H) == at(2026, 10, 10, 9)  # Friday 17:00 + 1h
    assert not STANDARD.is_working_day(dt.date(2026, 10, 17))  # an ordinary Saturday


def test_make_up_sunday_september_20_2026_counts_from_its_first_window():
    assert STANDARD.add(at(2026, 9, 19, 10), dt.timedelta(0)) == at(2026, 9, 20, 8, 30)


def test_a_make_up_day_can_work_another_weekdays_windows():
    # SPECIAL works make-up days with Friday's hours (afternoon to 16:00).
    assert SPECIAL.windows_on(dt.date(2026, 10, 10))[-1][1] == at(2026, 10, 10, 16)


def test_spring_festival_2026_make_up_saturdays_and_nine_days_off():
    for day in range(15, 24):
        assert OFFICIAL[dt.date(2026, 2, day)] == (Kind.HOLIDAY, "春节")
    assert OFFICIAL[dt.date(2026, 2, 14)] == (Kind.WORKDAY, "春节")
    assert OFFICIAL[dt.date(2026, 2, 28)] == (Kind.WORKDAY, "春节")
    assert STANDARD.add(at(2026, 2, 13, 17), 2 * H) == at(2026, 2, 14, 10)  # Fri → make-up Sat
    assert STANDARD.add(at(2026, 2, 14, 17), H) == at(2026, 2, 24, 9)  # Sat → Tue after the break
    # rule DESK-6: a request answered within 1 day
    assert STANDARD.add_business_days(at(2026, 2, 14, 10), 1) == at(2026, 2, 24, 10)


def test_year_end_2025_into_new_year_2026_skips_jan_1_to_3_and_works_sunday_jan_4():
    assert STANDARD.add(at(2025, 12, 31, 17), H) == at(2026, 1, 4, 9)
    assert STANDARD.subtract(at(2026, 1, 4, 9), H) == at(2025, 12, 31, 17)


def test_month_end_april_2026_into_labour_day_and_its_make_up_saturday():
    assert STANDARD.add(at(2026, 4, 30, 17), H) == at(2026, 5, 6, 9)
    assert STANDARD.add(at(2026, 5, 8, 17), H) == at(2026, 5, 9, 9)


def test_lunch_break_does_not_count():
    assert STANDARD.add(at(2026, 3, 4, 11, 30), H) == at(2026, 3, 4, 14)
    assert STANDARD.between(at(2026, 3, 4, 11), at(2026, 3, 4, 14)) == 90 * MIN
    assert STANDARD.add(at(2026, 3, 4, 12, 30), dt.timedelta(0)) == at(2026, 3, 4, 13, 30)


def test_desk9_office_building_preset_is_830_to_1220_and_1330_to_1710():
    assert OFFICE.windows_on(dt.date(2026, 3, 4)) == [
        (at(2026, 3, 4, 8, 30), at(2026, 3, 4, 12, 20)),
        (at(2026, 3, 4, 13, 30), at(2026, 3, 4, 17, 10)),
    ]
    assert OFFICE.add(at(2026, 3, 4, 11, 30), H) == at(2026, 3, 4, 13, 40)
    assert OFFICE.end_of_business_day(at(2026, 3, 4, 9)) == at(2026, 3, 4, 17, 10)


def test_a_result_may_be_exactly_a_window_end_not_the_next_window_start():
    assert STANDARD.add(at(2026, 3, 4, 8, 30), dt.timedelta(hours=3, minutes=30)) == at(2026, 3, 4, 12)
    assert STANDARD.add(at(2026, 3, 4, 12), dt.timedelta(0)) == at(2026, 3, 4, 12)
    assert STANDARD.add(at(2026, 3, 4, 12), MIN) == at(2026, 3, 4, 13, 31)


def test_special_hours_day_counts_only_its_own_windows():
    assert SPECIAL.windows_on(dt.date(2026, 12, 31)) == [(at(2026, 12, 31, 8, 30), at(2026, 12, 31, 12))]
    assert SPECIAL.add(at(2026, 12, 31, 11), 2 * H) == at(2027, 1, 1, 9, 30)
    assert SPECIAL.add(at(2026, 3, 3, 10, 30), H) == at(2026, 3, 3, 11, 30)  # across touching windows


def test_business_days_from_the_opening_end_at_the_close_and_a_short_target_day_is_capped():
    assert STANDARD.add_business_days(at(2026, 3, 5, 8, 30), 1) == at(2026, 3, 5, 17, 30)  # Thu opening
    assert STANDARD.add_business_days(at(2026, 3, 5, 8, 31), 1) == at(2026, 3, 6, 8, 31)
    assert STANDARD.add_business_days(at(2026, 3, 4, 20), 1) == at(2026, 3, 5, 17, 30)  # after hours
    assert STANDARD.add_business_days(at(2026, 3, 5, 10), 0) == at(2026, 3, 5, 10)
    assert SPECIAL.add_business_days(at(2026, 12, 30, 15), 1) == at(2026, 12, 31, 12)  # special day ends 12:00
    with pytest.raises(ValueError):
        STANDARD.add_business_days(at(2026, 3, 5, 10), -1)


def test_end_of_business_day_same_day_or_next_working_day_after_hours():
    assert STANDARD.end_of_business_day(at(2026, 3, 5, 10)) == at(2026, 3, 5, 17, 30)
    assert STANDARD.end_of_business_day(at(2026, 3, 5, 17, 30)) == at(2026, 3, 6, 17, 30)
    assert STANDARD.end_of_business_day(at(2026, 3, 6, 19)) == at(2026, 3, 9, 17, 30)  # Fri evening → Mon


def test_between_backwards_is_negative_overdue_time():
    assert STANDARD.between(at(2026, 3, 5, 10), at(2026, 3, 5, 9)) == -H


def test_windows_to_midnight_and_across_midnight():
    assert ROUND_THE_CLOCK.add(at(2026, 3, 5, 23), 2 * H) == at(2026, 3, 6, 1)
    assert ROUND_THE_CLOCK.add(at(2026, 9, 30, 23), 2 * H) == at(2026, 10, 8, 1)  # holidays still off
    assert NIGHT.add(at(2026, 3, 5, 23), 2 * H) == at(2026, 3, 6, 1)
    assert NIGHT.add(at(2026, 3, 6, 0), dt.timedelta(0)) == at(2026, 3, 6, 0)


def test_any_time_zone_in_calendar_zone_out():
    utc_start = dt.datetime(2026, 3, 5, 2, tzinfo=dt.UTC)  # 10:00 in Shanghai
    result = STANDARD.add(utc_start, H)
    assert result == at(2026, 3, 5, 11) and result.tzinfo == TZ


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        STANDARD.add(dt.datetime(2026, 3, 5, 10), H)


def test_adding_fifteen_working_days_walks_days_not_minutes(monkeypatch):
    calls = []
    spans = WorkingCalendar._spans

    def counting(self, day):
        calls.append(day)
        return spans(self, day)

    monkeypatch.setattr(WorkingCalendar, "_spans", counting)
    start = at(2026, 3, 2, 9)  # Monday
    assert STANDARD.add(start, 15 * dt.timedelta(hours=7, minutes=30)) == at(2026, 3, 23, 9)
    assert len(calls) <= 25
    calls.clear()
    assert STANDARD.add_business_days(start, 15) == at(2026, 3, 23, 9)
    assert len(calls) <= 25


# -- guards ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "operation",
    [
        lambda c: c.add(at(2026, 3, 5, 10), H),
        lambda c: c.subtract(at(2026, 3, 5, 10), H),
        lambda c: c.add_business_days(at(2026, 3, 5, 10), 1),
        lambda c: c.end_of_business_day(at(2026, 3, 5, 10)),
    ],
)
def test_a_calendar_without_working_time_raises_instead_of_looping(operation):
    with pytest.raises(DomainError) as error:
        operation(WorkingCalendar(weekly={}, name="空"))
    assert error.value.code == "calendar_no_working_time"
    assert "空" in error.value.message
    assert WorkingCalendar(weekly={}).between(at(2026, 1, 1), at(2026, 12, 31)) == dt.timedelta(0)


def test_more_than_max_idle_days_of_holidays_is_treated_as_no_working_time():
    days_off = [dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(MAX_IDLE_DAYS + 10)]
    calendar = WorkingCalendar(weekly=PRESETS["standard"], holidays=days_off)
    with pytest.raises(DomainError):
        calendar.add(at(2025, 12, 31, 17), H)


def test_windows_must_not_overlap_and_must_start_before_they_end():
    with pytest.raises(DomainError) as error:
        check_windows([(t(8, 30), t(12)), (t(11), t(14))])
    assert error.value.code == "calendar_window_overlap"
    with pytest.raises(DomainError) as error:
        check_windows([(t(12), t(8))])
    assert error.value.code == "calendar_window_invalid"
    with pytest.raises(DomainError):
        check_windows([(t(20), t(0)), (t(22), t(23))])  # 20:00–24:00 holds 22:00–23:00
    assert check_windows([(t(13), t(18)), (t(8), t(13))]) == ((t(8), t(13)), (t(13), t(18)))  # touching is fine
    with pytest.raises(DomainError):
        WorkingCalendar(weekly={0: [(t(8), t(12)), (t(9), t(10))]})


# -- database: rows, seed service, coverage, check, command, admin --------------------------------


def make_calendar(**kwargs) -> BusinessCalendar:
    return BusinessCalendar.objects.create(name=kwargs.pop("name", "测试日历"), **kwargs)


def test_calendar_create_default_has_office_windows_and_seeds_current_and_next_year(db):
    calendar = calendar_create_default(name="公司默认", today=dt.date(2025, 6, 1))
    rows = list(calendar.windows.values_list("weekday", "start", "end"))
    assert len(rows) == 10
    assert (0, t(8, 30), t(12)) in rows and (4, t(13, 30), t(17, 30)) in rows
    assert calendar.project is None and calendar.active and calendar.time_zone == "Asia/Shanghai"
    assert calendar_coverage(calendar, 2025) and calendar_coverage(calendar, 2026)
    working = WorkingCalendar.for_calendar(calendar)
    assert working.add_business_days(at(2026, 9, 30, 16), 1) == at(2026, 10, 8, 16)
    assert working.is_working_day(dt.date(2026, 10, 10))


def test_desk9_office_building_preset_rows(db, world):
    calendar = calendar_create_default(
        name="写字楼前台", project=world.project_a, preset="office_building", today=dt.date(2026, 6, 1)
    )
    assert set(calendar.windows.values_list("start", "end")) == {(t(8, 30), t(12, 20)), (t(13, 30), t(17, 10))}
    assert calendar.windows.count() == 10
    with pytest.raises(DomainError) as error:
        calendar_create_default(name="x", preset="nope")
    assert error.value.code == "calendar_preset_unknown"


def test_seed_2026_creates_holidays_and_make_up_days_and_is_idempotent(db):
    calendar = make_calendar()
    first = calendar_seed_holidays(calendar=calendar, year=2026)
    assert first.covered and first.created == 39 and not (first.updated or first.deleted)
    assert calendar.exceptions.filter(kind=Kind.HOLIDAY).count() == 33
    assert set(calendar.exceptions.filter(kind=Kind.WORKDAY).values_list("date", flat=True)) == {
        dt.date(2026, 1, 4),
        dt.date(2026, 2, 14),
        dt.date(2026, 2, 28),
        dt.date(2026, 5, 9),
        dt.date(2026, 9, 20),
        dt.date(2026, 10, 10),
    }
    national_day = calendar.exceptions.get(date=dt.date(2026, 10, 1))
    assert (national_day.kind, national_day.name, national_day.source) == (Kind.HOLIDAY, "国庆节", Source.SEED)
    before = list(calendar.exceptions.values_list("id", "date", "kind", "name", "source"))
    again = calendar_seed_holidays(calendar=calendar, year=2026)
    assert (again.created, again.updated, again.deleted, again.kept) == (0, 0, 0, 0)
    assert list(calendar.exceptions.values_list("id", "date", "kind", "name", "source")) == before


def test_reseeding_keeps_manual_and_official_rows_and_repairs_seeded_ones(db):
    calendar = make_calendar()
    calendar_seed_holidays(calendar=calendar, year=2026)
    # The desk works National Day morning: an administrator turned the seeded row into special hours.
    oct3 = calendar.exceptions.get(date=dt.date(2026, 10, 3))
    oct3.kind, oct3.source = Kind.HOURS, Source.MANUAL
    oct3.save()
    ExceptionWindow.objects.create(exception=oct3, start=t(9), end=t(12))
    company_day = CalendarException.objects.create(
        calendar=calendar, date=dt.date(2026, 3, 6), kind=Kind.HOLIDAY, name="公司活动", source=Source.MANUAL
    )
    # A seeded row the package no longer lists, and one tampered with.
    CalendarException.objects.create(calendar=calendar, date=dt.date(2026, 3, 3), kind=Kind.HOLIDAY, source=Source.SEED)
    CalendarException.objects.filter(calendar=calendar, date=dt.date(2026, 10, 1)).update(name="改过")

    result = calendar_seed_holidays(calendar=calendar, year=2026)

    assert (result.created, result.updated, result.deleted, result.kept) == (0, 1, 1, 1)
    oct3.refresh_from_db()
    assert (oct3.kind, oct3.source) == (Kind.HOURS, Source.MANUAL)
    assert CalendarException.objects.filter(pk=company_day.pk).exists()
    assert not calendar.exceptions.filter(date=dt.date(2026, 3, 3)).exists()
    assert calendar.exceptions.get(date=dt.date(2026, 10, 1)).name == "国庆节"
    working = WorkingCalendar.for_calendar(calendar)
    assert working.windows_on(dt.date(2026, 10, 3)) == [(at(2026, 10, 3, 9), at(2026, 10, 3, 12))]
    assert not working.is_working_day(dt.date(2026, 3, 6))


def test_a_year_without_package_data_records_nothing_and_says_so(db):
    calendar = make_calendar()
    result = calendar_seed_holidays(calendar=calendar, year=2099)
    assert not result.covered
    assert "2099" in result.message and "chinese-calendar" in result.message
    assert not calendar.exceptions.exists()
    assert not calendar_coverage(calendar, 2099)


def test_official_rows_typed_in_by_hand_cover_a_year(db):
    calendar = make_calendar()
    CalendarException.objects.create(
        calendar=calendar, date=dt.date(2099, 1, 1), kind=Kind.HOLIDAY, name="元旦", source=Source.OFFICIAL
    )
    assert calendar_coverage(calendar, 2099)
    CalendarException.objects.create(
        calendar=calendar, date=dt.date(2098, 3, 1), kind=Kind.HOLIDAY, name="公司活动", source=Source.MANUAL
    )
    assert not calendar_coverage(calendar, 2098)  # a local day off is not the official dates


def test_for_calendar_reads_three_queries_and_round_trips_every_kind(db, django_assert_num_queries):
    calendar = make_calendar()
    for weekday in range(5):
        WorkingWindow.objects.create(calendar=calendar, weekday=weekday, start=t(8, 30), end=t(12))
        WorkingWindow.objects.create(calendar=calendar, weekday=weekday, start=t(13, 30), end=t(17, 30))
    WorkingWindow.objects.create(calendar=calendar, weekday=5, start=t(9), end=t(11))
    CalendarException.objects.create(calendar=calendar, date=dt.date(2026, 10, 1), kind=Kind.HOLIDAY)
    CalendarException.objects.create(calendar=calendar, date=dt.date(2026, 10, 11), kind=Kind.WORKDAY, as_weekday=5)
    hours = CalendarException.objects.create(calendar=calendar, date=dt.date(2026, 10, 9), kind=Kind.HOURS)
    ExceptionWindow.objects.create(exception=hours, start=t(8, 30), end=t(10))
    calendar = BusinessCalendar.objects.get(pk=calendar.pk)
    with django_assert_num_queries(3):
        working = WorkingCalendar.for_calendar(calendar)
    assert not working.is_working_day(dt.date(2026, 10, 1))
    assert working.windows_on(dt.date(2026, 10, 11)) == [(at(2026, 10, 11, 9), at(2026, 10, 11, 11))]
    assert working.windows_on(dt.date(2026, 10, 9)) == [(at(2026, 10, 9, 8, 30), at(2026, 10, 9, 10))]
    assert WorkingCalendar.load(calendar.pk).windows_on(dt.date(2026, 10, 9)) == working.windows_on(dt.date(2026, 10, 9))
    with pytest.raises(DomainError):
        WorkingCalendar.load(calendar.pk + 1000)


def test_for_calendar_names_the_calendar_when_its_rows_overlap(db):
    calendar = make_calendar(name="坏日历")
    WorkingWindow.objects.create(calendar=calendar, weekday=0, start=t(8), end=t(12))
    WorkingWindow.objects.create(calendar=calendar, weekday=0, start=t(11), end=t(13))
    with pytest.raises(DomainError) as error:
        WorkingCalendar.for_calendar(calendar)
    assert error.value.code == "calendar_window_overlap" and "坏日历" in error.value.message


def test_for_project_prefers_the_projects_calendar_then_the_company_default(db, world):
    with pytest.raises(DomainError) as error:
        WorkingCalendar.for_project(world.project_a)
    assert error.value.code == "calendar_missing"
    make_calendar(name="公司默认")
    make_calendar(name="停用", project=world.project_a, active=False)
    assert WorkingCalendar.for_project(world.project_a).name == "公司默认"
    make_calendar(name="阳光花园", project=world.project_a)
    assert WorkingCalendar.for_project(world.project_a).name == "阳光花园"
    assert WorkingCalendar.for_project(world.project_b).name == "公司默认"


def test_window_rows_are_validated_by_clean_and_by_the_database(db):
    calendar = make_calendar()
    with pytest.raises(ValidationError):
        WorkingWindow(calendar=calendar, weekday=0, start=t(12), end=t(8)).full_clean()
    WorkingWindow(calendar=calendar, weekday=0, start=t(20), end=t(0)).full_clean()  # to 24:00
    with transaction.atomic(), pytest.raises(IntegrityError):
        WorkingWindow.objects.create(calendar=calendar, weekday=0, start=t(12), end=t(8))
    CalendarException.objects.create(calendar=calendar, date=dt.date(2026, 5, 1), kind=Kind.HOLIDAY)
    with transaction.atomic(), pytest.raises(IntegrityError):
        CalendarException.objects.create(calendar=calendar, date=dt.date(2026, 5, 1), kind=Kind.WORKDAY)


def test_admin_inline_refuses_overlapping_windows_on_the_same_weekday(db):
    calendar = make_calendar()
    FormSet = inlineformset_factory(
        BusinessCalendar, WorkingWindow, formset=WeeklyWindowFormSet, fields=("weekday", "start", "end"), extra=0
    )

    def post(rows):
        data = {"windows-TOTAL_FORMS": str(len(rows)), "windows-INITIAL_FORMS": "0"}
        for i, (weekday, start, end) in enumerate(rows):
            data |= {f"windows-{i}-weekday": weekday, f"windows-{i}-start": start, f"windows-{i}-end": end}
        return FormSet(data, instance=calendar, prefix="windows")

    assert not post([(0, "08:30", "12:00"), (0, "11:00", "14:00")]).is_valid()
    assert post([(0, "08:30", "12:00"), (1, "11:00", "14:00"), (0, "13:30", "17:30")]).is_valid()


def test_admin_pages_for_calendars_render(db, admin_client):
    calendar = calendar_create_default(name="公司默认", today=dt.date(2026, 6, 1))
    this_year = timezone.localdate().year  # the inline lists this year's exceptions onwards
    hours = CalendarException.objects.create(
        calendar=calendar, date=dt.date(this_year, 12, 31), kind=Kind.HOURS, name="年终盘点", source=Source.MANUAL
    )
    assert admin_client.get("/admin/core/businesscalendar/").status_code == 200
    page = admin_client.get(f"/admin/core/businesscalendar/{calendar.pk}/change/")
    assert page.status_code == 200 and "年终盘点" in page.content.decode()
    assert admin_client.get(f"/admin/core/calendarexception/{hours.pk}/change/").status_code == 200


def test_editing_a_seeded_date_in_the_admin_makes_it_a_local_adjustment(db, admin_client):
    calendar = make_calendar()
    calendar_seed_holidays(calendar=calendar, year=2026)
    row = calendar.exceptions.get(date=dt.date(2026, 10, 3))
    response = admin_client.post(
        f"/admin/core/calendarexception/{row.pk}/change/",
        {
            "calendar": calendar.pk,
            "date": "2026-10-03",
            "kind": Kind.HOURS,
            "name": "国庆节值班",
            "as_weekday": 0,
            "source": Source.SEED,
            "windows-TOTAL_FORMS": "1",
            "windows-INITIAL_FORMS": "0",
            "windows-0-start": "09:00",
            "windows-0-end": "12:00",
        },
    )
    assert response.status_code == 302
    row.refresh_from_db()
    assert (row.kind, row.source) == (Kind.HOURS, Source.MANUAL)
    assert calendar_seed_holidays(calendar=calendar, year=2026).kept == 1


def test_check_w001_warns_in_december_that_next_years_holidays_are_missing(db):
    calendar = make_calendar(name="公司默认")
    calendar_seed_holidays(calendar=calendar, year=2026)
    make_calendar(name="停用", active=False)
    assert check_calendar_coverage(today=dt.date(2026, 11, 1)) == []
    warnings = check_calendar_coverage(today=dt.date(2026, 12, 5))
    assert [(w.id, w.obj) for w in warnings] == [("propdesk.W001", calendar)]
    assert isinstance(warnings[0], checks.Warning)
    assert "2027" in warnings[0].msg and "公司默认" in warnings[0].msg
    assert "seed_calendar --year 2027" in warnings[0].hint


def test_check_w001_is_registered_and_runs_with_the_system_checks(db, monkeypatch):
    make_calendar(name="无节假日")
    monkeypatch.setattr("propdesk.core.checks.timezone.localdate", lambda: dt.date(2099, 6, 1))
    found = [message for message in checks.run_checks(tags=["propdesk"]) if message.id == "propdesk.W001"]
    assert len(found) == 1 and "2099" in found[0].msg


def test_seed_calendar_command_seeds_active_calendars_and_fails_loudly_on_a_missing_year(db):
    active, inactive = make_calendar(name="启用"), make_calendar(name="停用", active=False)
    out = io.StringIO()
    call_command("seed_calendar", years=[2026], stdout=out)
    assert "2026" in out.getvalue()
    assert calendar_coverage(active, 2026) and not calendar_coverage(inactive, 2026)
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("seed_calendar", years=[2099], stdout=io.StringIO(), stderr=err)
    assert "2099" in err.getvalue()
