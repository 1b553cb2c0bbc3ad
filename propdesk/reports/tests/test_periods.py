"""Periods and rates: the arithmetic every report number goes through."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from propdesk.reports.periods import Period, PeriodKind, rate, rate_text


def _reference(part: int, whole: int) -> Decimal:
    exact = Fraction(part * 100, whole)
    return (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@given(st.integers(min_value=1, max_value=10**7), st.data())
def test_cmp11_rates_are_percentages_rounded_half_up_to_one_place(whole, data):
    part = data.draw(st.integers(min_value=0, max_value=whole))
    got = rate(part, whole)
    assert got == _reference(part, whole)
    assert got.as_tuple().exponent == -1 and Decimal("0.0") <= got <= Decimal("100.0")


def test_cmp11_halves_round_up_and_an_empty_denominator_has_no_rate():
    assert rate(1, 8) == Decimal("12.5")
    assert rate(1, 16) == Decimal("6.3")  # 6.25 → 6.3
    assert rate(1, 3) == Decimal("33.3") and rate(2, 3) == Decimal("66.7")
    assert rate(0, 0) is None and rate_text(None) == "—" and rate_text(Decimal("100.0")) == "100.0%"


@given(st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2100, 12, 31)), st.sampled_from(PeriodKind.values))
def test_a_period_contains_its_day_and_periods_tile_time(day, kind):
    period = Period.containing(kind, day)
    assert period.first <= day < period.stop
    assert period.previous().stop == period.first and period.following().first == period.stop
    assert period.start.utcoffset() == dt.timedelta(hours=8)


def test_the_friday_report_covers_saturday_to_friday():
    friday = dt.date(2026, 6, 12)
    week = Period.containing(PeriodKind.WEEK, friday)
    assert (week.first, week.last) == (dt.date(2026, 6, 6), friday)
    assert week.first.weekday() == 5 and Period.containing(PeriodKind.WEEK, dt.date(2026, 6, 13)).first == dt.date(2026, 6, 13)


def test_the_trend_is_the_twelve_months_ending_with_the_report_month():
    months = Period.containing(PeriodKind.MONTH, dt.date(2026, 2, 10)).months_back(12)
    assert [m.first for m in (months[0], months[-1])] == [dt.date(2025, 3, 1), dt.date(2026, 2, 1)]
    assert all(a.stop == b.first for a, b in itertools.pairwise(months))
