"""House codes staff can type anywhere: every spelling parses to one canonical code."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from propdesk.estate.housecode import format_house_code, parse_house_code

parts = st.text(alphabet="0123456789ABCDEFGH", min_size=1, max_size=5)
SPELLINGS = ("{b}-{e}-{r}", "{b}栋{e}单元{r}", "{b}幢{e}单元{r}室", "{b}/{e}/{r}", "{b} {e} {r}", "{b}号楼{e}单元{r}")


@given(parts, parts, parts, st.sampled_from(SPELLINGS))
def test_every_spelling_parses_to_the_canonical_code(building, entrance, room, spelling):
    code = parse_house_code(spelling.format(b=building, e=entrance, r=room))
    assert code is not None
    assert str(code) == format_house_code(building, entrance, room)


@given(parts, parts, parts)
def test_format_then_parse_round_trips(building, entrance, room):
    canonical = format_house_code(building, entrance, room)
    assert str(parse_house_code(canonical)) == canonical


@given(parts, parts, parts)
def test_fullwidth_and_lower_case_input_are_accepted(building, entrance, room):
    fullwidth = str.maketrans("0123456789-", "０１２３４５６７８９－")
    typed = f"{building}-{entrance}-{room}".lower().translate(fullwidth)
    assert str(parse_house_code(typed)) == format_house_code(building, entrance, room)


@pytest.mark.parametrize("text", ["", "zs", "张三", "13812345678", "3-2", "3--1201", "3-2-1201-5"])
def test_things_that_are_not_house_codes(text):
    assert parse_house_code(text) is None
