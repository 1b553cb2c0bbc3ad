"""ARC-5: personal data shows masked."""

from hypothesis import given
from hypothesis import strategies as st

from propdesk.core.masking import mask_id_number, mask_phone


def test_arc5_id_number_masked_as_specified():
    assert mask_id_number("110101199001011234") == "110101********1234"


def test_arc5_mobile_masked_as_specified():
    assert mask_phone("13812345678") == "138****5678"


@given(st.text(alphabet="0123456789X", min_size=5, max_size=30))
def test_arc5_masked_id_never_reveals_the_middle(value):
    masked = mask_id_number(value)
    assert len(masked) == len(value)
    assert masked[-2:] == value[-2:]
    hidden = masked.count("*")
    assert hidden >= len(value) - 10


def test_empty_values_stay_empty():
    assert mask_id_number("") == "" and mask_phone("") == ""
