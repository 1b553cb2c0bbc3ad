"""The one money module (design idea 4): CNY amounts are `Decimal` with two places,
rounded half-up. Every amount in propdesk — a price, a line, a total, a charge — goes
through here; floats are refused outright, since 0.1 + 0.2 is not 0.3 in binary.

    money("12.345")            → Decimal("12.35")
    money_sum(["0.10", "0.20"]) → Decimal("0.30")
    line_amount("1.5", "33.33") → Decimal("50.00")   (49.995 rounded half-up)
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

Number = Decimal | int | str


def _decimal(value: Number, what: str) -> Decimal:
    """`value` as an exact Decimal; floats (and bools, which are ints) are refused."""
    if isinstance(value, (bool, float)):
        raise TypeError(f"{what} must be a Decimal, int or str, never {type(value).__name__}")
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int):
        number = Decimal(value)
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            raise ValueError(f"{what} is not a number: {value!r}") from None
    else:
        raise TypeError(f"{what} must be a Decimal, int or str, not {type(value).__name__}")
    if not number.is_finite():
        raise ValueError(f"{what} must be finite: {value!r}")
    return number


def _two_places(number: Decimal, what: str) -> Decimal:
    try:
        rounded = number.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        raise ValueError(f"{what} is too large: {number}") from None
    # -0.00 and 0.00 are the same amount; keep one spelling.
    return rounded + ZERO if rounded else ZERO


def money(value: Number) -> Decimal:
    """An amount of money: two places, rounded half-up (0.005 → 0.01, -0.005 → -0.01)."""
    return _two_places(_decimal(value, "amount"), "amount")


def quantity(value: Number, *, allow_negative: bool = False) -> Decimal:
    """A quantity on a priced line (hours, metres, pieces): two places, half-up; negative
    quantities are refused unless the caller allows them (a correction line)."""
    number = _two_places(_decimal(value, "quantity"), "quantity")
    if number < 0 and not allow_negative:
        raise ValueError(f"quantity must not be negative: {value!r}")
    return number


def money_sum(values: Iterable[Number]) -> Decimal:
    """The total of amounts, each rounded to the cent first: a bill's total is the sum of
    the lines as printed, never a sum of unrounded products."""
    total = ZERO
    for value in values:
        total += money(value)
    return money(total)


def line_amount(qty: Number, unit_price: Number, *, allow_negative: bool = False) -> Decimal:
    """quantity × unit price, rounded once, half-up. The quantity and the price are taken
    at two places first (as stored). Negative quantities or prices are refused unless
    `allow_negative`."""
    q = quantity(qty, allow_negative=allow_negative)
    price = money(unit_price)
    if price < 0 and not allow_negative:
        raise ValueError(f"unit price must not be negative: {unit_price!r}")
    return money(q * price)
