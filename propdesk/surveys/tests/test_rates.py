"""SUR-2 rate arithmetic (hypothesis): the shown rate is the exact share half-up to one
decimal, and a target is met on the exact share — 59.95% rounds to 60.0 but is short."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from propdesk.surveys import presets
from propdesk.surveys.choices import SchedulePreset
from propdesk.surveys.selectors import ProgressRow, meets, percent


@given(st.integers(min_value=1, max_value=100_000), st.data())
def test_sur2_rate_is_the_exact_share_rounded_half_up(whole, data):
    part = data.draw(st.integers(min_value=0, max_value=whole))
    exact = Fraction(part * 100, whole)
    rounded = percent(part, whole)
    assert abs(Fraction(rounded) - exact) <= Fraction(1, 20)
    # half-up: the decimal of the exact fraction quantized the usual way
    expected = (Decimal(exact.numerator) / Decimal(exact.denominator)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    assert rounded == expected


@given(
    st.integers(min_value=0, max_value=5000), st.integers(min_value=0, max_value=5000), st.integers(min_value=0, max_value=100)
)
def test_sur2_target_met_on_the_exact_share(part, whole, target):
    assert meets(part, whole, target) == (whole > 0 and Fraction(part, whole) >= Fraction(target, 100))


def test_sur2_just_short_of_sixty_percent_is_flagged():
    row = ProgressRow("1栋", 1, households=2000, distributed=1199, returned=600, distribution_target=60, return_target=50)
    assert row.distribution_rate == Decimal("60.0") and not row.distribution_met  # 59.95 %
    assert row.return_met  # 600 of 1199 is 50.04 %
    assert percent(0, 0) is None and not ProgressRow("x", None, 0, 0, 0, 60, 50).distribution_met


@given(st.integers(min_value=1990, max_value=2100))
def test_sur1_a_29_february_window_runs_every_year(year):
    windows = presets.windows_in_year(SchedulePreset.CUSTOM, year, [["02-20", "02-29"]])
    assert windows[0][0] == dt.date(year, 2, 20) and windows[0][1].month == 2 and windows[0][1].day in (28, 29)
