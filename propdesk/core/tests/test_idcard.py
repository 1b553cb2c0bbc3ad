"""GB 11643 resident ID validation (issue: persons), property-tested."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from propdesk.core.idcard import InvalidResidentId, check_character, gender_of, parse_resident_id

TODAY = dt.date(2026, 11, 23)
regions = st.sampled_from(["110101", "310104", "440106", "320102", "510104"])
births = st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY)
sequences = st.integers(min_value=0, max_value=999)


def make_id(region: str, birth: dt.date, sequence: int) -> str:
    first17 = f"{region}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_character(first17)


def test_known_published_example_passes():
    # The example number of GB 11643-1999's appendix.
    assert parse_resident_id("11010519491231002X", today=TODAY) == dt.date(1949, 12, 31)


@given(regions, births, sequences)
def test_every_generated_id_parses_to_its_birth_date(region, birth, sequence):
    number = make_id(region, birth, sequence)
    assert parse_resident_id(number, today=TODAY) == birth
    assert gender_of(number) == ("M" if sequence % 2 else "F")


@given(regions, births, sequences, st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_any_single_digit_change_is_caught(region, birth, sequence, position, delta):
    number = make_id(region, birth, sequence)
    changed_digit = str((int(number[position]) + delta) % 10)
    tampered = number[:position] + changed_digit + number[position + 1 :]
    with pytest.raises(InvalidResidentId):
        parse_resident_id(tampered, today=TODAY)


@given(regions, births, sequences)
def test_wrong_check_character_is_refused(region, birth, sequence):
    number = make_id(region, birth, sequence)
    wrong = next(c for c in "0123456789X" if c != number[17])
    with pytest.raises(InvalidResidentId, match="校验位"):
        parse_resident_id(number[:17] + wrong, today=TODAY)


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("11010119900307663", "18位"),
        ("1101011990030766321", "18位"),
        ("1101011990A307663X", "18位"),
        (make_id("110101", dt.date(1990, 3, 7), 663)[:10] + "1332" + "6632", "出生日期"),
        ("110101" + "20991231" + "001" + check_character("11010120991231001"), "不合理"),
    ],
)
def test_shape_and_birth_date_errors_say_what_is_wrong(number, message):
    with pytest.raises(InvalidResidentId, match=message):
        parse_resident_id(number, today=TODAY)


def test_lower_case_x_and_fullwidth_digits_are_normalised():
    assert parse_resident_id("11010519491231002x", today=TODAY) == dt.date(1949, 12, 31)
    assert parse_resident_id("１１０１０５１９４９１２３１００２Ｘ", today=TODAY) == dt.date(1949, 12, 31)
