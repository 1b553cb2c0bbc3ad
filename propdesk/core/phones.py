"""Phone numbers: normalise what staff type and check mainland mobile shape."""

from __future__ import annotations

import re

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
_FULLWIDTH = str.maketrans("０１２３４５６７８９－＋", "0123456789-+")


def normalise_phone(value: str) -> str:
    """Drop spaces, the +86 prefix and full-width digits."""
    value = value.strip().translate(_FULLWIDTH).replace(" ", "")
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    return value


def is_mobile(value: str) -> bool:
    return bool(_MOBILE.match(value))


def is_phone(value: str) -> bool:
    return is_mobile(value) or bool(_LANDLINE.match(value))
