"""An amount in Chinese capital numerals (大写金额), as written on receipts and bills:

    amount_words("123.45")   → 壹佰贰拾叁元肆角伍分
    amount_words("100")      → 壹佰元整
    amount_words("1005.07")  → 壹仟零伍元零柒分
    amount_words("100000")   → 壹拾万元整
    amount_words("0.50")     → 伍角
    amount_words("0")        → 零元整

Rules (the usual bank-form conventions): groups of four digits under 元/万/亿; one 零
for any run of zeros inside the integer part, none at the end of a group; 整 when there
are no fen; 零 between 元 and the jiao digit when the units digit is 0 and jiao is 0 but
fen is not (壹拾元零伍分). A negative amount is prefixed 负.
"""

from __future__ import annotations

from decimal import Decimal

from propdesk.core.money import Number, money

DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ("", "拾", "佰", "仟")
_GROUPS = ("", "万", "亿", "万亿")


def _group(number: int) -> str:
    """0 < number < 10000 without leading zeros, internal zeros as one 零."""
    out, zero = [], False
    for position in range(3, -1, -1):
        digit = number // 10**position % 10
        if digit == 0:
            zero = bool(out)
            continue
        if zero:
            out.append("零")
            zero = False
        out.append(DIGITS[digit] + _UNITS[position])
    return "".join(out)


def _integer(number: int) -> str:
    if number == 0:
        return ""
    groups = []
    while number:
        groups.append(number % 10000)
        number //= 10000
    if len(groups) > len(_GROUPS):
        raise ValueError("amount too large for capital numerals")
    out, pending_zero = [], False
    for index in range(len(groups) - 1, -1, -1):
        value = groups[index]
        if value == 0:
            pending_zero = bool(out)
            continue
        if out and (pending_zero or value < 1000):
            out.append("零")
        pending_zero = False
        out.append(_group(value) + _GROUPS[index])
    return "".join(out)


def amount_words(value: Number) -> str:
    """The amount (rounded to the fen, half-up) in capital numerals (大写)."""
    amount: Decimal = money(value)
    sign = "负" if amount < 0 else ""
    fen_total = int(abs(amount) * 100)
    yuan, rest = divmod(fen_total, 100)
    jiao, fen = divmod(rest, 10)
    integer = _integer(yuan)
    if not integer and not rest:
        return "零元整"
    out = integer + "元" if integer else ""
    if not rest:
        return sign + out + "整"
    if jiao:
        out += DIGITS[jiao] + "角"
    elif integer:
        out += "零"
    if fen:
        out += DIGITS[fen] + "分"
    return sign + out
