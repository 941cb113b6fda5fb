"""Normalisation and validation of identifiers recorded in the ledger.

* The unified social credit code (统一社会信用代码, GB 32100-2015) that every
  registered organisation carries.
* Mainland China mobile numbers of contacts and liaisons.

These are pure helpers without database access; validators raise
:class:`django.core.exceptions.ValidationError` with a stable ``code`` so that forms,
importers and tests can tell the failures apart without parsing messages.
"""

from __future__ import annotations

import functools
import operator
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy

__all__ = [
    "USCC_ALPHABET",
    "USCC_LENGTH",
    "USCC_WEIGHTS",
    "mobile_mask",
    "mobile_normalise",
    "mobile_validate",
    "uscc_check_char",
    "uscc_normalise",
    "uscc_registering_body",
    "uscc_validate",
]

# --------------------------------------------------------------------------------------------------------
# Shared clean-up
# --------------------------------------------------------------------------------------------------------

# Invisible characters that creep in when codes are copied from web pages, PDFs or spreadsheets.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
# Hyphens and dashes people type between groups of characters (after NFKC the full-width
# hyphen-minus U+FF0D and the small hyphen-minus U+FE63 have already become "-").
_DASHES = "-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\uff0d\ufe63"


def _nfkc(value: str) -> str:
    """Fold full-width and other compatibility characters to their plain forms."""
    return unicodedata.normalize("NFKC", value)


class _Dropper(dict):
    """str.translate table that removes whitespace, invisible characters and the given extra characters,
    deciding each character once (a per-character Python test is most of the cost of a normalisation)."""

    def __init__(self, extra: str) -> None:
        super().__init__()
        self.extra = extra

    def __missing__(self, code: int) -> str | None:
        ch = chr(code)
        value = None if ch.isspace() or ch in _INVISIBLE or ch in self.extra else ch
        self[code] = value
        return value


@functools.cache
def _dropper(extra: str) -> _Dropper:
    return _Dropper(extra)


def _drop(value: str, extra: str) -> str:
    """Remove whitespace, invisible characters and every character in ``extra``."""
    return value.translate(_dropper(extra))


# --------------------------------------------------------------------------------------------------------
# Unified social credit code (统一社会信用代码)
# --------------------------------------------------------------------------------------------------------

USCC_LENGTH = 18
#: The 31 characters a code may contain, in value order 0-30 (I, O, S, V and Z are never used).
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
#: Weights of positions 1-17: 3**i mod 31.
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_VALUES = {ch: i for i, ch in enumerate(USCC_ALPHABET)}
_USCC_REGION = slice(2, 8)  # characters 3-8: administrative region code (6 digits)

_REGISTERING_BODIES = {
    # Translators: body that registered an organisation, from the first character of its USCC (机构编制).
    "1": _("staffing office"),
    # Translators: body that registered an organisation (民政), e.g. social organisations.
    "5": _("civil affairs"),
    # Translators: body that registered an organisation (市场监管 / 工商), i.e. enterprises.
    "9": _("market regulation"),
    # Translators: body that registered an organisation: any other registering body (其他).
    "Y": _("other"),
}


# A code that is already plain (most are): nothing to fold, drop or upper-case.
_USCC_PLAIN = re.compile("[0-9A-Z]+")
# A normalised code whose every character is allowed and whose region part is six digits.
_USCC_SHAPE = re.compile("[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}")


def uscc_normalise(value: str) -> str:
    """Return ``value`` folded to half-width, without spaces or hyphens, and upper-cased."""
    if not value:
        return ""
    if _USCC_PLAIN.fullmatch(value):
        return value
    return _drop(_nfkc(value), _DASHES).upper()


def uscc_check_char(first17: str) -> str:
    """Return the check character (18th) for the first 17 characters of a USCC."""
    first17 = first17.upper()
    if len(first17) != USCC_LENGTH - 1:
        raise ValueError(f"expected 17 characters, got {len(first17)}: {first17!r}")
    try:
        total = sum(_USCC_VALUES[ch] * weight for ch, weight in zip(first17, USCC_WEIGHTS, strict=True))
    except KeyError as exc:
        raise ValueError(f"{exc.args[0]!r} is not a USCC character") from None
    return USCC_ALPHABET[(31 - total % 31) % 31]


