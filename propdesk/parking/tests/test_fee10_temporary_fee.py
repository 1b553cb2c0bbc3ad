"""FEE-10: the temporary-parking fee — 2 yuan up to 2 hours, +1 yuan per started further
hour, at most 6 yuan per calendar day, multi-day stays charged per day (see
parking/tariff.py for the interpretation). Checked against an independent hand formula
on epoch seconds (Shanghai is UTC+8 all year, no DST since 1991)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from propdesk.parking.tariff import TemporaryTariff, temporary_fee, temporary_fee_breakdown

SHANGHAI = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC
DAY = 86400


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SHANGHAI)


def hand_fee(entry: dt.datetime, exit: dt.datetime, base_hours=2, base=2, hourly=1, cap=6) -> int:
    """The rule by hand, in integer seconds and whole yuan: local seconds = UTC + 8 h; each
    local day [k·86400, (k+1)·86400) overlapping the stay pays for its overlap."""
    a = int(entry.timestamp()) + 8 * 3600
    b = int(exit.timestamp()) + 8 * 3600
    total = 0
    for k in range(a // DAY, (b // DAY) + 1):
        overlap = min(b, (k + 1) * DAY) - max(a, k * DAY)
        if overlap <= 0:
            continue
        over = overlap - base_hours * 3600
        hours = 0 if over <= 0 else (over + 3599) // 3600
        total += min(base + hourly * hours, cap)
    return total


moments = st.datetimes(min_value=dt.datetime(2024, 1, 1), max_value=dt.datetime(2030, 12, 31), timezones=st.just(UTC)).map(
    lambda d: d.replace(microsecond=0)
)
stays = st.integers(min_value=0, max_value=9 * DAY)
# Entries right before the ends of months and years, so stays cross them.
edges = st.sampled_from([at(2026, 12, 31, 23, 0), at(2027, 1, 31, 22, 30), at(2028, 2, 28, 23, 59), at(2026, 6, 30, 21, 0)])


@pytest.mark.parametrize(
    ("entry", "exit", "fee"),
    [
        (at(2026, 7, 1, 9, 0), at(2026, 7, 1, 9, 0), "0.00"),  # no stay
        (at(2026, 7, 1, 9, 0), at(2026, 7, 1, 9, 1), "2.00"),
        (at(2026, 7, 1, 9, 0), at(2026, 7, 1, 11, 0), "2.00"),  # exactly 2 hours
        (at(2026, 7, 1, 9, 0), at(2026, 7, 1, 11, 1), "3.00"),  # a further hour started
        (at(2026, 7, 1, 9, 0), at(2026, 7, 1, 13, 0), "4.00"),
        (at(2026, 7, 1, 9, 0), at(2026, 7, 1, 15, 30), "6.00"),  # capped
        (at(2026, 7, 1, 23, 0), at(2026, 7, 2, 1, 0), "4.00"),  # two day-parts of 1 h
        (at(2026, 7, 1, 22, 0), at(2026, 7, 2, 0, 0), "2.00"),  # leaves at midnight: one day
        (at(2026, 7, 1, 8, 0), at(2026, 7, 4, 8, 0), "24.00"),  # 6 + 6 + 6 + 6
    ],
)
def test_fee10_temporary_fee_examples(entry, exit, fee):
    assert temporary_fee(entry, exit) == Decimal(fee)


def test_fee10_temporary_fee_breakdown_names_each_day():
    result = temporary_fee_breakdown(at(2026, 12, 31, 23, 0), at(2027, 1, 1, 3, 30))
    assert [(p.day, p.fee) for p in result.parts] == [
        (dt.date(2026, 12, 31), Decimal("2.00")),
        (dt.date(2027, 1, 1), Decimal("4.00")),
    ]
    assert result.total == Decimal("6.00")


def test_fee10_temporary_fee_refuses_exit_before_entry_and_naive_times():
    with pytest.raises(ValueError):
        temporary_fee(at(2026, 7, 1, 10), at(2026, 7, 1, 9))
    with pytest.raises(ValueError):
        temporary_fee(dt.datetime(2026, 7, 1, 9), dt.datetime(2026, 7, 1, 10))


def test_fee10_temporary_fee_uses_the_project_numbers():
    tariff = TemporaryTariff(base_hours=1, base_fee=Decimal("3.00"), hourly_fee=Decimal("2.00"), daily_cap=Decimal("20.00"))
    assert temporary_fee(at(2026, 7, 1, 9), at(2026, 7, 1, 12, 30), tariff) == Decimal("9.00")  # 3 + 2 × 3


@settings(max_examples=300, deadline=None)
@given(entry=moments, seconds=stays)
def test_fee10_temporary_fee_equals_the_hand_formula(entry, seconds):
    exit = entry + dt.timedelta(seconds=seconds)
    assert temporary_fee(entry, exit) == Decimal(hand_fee(entry, exit))


@settings(max_examples=200, deadline=None)
@given(entry=edges, seconds=stays)
def test_fee10_temporary_fee_across_month_and_year_ends_equals_the_hand_formula(entry, seconds):
    exit = entry + dt.timedelta(seconds=seconds)
    assert temporary_fee(entry, exit) == Decimal(hand_fee(entry, exit))


@settings(max_examples=300, deadline=None)
@given(entry=moments, first=stays, more=st.integers(min_value=0, max_value=2 * DAY))
def test_fee10_temporary_fee_never_falls_as_the_stay_grows(entry, first, more):
    exit = entry + dt.timedelta(seconds=first)
    assert temporary_fee(entry, exit) <= temporary_fee(entry, exit + dt.timedelta(seconds=more))


@settings(max_examples=300, deadline=None)
@given(entry=moments, seconds=stays)
def test_fee10_temporary_fee_is_at_most_6_per_day_touched(entry, seconds):
    exit = entry + dt.timedelta(seconds=seconds)
    local_in, local_out = entry.astimezone(SHANGHAI), exit.astimezone(SHANGHAI)
    days = (local_out.date() - local_in.date()).days + 1
    assert temporary_fee(entry, exit) <= 6 * days
