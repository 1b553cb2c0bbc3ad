"""House codes (房号): `3-2-1201` = building 3, entrance (单元) 2, room 1201.

Staff type codes many ways — `3-2-1201`, `3栋2单元1201`, `3幢2单元1201室`, `3/2/1201`,
full-width digits — and every form parses to the same canonical code.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_FULLWIDTH = str.maketrans(
    "０１２３４５６７８９－／　ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ", "0123456789-/ ABCDEFGHIJKLMNOPQRSTUVWXYZ"
)
_PART = r"[0-9A-Za-z]{1,8}"
_PATTERN = re.compile(
    rf"^\s*(?P<b>{_PART})\s*(?:栋|幢|号楼|座|[-/\s.])\s*(?P<e>{_PART})\s*(?:单元|[-/\s.])\s*(?P<r>{_PART})\s*室?\s*$"
)


class HouseCode(NamedTuple):
    building: str
    entrance: str
    room: str

    def __str__(self) -> str:
        return f"{self.building}-{self.entrance}-{self.room}"


def parse_house_code(text: str) -> HouseCode | None:
    """The house code in `text`, or None when it is not one. Letters are upper-cased."""
    match = _PATTERN.match(text.translate(_FULLWIDTH))
    if not match:
        return None
    return HouseCode(match["b"].upper(), match["e"].upper(), match["r"].upper())


def format_house_code(building: str, entrance: str, room: str) -> str:
    return str(HouseCode(building.upper(), entrance.upper(), room.upper()))
