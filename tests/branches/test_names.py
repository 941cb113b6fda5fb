"""Tests for branches.names (pure functions: no database, no Django settings)."""

import re
import unicodedata

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pypinyin import Style, lazy_pinyin
from pypinyin.core import Pinyin

from branches.names import (
    _BRACKETS,
    _FILTER,
    SORT_KEY_MAX_LENGTH,
    _ascii_fold,
    _keep,
    _syllables,
    _words,
    bigrams,
    name_normalise,
    pinyin_initials,
    pinyin_sort_key,
    search_grams,
    search_text,
)

# No example database: the run must not write .hypothesis/ into the project tree.
hypothesis_settings = settings(database=None, deadline=None, max_examples=300)

any_text = st.text(alphabet=st.characters(exclude_categories=("Cc", "Cs")))
# Fragments that exercise every normalisation step far more often than random Unicode does.
name_fragments = st.sampled_from(
    [
        "乌海市",
        "爱心協會",
        "協會",
        "有限责任公司",
        "有限責任公司",
        "有限",
        "责任",
        "公司",
        "股份",
        "（",
        "）",
        "【",
        "】",
        "〔",
        "〕",
        "[",
        "]",
        "［",
        "］",
        " ",
        "\u3000",
        "\u00a0",
        "\t",
        "·",
        "•",
        "・",
        ".",
        ",",
        "，",
        "、",
        "“",
        "”",
        "‘",
        "’",
        '"',
        "ＡＢＣ",
        "Abc",
        "１２３",
        "e",
        "\u0301",  # combining acute: recomposes with a new neighbour once spaces are gone
        "¨",  # NFKC: space + combining diaeresis
        "薴",  # OpenCC maps 薴 → 苧 → 苎
        "乾隆",
        "後",
        "髮",
        "\u200b",
        "ﾊﾟ",
    ]
)
name_like = st.one_of(any_text, st.lists(name_fragments, max_size=12).map("".join))


# --------------------------------------------------------------------------------------------------------
# name_normalise
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("乌海市爱心協會", "乌海市爱心协会"),  # traditional → simplified
        ("乌海市某某有限责任公司", "乌海市某某有限公司"),
        ("乌海市某某有限責任公司", "乌海市某某有限公司"),
        ("乌海市某某（海勃湾）分会", "乌海市某某(海勃湾)分会"),  # full-width brackets
        ("乌海市某某【海勃湾】分会", "乌海市某某(海勃湾)分会"),
        ("乌海市某某〔海勃湾〕分会", "乌海市某某(海勃湾)分会"),
        ("乌海市某某[海勃湾]分会", "乌海市某某(海勃湾)分会"),
        ("乌海市　爱心 协会", "乌海市爱心协会"),  # ideographic and ASCII spaces
        (" 乌海市\t爱心\u00a0协会 ", "乌海市爱心协会"),
        ("ＡＢＣ科技有限公司", "abc科技有限公司"),  # full-width letters, case
        ("乌海市“爱心”协会", "乌海市爱心协会"),
        ("中·外合资", "中外合资"),
        ("乌海市爱心协会。", "乌海市爱心协会"),
    ],
)
def test_name_normalise_equivalences(left, right):
    assert name_normalise(left) == name_normalise(right)


def test_name_normalise_keeps_distinctions():
    assert name_normalise("乌海市某某股份有限公司") == "乌海市某某股份有限公司"
    assert name_normalise("乌海市某某股份有限公司") != name_normalise("乌海市某某有限公司")
    assert name_normalise("乌海市某某公司") == "乌海市某某公司"
    assert name_normalise("乌海市某某（海勃湾）分会") != name_normalise("乌海市某某分会")  # contents kept
    assert name_normalise("乌海市爱心协会") == "乌海市爱心协会"


def test_name_normalise_examples():
    assert name_normalise("（乌海）  某某【分会】") == "(乌海)某某(分会)"
    assert name_normalise("ＡＢＣ　Company") == "abccompany"
    assert name_normalise("") == ""


@hypothesis_settings
@given(name_like)
@example("薴")
@example("e \u0301")
@example("a¨")
@example("有限责任有限责任公司公司")
def test_name_normalise_is_idempotent(name):
    once = name_normalise(name)
    assert name_normalise(once) == once


@hypothesis_settings
@given(name_like)
def test_name_normalise_has_no_whitespace_or_upper_ascii(name):
    result = name_normalise(name)
    assert not any(ch.isspace() for ch in result)
    assert not re.search(r"[A-Z]", result)
    assert "有限责任公司" not in result


# --------------------------------------------------------------------------------------------------------
# pinyin_initials
# --------------------------------------------------------------------------------------------------------


def test_pinyin_initials_example():
    assert pinyin_initials("乌海市爱心协会") == "whsaxxh"
    assert "whsax" in pinyin_initials("乌海市爱心协会")
    assert pinyin_initials("乌海市爱心協會") == "whsaxxh"


def test_pinyin_initials_ascii_and_punctuation():
    assert pinyin_initials("ABC（乌海）科技 2号") == "abcwhkj2h"
    assert pinyin_initials("ＡＢＣ公司") == "abcgs"
    assert pinyin_initials("·、（）") == ""
    assert pinyin_initials("") == ""


