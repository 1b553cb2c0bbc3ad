"""Identity-document numbers: the GB 11643 resident ID (居民身份证号码) check.

An 18-character resident ID is 6 digits of region, 8 of birth date (YYYYMMDD), 3 of
sequence (odd = male) and a check character computed over the first 17 (ISO 7064
MOD 11-2): weights 2^(17-i) mod 11, remainder mapped through "10X98765432".
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone
from django.utils.translation import gettext as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$")


def check_character(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def normalise(number: str) -> str:
    """Strip spaces and upper-case the trailing x; full-width digits become ASCII."""
    return number.strip().replace(" ", "").translate(_FULLWIDTH).upper()


_FULLWIDTH = str.maketrans("０１２３４５６７８９ｘＸ", "0123456789XX")


class InvalidResidentId(ValueError):
    """Why a resident ID is not valid; the message is Chinese and user-facing."""


def parse_resident_id(number: str, *, today: dt.date | None = None) -> dt.date:
    """Validate an 18-character resident ID and return its embedded birth date.

    Raises InvalidResidentId naming what is wrong: shape, birth date or check digit.
    """
    value = normalise(number)
    if not _SHAPE.match(value):
        raise InvalidResidentId(_("身份证号码应为18位：前17位数字，末位为数字或X"))
    try:
        birth = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidResidentId(_("身份证号码中的出生日期 %(d)s 不是有效日期") % {"d": value[6:14]}) from None
    today = today or timezone.localdate()
    if birth > today or birth.year < 1900:
        raise InvalidResidentId(_("身份证号码中的出生日期 %(d)s 不合理") % {"d": birth.isoformat()})
    if check_character(value[:17]) != value[17]:
        raise InvalidResidentId(_("身份证号码校验位错误（GB 11643），请核对后重新输入"))
    return birth


def gender_of(number: str) -> str:
    """'M' or 'F' from the sequence digit (odd = male) of a valid resident ID."""
    return "M" if int(normalise(number)[16]) % 2 else "F"
