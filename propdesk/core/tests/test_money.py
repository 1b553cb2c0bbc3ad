"""The one money module (design idea 4): Decimal, two places, half-up, no floats."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from propdesk.core.money import CENT, line_amount, money, money_sum, quantity

# Amounts as the app meets them: up to ten million yuan with up to four decimals typed.
amounts = st.decimals(min_value=Decimal("-10000000"), max_value=Decimal("10000000"), places=4, allow_nan=False)
cents = st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=2, allow_nan=False)
quantities = st.decimals(min_value=Decimal("0"), max_value=Decimal("10000"), places=2, allow_nan=False)


@pytest.mark.parametrize(
    ("given_value", "expected"),
    [
        ("0.005", "0.01"),
        ("0.015", "0.02"),
        ("0.025", "0.03"),  # half-up, not banker's rounding (which would give 0.02)
        ("2.675", "2.68"),
        ("0.004", "0.00"),
        ("-0.005", "-0.01"),
        ("-0.004", "0.00"),
        (" 1,234.5 ", "1234.50"),
        (7, "7.00"),
        (Decimal("12.345"), "12.35"),
    ],
)
def test_money_rounds_half_up_to_the_cent(given_value, expected):
    assert money(given_value) == Decimal(expected)
    assert money(given_value).as_tuple().exponent == -2


@pytest.mark.parametrize("bad", [0.1, 1.0, True])
def test_money_refuses_floats(bad):
    with pytest.raises(TypeError):
        money(bad)
    with pytest.raises(TypeError):
        line_amount(bad, "1.00")
    with pytest.raises(TypeError):
        line_amount("1", bad)
    with pytest.raises(TypeError):
        money_sum(["1.00", bad])


@pytest.mark.parametrize("bad", ["abc", "", "NaN", "Infinity", "1e999999"])
def test_money_refuses_what_is_not_a_finite_number(bad):
    with pytest.raises(ValueError):
        money(bad)


@given(amounts)
def test_money_is_within_half_a_cent_and_idempotent(value):
    rounded = money(value)
    assert abs(rounded - value) <= Decimal("0.005")
    assert money(rounded) == rounded
    assert rounded.as_tuple().exponent == -2


@given(st.integers(min_value=-(10**9), max_value=10**9))
def test_half_cent_always_rounds_away_from_zero(n):
    value = Decimal(n) / 100 + (Decimal("0.005") if n >= 0 else Decimal("-0.005"))
    assert money(value) == Decimal(n) / 100 + (CENT if n >= 0 else -CENT)


@given(st.lists(st.tuples(quantities, cents), max_size=30))
def test_a_total_is_the_sum_of_the_rounded_lines(lines):
    amounts_ = [line_amount(q, p) for q, p in lines]
    total = money_sum(amounts_)
    assert total == sum(amounts_, Decimal("0.00"))
    # Summing unrounded products and rounding once may differ; we never do that.
    assert total == money_sum(money(q * p) for q, p in lines)
    assert total >= 0


@given(st.lists(amounts, max_size=30))
def test_money_sum_rounds_each_amount_first(values):
    assert money_sum(values) == sum((money(v) for v in values), Decimal("0.00"))


def test_money_sum_of_nothing_is_zero():
    assert money_sum([]) == Decimal("0.00")


@given(quantities, cents)
def test_line_amount_is_quantity_times_price_rounded_once(q, p):
    assert line_amount(q, p) == (q * p).quantize(CENT, rounding="ROUND_HALF_UP")


def test_line_amount_half_up_at_the_half_cent():
    assert line_amount("1.5", "33.33") == Decimal("50.00")  # 49.995
    assert line_amount("0.5", "0.01") == Decimal("0.01")  # 0.005
    assert line_amount("3", "0.335") == Decimal("1.02")  # the price is taken at 0.34 first


@given(st.decimals(min_value=Decimal("-10000"), max_value=Decimal("-0.01"), places=2, allow_nan=False), cents)
def test_negative_quantity_is_refused_where_forbidden(q, p):
    with pytest.raises(ValueError):
        line_amount(q, p)
    with pytest.raises(ValueError):
        quantity(q)
    # …and allowed only when the caller says so (a correction line).
    assert line_amount(q, p, allow_negative=True) <= 0


def test_negative_price_is_refused_where_forbidden():
    with pytest.raises(ValueError):
        line_amount("1", "-5.00")
    assert line_amount("1", "-5.00", allow_negative=True) == Decimal("-5.00")


def test_minus_zero_is_plain_zero():
    assert str(money("-0.001")) == "0.00"