def uscc_validate(value: str) -> str:
    """Validate a USCC and return it normalised; raise ValidationError (codes ``uscc_*``) otherwise."""
    code = uscc_normalise(value)
    if _USCC_SHAPE.fullmatch(code):  # the usual case: only the check character is left to test
        total = sum(map(operator.mul, map(_USCC_VALUES.__getitem__, code[:17]), USCC_WEIGHTS))
        if code[17] == USCC_ALPHABET[-total % 31]:
            return code
    if not code:
        raise ValidationError(_("Enter the unified social credit code."), code="uscc_empty")
    if len(code) != USCC_LENGTH:
        raise ValidationError(
            ngettext_lazy(
                "A unified social credit code has 18 characters, but %(count)d character was given.",
                "A unified social credit code has 18 characters, but %(count)d characters were given.",
                "count",
            ),
            code="uscc_length",
            params={"count": len(code)},
        )
    for position, ch in enumerate(code, start=1):
        if ch not in _USCC_VALUES:
            raise ValidationError(
                _(
                    "Character %(position)d, “%(char)s”, is not allowed in a unified social credit code: "
                    "it uses only the digits 0-9 and capital letters, and never the letters I, O, S, V or Z."
                ),
                code="uscc_char",
                params={"position": position, "char": ch},
            )
    region = code[_USCC_REGION]
    if not region.isdigit():
        raise ValidationError(
            _(
                "Characters 3 to 8 of a unified social credit code are the region code and must be "
                "six digits, but they are “%(region)s”."
            ),
            code="uscc_region",
            params={"region": region},
        )
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise ValidationError(
            _(
                "The unified social credit code “%(code)s” fails its check: the last character should be "
                "“%(expected)s”, not “%(given)s”. Please look for a mistyped character."
            ),
            code="uscc_check",
            params={"code": code, "expected": expected, "given": code[17]},
        )
    return code


def uscc_registering_body(code: str) -> str | None:
    """Return a lazily translated label for the body that registered ``code``, or None if unknown."""
    normalised = uscc_normalise(code)
    if not normalised:
        return None
    return _REGISTERING_BODIES.get(normalised[0])


# --------------------------------------------------------------------------------------------------------
# Mainland China mobile numbers
# --------------------------------------------------------------------------------------------------------

_MOBILE_RE = re.compile(r"1[3-9][0-9]{9}")
_ELEVEN_DIGITS_RE = re.compile(r"[0-9]{11}")
# Separators people put into phone numbers; after NFKC full-width brackets and dots are ASCII.
_PHONE_SEPARATORS = _DASHES + ".。()[]【】〔〕"
# Country-code prefixes, longest first; stripped only when exactly 11 digits remain.
_COUNTRY_PREFIXES = ("+86", "0086", "86")


def mobile_normalise(value: str) -> str:
    """Return ``value`` half-width, without separators and without a +86/0086/86 or trunk 0 prefix."""
    if not value:
        return ""
    number = _drop(_nfkc(value), _PHONE_SEPARATORS)
    for prefix in _COUNTRY_PREFIXES:
        if number.startswith(prefix) and _ELEVEN_DIGITS_RE.fullmatch(number[len(prefix) :]):
            number = number[len(prefix) :]
            break
    if number.startswith("0") and _MOBILE_RE.fullmatch(number[1:]):
        number = number[1:]
    return number


def mobile_validate(value: str) -> str:
    """Validate a mainland mobile number and return it normalised; raise ValidationError otherwise."""
    number = mobile_normalise(value)
    if not number:
        raise ValidationError(_("Enter a mobile number."), code="mobile_empty")
    if not _MOBILE_RE.fullmatch(number):
        raise ValidationError(
            _(
                "“%(value)s” is not a mainland China mobile number: it needs 11 digits, "
                "starting with 13 to 19."
            ),
            code="mobile_invalid",
            params={"value": value.strip()},
        )
    return number


def mobile_mask(value: str) -> str:
    """Return the mobile number with its middle hidden (138****5678); never the whole of any input."""
    number = mobile_normalise(value)
    if not number:
        return ""
    if _MOBILE_RE.fullmatch(number):
        return f"{number[:3]}****{number[-4:]}"
    # Not a mobile number: show at most the first 3 and last 2 characters, and never more than half.
    length = len(number)
    head = min(3, length // 4)
    tail = min(2, length // 4)
    return number[:head] + "*" * (length - head - tail) + number[length - tail :]
