"""Matching, searching and sorting Chinese organisation names.

* :func:`name_normalise` folds the spelling differences that do not make two names
  different organisations (full-width characters, traditional characters, spaces,
  bracket shapes, 有限责任公司 / 有限公司 …), for duplicate detection.
* :func:`pinyin_initials` and :func:`search_text` build a precomputed column for
  ``contains`` searches by name or by pinyin initials (``whsax`` finds 乌海市爱心协会).
* :func:`pinyin_sort_key` orders names the way Chinese users expect (by pinyin).
* :func:`search_grams` and :func:`query_grams` cut names and searches into 2-character windows, which a
  PostgreSQL index looks up before ``contains`` is checked (2-character searches are the common case and
  pg_trgm cannot narrow them).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from itertools import chain

import opencc
from pypinyin import Style, lazy_pinyin
from pypinyin.constants import PHRASES_DICT, RE_HANS
from pypinyin.core import Pinyin
from pypinyin.seg import mmseg

__all__ = [
    "SORT_KEY_MAX_LENGTH",
    "bigrams",
    "name_core",
    "name_normalise",
    "pinyin_initials",
    "pinyin_keys",
    "pinyin_sort_key",
    "query_grams",
    "search_grams",
    "search_text",
]

# --------------------------------------------------------------------------------------------------------
# Normalisation for duplicate matching
# --------------------------------------------------------------------------------------------------------

# Bracket shapes that all mean "parenthesis" in an organisation name (after NFKC, full-width （）［］
# are already ASCII).
_BRACKETS = str.maketrans(
    {"[": "(", "【": "(", "〔": "(", "〖": "(", "]": ")", "】": ")", "〕": ")", "〗": ")"}
)
# Punctuation that is dropped: separator dots, commas and quotation marks.
_PUNCTUATION = frozenset(
    "·•・‧∙⋅"  # middle dots (foreign names, 中·外 joint ventures)
    ".。,、"  # full stops, commas, enumeration comma
    "\"'“”‘’「」『』"  # quotation marks
)
# Categories removed outright: separators (spaces), control, format (zero-width), surrogates.
_DROPPED_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Cs"})
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
# Suffix variants that name the same legal form; 股份有限公司 is a different form and stays.
_LEGAL_FORM_VARIANTS = (("有限责任公司", "有限公司"),)
# Upper bound on normalisation passes; real names are stable after one or two.
_MAX_PASSES = 8


@functools.cache
def _t2s() -> opencc.OpenCC:
    """Return the traditional → simplified converter, created on first use and then shared."""
    return opencc.OpenCC("t2s")


def _keep(ch: str) -> bool:
    """Whether ``ch`` survives normalisation (not whitespace, invisible or dropped punctuation)."""
    return not ch.isspace() and ch not in _PUNCTUATION and unicodedata.category(ch) not in _DROPPED_CATEGORIES


class _Filter(dict):
    """str.translate table that drops what :func:`_keep` drops and unifies brackets, deciding each character
    once: a per-character Python test costs more than the rest of a normalisation pass together."""

    def __missing__(self, code: int) -> str | None:
        ch = chr(code)
        value = _BRACKETS.get(code, ch) if _keep(ch) else None
        self[code] = value
        return value


_FILTER = _Filter()


@functools.cache
def _needs_filter() -> re.Pattern[str]:
    """Whether a text holds a character that _FILTER drops or changes: a search finds none in most names, and
    costs a fraction of the translation. Characters outside the BMP are sent through the translation too.
    Made on first use (a pass over the BMP), not when the module is imported."""
    changed = "".join(ch for ch in map(chr, range(0x10000)) if ord(ch) in _BRACKETS or not _keep(ch))
    return re.compile(f"[{re.escape(changed)}\U00010000-\U0010ffff]")


_ASCII_UPPER = re.compile("[A-Z]")


def _normalise_pass(name: str) -> str:
    """Apply every normalisation step once (see :func:`name_normalise`); a step that has nothing to change in
    the text is skipped after a quick check."""
    text = unicodedata.normalize("NFKC", name)
    if _needs_filter().search(text):
        text = text.translate(_FILTER)
        # Removing characters can leave combining marks next to a new base character: recompose.
        text = unicodedata.normalize("NFKC", text)
    if text and not text.isascii():
        text = _t2s().convert(text)
    if _ASCII_UPPER.search(text):
        text = text.translate(_ASCII_LOWER)
    for variant, canonical in _LEGAL_FORM_VARIANTS:
        if variant in text:
            text = text.replace(variant, canonical)
    return text


@functools.lru_cache(maxsize=4096)
def name_normalise(name: str) -> str:
    """Return ``name`` reduced to a canonical form for duplicate matching.

    Steps, in order:

    1. Unicode NFKC: full-width letters, digits and punctuation become half-width.
    2. Remove all whitespace (including the ideographic space U+3000 and NBSP), control and
       zero-width characters, and the punctuation ``· • ・ ‧ . 。 , 、`` and quotation marks
       (``" ' “ ” ‘ ’ 「 」 『 』``).
    3. Unify brackets: ``（） [] ［］ 【】 〔〕 〖〗`` all become ``()``; their contents are kept.
    4. Traditional → simplified Chinese (OpenCC ``t2s``).
    5. Lower-case ASCII letters (other scripts are left alone).
    6. Unify legal-form suffixes: 有限责任公司 → 有限公司 (股份有限公司 and a bare 公司 are unchanged).

    The steps are repeated until the result no longer changes (OpenCC is not idempotent for a
    few characters, e.g. 薴 → 苧 → 苎), so ``name_normalise(name_normalise(x)) == name_normalise(x)``.
    """
    if not name:
        return ""
    text = _normalise_pass(name)
    if text == name:  # already canonical (most names): another pass would change nothing either
        return text
    for _ in range(_MAX_PASSES):
        again = _normalise_pass(text)
        if again == text:
            break
        text = again
    return text


# Legal forms at the end of a name, longest first: "顺达快递有限公司" and "顺达快递公司" share the core 顺达快递.
_LEGAL_FORMS = ("股份有限公司", "有限公司", "分公司", "公司")


def name_core(normalised: str, places: Iterable[str] = ()) -> str:
    """The distinctive part of a normalised name: without the place names it starts with (乌海市, 海勃湾区 …,
    as given in ``places``, each also without its 市/区/县/自治区 suffix) and without its legal form, so
    that 乌海市顺达快递有限公司 and 海勃湾区顺达快递公司 meet on 顺达快递. Empty when nothing is left."""
    prefixes = sorted(
        {
            p
            for place in places
            if place
            for p in (place, re.sub("(自治区|市|区|县|旗|盟|省)$", "", place))
            if p
        },
        key=len,
        reverse=True,
    )
    text = normalised
    stripped = True
    while stripped:
        stripped = False
        for prefix in prefixes:
            if len(prefix) > 1 and text.startswith(prefix) and len(text) - len(prefix) > 1:
                text = text[len(prefix) :]
                stripped = True
                break
    for form in _LEGAL_FORMS:
        if text.endswith(form) and len(text) - len(form) > 1:
            text = text[: -len(form)]
            break
    return text


# --------------------------------------------------------------------------------------------------------
# Pinyin
# --------------------------------------------------------------------------------------------------------

# Characters pypinyin may know a reading for: 〇, CJK Extension A, the URO, compatibility ideographs
# and the supplementary ideographic planes (Extensions B-H).
_HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_RUNS_RE = re.compile(f"[{_HAN}]+|[^{_HAN}]+")
_HAN_RUN_RE = re.compile(f"[{_HAN}]+")
_ASCII_WORD_RE = re.compile(r"[a-z0-9]+")

#: Maximum length of :func:`pinyin_sort_key` (fits a ``CharField(max_length=255)``).
SORT_KEY_MAX_LENGTH = 255
# Every syllable or chunk of an ASCII word becomes one fixed-width token of letters and digits,
# padded with "0"; the longest pinyin syllables (zhuang, chuang, shuang) have 6 letters.
_TOKEN_WIDTH = 6
_TOKEN_PAD = "0"


def _ascii_fold(text: str) -> str:
    """Return ``text`` lower-cased with accents stripped (ê → e, ü → u); other non-ASCII is kept."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def _runs(name: str) -> Iterable[tuple[bool, str]]:
    """Split an NFKC-normalised ``name`` into (is_han, run) pairs, in order."""
    text = unicodedata.normalize("NFKC", name)
    for match in _RUNS_RE.finditer(text):
        run = match.group()
        yield bool(_HAN_RUN_RE.fullmatch(run)), run


# lazy_pinyin(text) cuts text into words (its phrase dictionary picks the reading of a character in a word)
# and converts word by word: cutting the run here and converting each distinct word once gives its result
# exactly (tests/branches/test_names.py compares the two on many names), in a fraction of the time, since
# organisation names repeat the same words (市, 有限公司, 协会 …) over and over.
_SEGMENTER = Pinyin()
# The segmenter's set of every prefix of a phrase (its own lookups go through a Python method per test).
_PREFIXES = getattr(mmseg.seg._prefix_set, "_set", mmseg.seg._prefix_set)


@functools.lru_cache(maxsize=8192)
def _syllables(run: str) -> tuple[str, ...]:
    """The tone-less pinyin of a run of Chinese characters, once per run (initials, sort key and search
    text all need it; pypinyin is most of the cost of deriving an organisation's columns)."""
    if len(run) == 1:
        return _word_syllables(run)
    syllables: list[str] = []
    for word in _words(run):
        syllables.extend(_word_syllables(word))
    return tuple(syllables)


def _words(run: str) -> list[str]:
    """pypinyin's segmentation of a run: the forward maximum matching of pypinyin.seg.mmseg (strict: only
    dictionary phrases), with a shortcut where the next two characters start no phrase at all."""
    if not (PHRASES_DICT and RE_HANS.match(run) and mmseg.seg._no_non_phrases):
        return _SEGMENTER.seg(run)
    words, start, end = [], 0, len(run)
    while start < end:
        if run[start : start + 2] not in _PREFIXES:
            words.append(run[start])  # no phrase starts here: the character alone (also the last one)
            start += 1
            continue
        valid = 0  # length of the longest phrase starting here, among the prefixes scanned
        stop = start
        while stop < end and run[start : stop + 1] in _PREFIXES:
            stop += 1
            if run[start:stop] in PHRASES_DICT:
                valid = stop - start
        if valid:
            words.append(run[start : start + valid])
            start += valid
        elif stop < end:
            words.append(run[start])
            start += 1
        else:  # the rest is a prefix of a phrase but holds none: mmseg emits it character by character
            words.extend(run[start:])
            break
    return words


@functools.lru_cache(maxsize=65536)
def _word_syllables(word: str) -> tuple[str, ...]:
    """The tone-less pinyin of one word of pypinyin's segmentation."""
    return tuple(_ascii_fold(syllable) for syllable in lazy_pinyin(word, style=Style.NORMAL, errors="ignore"))


def _tokens(word: str) -> list[str]:
    """Cut ``word`` into fixed-width tokens, the last one padded."""
    return [
        word[i : i + _TOKEN_WIDTH].ljust(_TOKEN_WIDTH, _TOKEN_PAD) for i in range(0, len(word), _TOKEN_WIDTH)
    ]


@functools.lru_cache(maxsize=4096)
def _syllable_parts(syllable: str) -> tuple[str, str]:
    """(initial, sort-key tokens) of one syllable: a few hundred syllables make up every name."""
    words = _ASCII_WORD_RE.findall(syllable)
    initial = syllable[:1] if _ASCII_WORD_RE.match(syllable) else ""
    return initial, "".join(token for word in words for token in _tokens(word))


def pinyin_keys(name: str) -> tuple[str, str]:
    """(:func:`pinyin_initials`, :func:`pinyin_sort_key`) of ``name``, from one reading of its pinyin."""
    if not name:
        return "", ""
    initials: list[str] = []
    key: list[str] = []
    for is_han, run in _runs(name):
        if is_han:
            for initial, tokens in map(_syllable_parts, _syllables(run)):
                initials.append(initial)
                key.append(tokens)
        else:
            initials.extend(_ASCII_WORD_RE.findall(run.lower()))
            key.extend(token for word in _ASCII_WORD_RE.findall(_ascii_fold(run)) for token in _tokens(word))
    # Every token has _TOKEN_WIDTH characters: the key is cut after whole tokens.
    max_length = SORT_KEY_MAX_LENGTH // _TOKEN_WIDTH * _TOKEN_WIDTH
    return "".join(initials), "".join(key)[:max_length]


def pinyin_initials(name: str) -> str:
    """Return the lower-case pinyin initials of ``name``'s Chinese characters, ASCII letters/digits kept."""
    return pinyin_keys(name)[0]


def pinyin_sort_key(name: str) -> str:
    """Return a key (``[0-9a-z]``, at most 255 characters) that orders names by their pinyin.

    Each Chinese character contributes its tone-less pinyin syllable (ü written ``v``) and each
    ASCII word its lower-cased letters and digits, cut into tokens of 6 characters padded with
    ``0``. Padding makes a syllable sort before its longer neighbours: 阿 ``a00000`` < 安
    ``an0000`` < 北 ``bei000`` < 万 ``wan000``, and ASCII names fall among them by their letters.
    Other characters (punctuation, brackets, unknown scripts) are ignored.

    The key holds only lower-case letters and digits, so it sorts the same under the C collation
    and under ordinary locale collations. Names with the same pinyin (张 / 章) get equal keys:
    order by ``(sort_key, name)`` for a total order. Long names are cut after 42 tokens.
    """
    return pinyin_keys(name)[1]


# --------------------------------------------------------------------------------------------------------
# Search column
# --------------------------------------------------------------------------------------------------------


def search_text(name: str, former_names: Iterable[str] = (), *, first: tuple[str, str] | None = None) -> str:
    """Return ``"<normalised name> <initials>"`` for the name and each former name, joined by '|'.

    ``first``: the name's normalised form and initials, when the caller has them already.
    """
    parts: list[str] = []
    for position, each in enumerate((name, *former_names)):
        if not each or not each.strip():
            continue
        if position == 0 and first is not None:
            normalised, initials = first
        else:
            normalised, initials = name_normalise(each), pinyin_initials(each)
        part = f"{normalised} {initials}"
        if part not in parts:
            parts.append(part)
    return "|".join(parts)


# search_text separates a name from its initials with a space and one name from the next with "|".
_SEARCH_TEXT_SEPARATORS = re.compile(r"[ |]")


def bigrams(text: str) -> list[str]:
    """Return the distinct 2-character windows of ``text`` in order (none for fewer than 2 characters)."""
    return list(dict.fromkeys(map(str.__add__, text, text[1:])))  # pairs of neighbours, without a Python loop


def search_grams(text: str) -> str:
    """Return the bigrams of a :func:`search_text`'s names and initials, space-separated, for an index.

    A query without separators that ``text`` contains lies inside one name or one set of initials, so each
    of its bigrams is among these: looking them up narrows a ``contains`` search without changing its
    result (see :func:`query_grams`).
    """
    parts = _SEARCH_TEXT_SEPARATORS.split(text)
    return " ".join(dict.fromkeys(chain.from_iterable(map(str.__add__, part, part[1:]) for part in parts)))


def query_grams(query: str) -> list[str]:
    """Return the bigrams every row matching a normalised ``query`` holds in :func:`search_grams`.

    None for a single character, and none for a query holding a separator (it may match across two
    names): ``contains`` alone answers those.
    """
    if _SEARCH_TEXT_SEPARATORS.search(query):
        return []
    return bigrams(query)