@hypothesis_settings
@given(name_like)
def test_pinyin_initials_only_lowercase_letters_and_digits(name):
    assert re.fullmatch(r"[a-z0-9]*", pinyin_initials(name))


# --------------------------------------------------------------------------------------------------------
# pinyin_sort_key
# --------------------------------------------------------------------------------------------------------


def test_sort_key_orders_by_pinyin():
    assert pinyin_sort_key("安") < pinyin_sort_key("万")
    assert pinyin_sort_key("阿") < pinyin_sort_key("北")
    assert pinyin_sort_key("阿") < pinyin_sort_key("安")
    names = ["万达协会", "北京商会", "安平社区", "阿拉善协会", "乌海市爱心协会", "包头商会"]
    assert sorted(names, key=pinyin_sort_key) == [
        "阿拉善协会",  # a la
        "安平社区",  # an ping
        "包头商会",  # bao tou
        "北京商会",  # bei jing
        "万达协会",  # wan da
        "乌海市爱心协会",  # wu hai
    ]


def test_sort_key_syllable_boundaries():
    """A shorter syllable sorts before a longer one sharing its prefix (阿女 a-nv < 安娜 an-na)."""
    assert pinyin_sort_key("阿女") < pinyin_sort_key("安娜")
    assert pinyin_sort_key("西安") < pinyin_sort_key("先")  # xi an < xian
    assert pinyin_sort_key("乌海") < pinyin_sort_key("乌海市")


def test_sort_key_ascii_names_among_chinese():
    keys = sorted(["Apple协会", "北京商会", "阿拉善协会", "Zeta公司", "万达协会"], key=pinyin_sort_key)
    assert keys == ["阿拉善协会", "Apple协会", "北京商会", "万达协会", "Zeta公司"]
    assert pinyin_sort_key("ABC") == pinyin_sort_key("abc")


def test_sort_key_traditional_and_full_width_match_simplified():
    assert pinyin_sort_key("乌海市爱心協會") == pinyin_sort_key("乌海市爱心协会")
    assert pinyin_sort_key("ＡＢＣ") == pinyin_sort_key("abc")


def test_sort_key_truncated():
    key = pinyin_sort_key("乌海市爱心协会" * 50)
    assert len(key) <= SORT_KEY_MAX_LENGTH
    assert key.startswith(pinyin_sort_key("乌海市爱心协会"))


@hypothesis_settings
@given(name_like)
def test_sort_key_is_bounded_deterministic_alphanumeric(name):
    key = pinyin_sort_key(name)
    assert key == pinyin_sort_key(name)
    assert len(key) <= SORT_KEY_MAX_LENGTH
    assert re.fullmatch(r"[a-z0-9]*", key)


# --------------------------------------------------------------------------------------------------------
# search_text
# --------------------------------------------------------------------------------------------------------


def test_search_text_name_only():
    assert search_text("乌海市爱心協會") == "乌海市爱心协会 whsaxxh"


def test_search_text_with_former_names():
    text = search_text("乌海市爱心协会", ["乌海市慈善（爱心）会", "", "乌海市爱心協會"])
    assert text == "乌海市爱心协会 whsaxxh|乌海市慈善(爱心)会 whscsaxh"
    for query in ("whsax", "爱心协会", "whscs", name_normalise("乌海市慈善（爱心）会")):
        assert query in text


def test_search_text_accepts_tuple_and_empty():
    assert search_text("乌海", ()) == "乌海 wh"
    assert search_text("") == ""


# --------------------------------------------------------------------------------------------------------
# The fast paths give what the plain computations give
# --------------------------------------------------------------------------------------------------------

# Runs of Chinese characters rich in dictionary phrases, polyphonic characters and phrase prefixes.
han_fragments = st.sampled_from(
    ["乌海市", "银行", "行业", "重庆", "重要", "长乐", "长大", "中国人", "服务中心", "有限公司", "巾帼", "志愿者",
     "协会", "海勃湾区", "快递", "外卖", "了", "的", "着", "和", "乐", "薄荷", "单于", "〇", "㐀", "乾隆", "髮"]
)  # fmt: skip
han_runs = st.one_of(
    st.lists(han_fragments, min_size=1, max_size=10).map("".join),
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF), min_size=1, max_size=20),
)


@hypothesis_settings
@given(han_runs)
@example("乌海市银行业协会服务中心")
@example("中国人民银行")
def test_pinyin_by_words_is_lazy_pinyin(run):
    assert _words(run) == Pinyin().seg(run)
    assert _syllables(run) == tuple(
        _ascii_fold(syllable) for syllable in lazy_pinyin(run, style=Style.NORMAL, errors="ignore")
    )


@hypothesis_settings
@given(name_like)
def test_name_normalise_drops_and_unifies_characters_as_the_character_test_says(name):
    text = unicodedata.normalize("NFKC", name)
    assert text.translate(_FILTER) == "".join(ch for ch in text if _keep(ch)).translate(_BRACKETS)


@hypothesis_settings
@given(any_text)
def test_bigrams_and_grams_are_the_windows_of_the_text(text):
    windows = list(dict.fromkeys(text[i : i + 2] for i in range(len(text) - 1)))
    assert bigrams(text) == windows
    parts = re.split(r"[ |]", text)
    assert search_grams(text) == " ".join(dict.fromkeys(g for p in parts for g in bigrams(p)))
