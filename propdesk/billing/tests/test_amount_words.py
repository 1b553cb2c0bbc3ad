"""大写金额 on receipts: known figures, and for any amount the words read back to it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from propdesk.billing.amount_words import DIGITS, amount_words


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("123.45", "壹佰贰拾叁元肆角伍分"),
        ("100", "壹佰元整"),
        ("1005.07", "壹仟零伍元零柒分"),
        ("10.05", "壹拾元零伍分"),
        ("0.50", "伍角"),
        ("0.05", "伍分"),
        ("0", "零元整"),
        ("100000", "壹拾万元整"),
        ("100010", "壹拾万零壹拾元整"),
        ("10001000", "壹仟万壹仟元整"),
        ("1000100", "壹佰万零壹佰元整"),
        ("60000000.01", "陆仟万元零壹分"),
        ("200000000", "贰亿元整"),
        ("205000310.20", "贰亿零伍佰万零叁佰壹拾元贰角"),
        ("-3.10", "负叁元壹角"),
        ("12.345", "壹拾贰元叁角伍分"),  # rounded half-up to the fen first
    ],
)
def test_known_amounts(amount, words):
    assert amount_words(amount) == words


_VALUE = {d: i for i, d in enumerate(DIGITS)}
_UNIT = {"拾": 10, "佰": 100, "仟": 1000}


def _read_small(words: str) -> int:
    total, digit = 0, 0
    for char in words:
        if char in _VALUE:
            digit = _VALUE[char]
        else:
            total += digit * _UNIT[char]
            digit = 0
    return total + digit


def _read_wan(words: str) -> int:
    if "万" in words:
        high, low = words.split("万")
        return _read_small(high) * 10_000 + _read_small(low)
    return _read_small(words)


def _read(words: str) -> Decimal:
    """Read capital numerals back into a number (the inverse, written independently)."""
    sign = -1 if words.startswith("负") else 1
    words = words.removeprefix("负").removesuffix("整")
    fen = 0
    if "元" in words:
        integer_part, decimal_part = words.split("元")
    else:
        integer_part, decimal_part = "", words
    for digit, unit in (("角", 10), ("分", 1)):
        if digit in decimal_part:
            head, decimal_part = decimal_part.split(digit)
            fen += _VALUE[head[-1]] * unit
    total = 0
    if "亿" in integer_part:
        high, integer_part = integer_part.split("亿")
        total += _read_wan(high) * 10**8
    total += _read_wan(integer_part)
    return sign * (Decimal(total) + Decimal(fen) / 100)


@given(st.decimals(min_value=Decimal("-999999999999.99"), max_value=Decimal("999999999999.99"), places=2))
def test_any_amount_reads_back_to_itself(amount):
    words = amount_words(amount)
    assert _read(words) == amount
    assert "零零" not in words and not words.startswith("零" if amount else "x")
    assert words.endswith("整") == (amount == amount.to_integral_value())


@given(st.integers(min_value=1, max_value=10**12 - 1))
def test_integer_amounts_end_with_zheng_and_no_trailing_zero(yuan):
    words = amount_words(yuan)
    assert words.endswith("元整") and not words.endswith("零元整")
