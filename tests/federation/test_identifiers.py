"""Tests for federation.identifiers (no database, no Django settings: assert on error codes only)."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from federation.identifiers import (
    USCC_ALPHABET,
    mobile_mask,
    mobile_normalise,
    mobile_validate,
    uscc_check_char,
    uscc_normalise,
    uscc_registering_body,
    uscc_validate,
)

VALID_USCC = [
    "91110000600037341L",
    "91512081MA62K0260E",
    "91150302MA01231035",
    "52150303MA0123103L",
    "51150304MA01231036",
]
DIGITS = "0123456789"
LETTERS = "".join(ch for ch in USCC_ALPHABET if not ch.isdigit())

# No example database: the run must not write .hypothesis/ into the project tree.
hypothesis_settings = settings(database=None, deadline=None, max_examples=300)


def error_code(func, value):
    """Return the ValidationError code raised by ``func(value)``."""
    with pytest.raises(ValidationError) as excinfo:
        func(value)
    return excinfo.value.code


# --------------------------------------------------------------------------------------------------------
# USCC
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", VALID_USCC)
def test_uscc_valid_examples(code):
    assert uscc_validate(code) == code
    assert uscc_check_char(code[:17]) == code[17]


def test_uscc_alphabet_and_weights():
    assert len(USCC_ALPHABET) == 31
    assert not set("IOSVZ") & set(USCC_ALPHABET)


@pytest.mark.parametrize(
    "raw",
    [
        " 9111 0000-6000 3734 1l ",
        "９１１１００００６０００３７３４１Ｌ",  # full-width digits and letter
        "９１１１００００６０００３７３４１ｌ",  # full-width lower-case letter
        "91110000600037341l",
        "9111\u30000000\u00a06000\t37341L",  # ideographic space, NBSP, tab
        "911100－006000－37341L",  # full-width hyphen
        "911100–006000—37341L",  # en and em dash
        "\ufeff91110000600037341L\u200b",  # BOM and zero-width space from a spreadsheet
    ],
)
def test_uscc_normalises_real_world_variants(raw):
    assert uscc_normalise(raw) == "91110000600037341L"
    assert uscc_validate(raw) == "91110000600037341L"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("", "uscc_empty"),
        ("   ", "uscc_empty"),
        ("- －", "uscc_empty"),
        ("91110000600037341", "uscc_length"),  # 17
        ("91110000600037341LL", "uscc_length"),  # 19
        ("9111000060003734", "uscc_length"),
        ("9111000060003734IL", "uscc_char"),  # I is never used
        ("91110000600O37341L", "uscc_char"),  # letter O instead of zero
        ("9111000060003734SL", "uscc_char"),
        ("9111000060003734VL", "uscc_char"),
        ("9111000060003734ZL", "uscc_char"),
        ("9111000060003734*L", "uscc_char"),
        ("911A0000600037341L", "uscc_region"),  # letter in the region code
        ("91110000600037341A", "uscc_check"),
        ("91110000600037342L", "uscc_check"),  # one digit mistyped
        ("91110000600073341L", "uscc_check"),  # two digits swapped
    ],
)
def test_uscc_error_codes(raw, code):
    assert error_code(uscc_validate, raw) == code


def test_uscc_check_char_rejects_bad_input():
    with pytest.raises(ValueError):
        uscc_check_char("9111000060003734")
    with pytest.raises(ValueError):
        uscc_check_char("9111000060003734I")


@pytest.mark.parametrize(
    ("code", "has_label"),
    [("91110000600037341L", True), ("52150303MA0123103L", True), ("51150304MA01231036", True)],
)
def test_uscc_registering_body_known(code, has_label):
    assert (uscc_registering_body(code) is not None) is has_label


@pytest.mark.parametrize("first", ["1", "5", "9", "Y"])
def test_uscc_registering_body_labels(first):
    assert uscc_registering_body(first + "1150302MA0123103") is not None


@pytest.mark.parametrize("code", ["", "   ", "21150302MA0123103X", "A1150302MA0123103X"])
def test_uscc_registering_body_unknown(code):
    assert uscc_registering_body(code) is None


def test_uscc_registering_body_does_not_reject():
    """An unknown first character is not a validation error."""
    first17 = "21150302MA0123103"
    code = first17 + uscc_check_char(first17)
    assert uscc_validate(code) == code
    assert uscc_registering_body(code) is None


@st.composite
def uscc_first17(draw):
    """17 alphabet characters with digits at positions 3-8."""
    head = draw(st.text(alphabet=USCC_ALPHABET, min_size=2, max_size=2))
    region = draw(st.text(alphabet=DIGITS, min_size=6, max_size=6))
    tail = draw(st.text(alphabet=USCC_ALPHABET, min_size=9, max_size=9))
    return head + region + tail


@hypothesis_settings
@given(first17=uscc_first17(), data=st.data())
def test_uscc_check_char_property(first17, data):
    code = first17 + uscc_check_char(first17)
    assert uscc_validate(code) == code
    assert uscc_validate(code.lower()) == code

    # Any single substitution by another alphabet character is caught.
    position = data.draw(st.integers(min_value=0, max_value=17), label="position")
    replacement = data.draw(
        st.sampled_from(USCC_ALPHABET).filter(lambda ch: ch != code[position]), label="replacement"
    )
    mutated = code[:position] + replacement + code[position + 1 :]
    expected = "uscc_region" if 2 <= position <= 7 and replacement in LETTERS else "uscc_check"
    assert error_code(uscc_validate, mutated) == expected


@hypothesis_settings
@given(first17=uscc_first17(), data=st.data())
def test_uscc_adjacent_transposition_property(first17, data):
    code = first17 + uscc_check_char(first17)
    position = data.draw(st.integers(min_value=0, max_value=15), label="position")
    swapped = code[:position] + code[position + 1] + code[position] + code[position + 2 :]
    if swapped != code:
        assert error_code(uscc_validate, swapped) in {"uscc_check", "uscc_region"}


# --------------------------------------------------------------------------------------------------------
# Mobile numbers
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "138.1234.5678",
        "+86 138-1234-5678",
        "+8613812345678",
        "(86)13812345678",
        "（86）13812345678",
        "[+86] 138 1234 5678",
        "008613812345678",
        "0086 138 1234 5678",
        "8613812345678",
        "０１３８１２３４５６７８",  # full-width, with trunk 0
        "１３８　１２３４　５６７８",  # full-width digits and ideographic spaces
        "013812345678",
    ],
)
def test_mobile_valid(raw):
    assert mobile_normalise(raw) == "13812345678"
    assert mobile_validate(raw) == "13812345678"


@pytest.mark.parametrize("prefix", ["13", "14", "15", "16", "17", "18", "19"])
def test_mobile_all_second_digits(prefix):
    number = prefix + "012345678"
    assert mobile_validate(number) == number


@pytest.mark.parametrize(
    "raw",
    [
        "12812345678",  # second digit 2
        "10812345678",
        "1381234567",  # 10 digits
        "138123456789",  # 12 digits
        "abc",
        "138abcd5678",
        "04712345678",  # landline with area code
        "+1 415 555 2671",
        "٣٨١٢٣٤٥٦٧٨١",  # Arabic-Indic digits are not accepted as digits
    ],
)
def test_mobile_invalid(raw):
    assert error_code(mobile_validate, raw) == "mobile_invalid"


@pytest.mark.parametrize("raw", ["", "   ", "- ()", "\u3000"])
def test_mobile_empty(raw):
    assert error_code(mobile_validate, raw) == "mobile_empty"


def test_mobile_country_code_only_stripped_before_eleven_digits():
    """86 at the start of something that is not +86 + 11 digits is left alone."""
    assert mobile_normalise("86123") == "86123"
    assert mobile_normalise("861381234567") == "861381234567"
    assert mobile_normalise("+86 10 1234 5678") == "+861012345678"


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+86 138-1234-5678", "138****5678"),
        ("０１３８１２３４５６７８", "138****5678"),
        ("", ""),
        ("  ", ""),
        ("1381234567", "13******67"),  # not a mobile: at most half is shown
        ("12345678901", "12*******01"),
        ("1234567890123", "123********23"),
        ("abc", "***"),
        ("12", "**"),
        ("12345", "1***5"),
    ],
)
def test_mobile_mask_examples(raw, masked):
    assert mobile_mask(raw) == masked


phone_like = st.one_of(
    st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs")), max_size=30),
    st.text(alphabet="0123456789+-. ()０１３８６－", max_size=20),
    st.from_regex(r"(\+86|0086|86|0)?1[3-9][0-9]{9}", fullmatch=True),
)


@hypothesis_settings
@given(phone_like)
def test_mobile_mask_never_reveals_the_whole_value(raw):
    number = mobile_normalise(raw)
    masked = mobile_mask(raw)
    if not number:
        assert masked == ""
        return
    length = len(number)
    try:
        mobile_validate(raw)
    except ValidationError:
        # Some head (<= 3) and tail (<= 2) are shown, never more than half, the rest is starred.
        shapes = {
            number[:head] + "*" * (length - head - tail) + number[length - tail :]
            for head in range(4)
            for tail in range(3)
            if head + tail <= length // 2
        }
        assert masked in shapes
    else:
        assert masked == number[:3] + "****" + number[-4:]
