"""Read a register (名录 / 台账) that another department sent as Excel or CSV into clean rows.

This package never touches the database: it turns bytes into a :class:`RegisterTable` (header
mapping, cleaned rows, per-row problems) or raises :class:`RegisterError` with a user-facing
message. Matching rows against the ledger is somebody else's job.

The way in is ``read.py``; ``columns.py`` holds the header spellings, ``cells.py`` the parsing of values,
``tables.py`` the header search and row cleaning, ``workbooks.py``, ``archives.py`` and ``text.py`` the
readers of each kind of file, ``results.py`` what they give back, and ``template.py`` the blank template.
"""

from .cells import parse_count, parse_date, parse_yes_no
from .columns import (
    ALIAS_INDEX,
    FIELD_ALIASES,
    REQUIRED_FIELDS,
    blank_column_header,
    column_letter,
    normalize_header,
    simplified,
    standard_headers,
)
from .read import read_register
from .results import _MESSAGES, ERROR_CODES, MAX_REGISTER_BYTES, RegisterError, RegisterRow, RegisterTable
from .template import TEMPLATE_EXAMPLE_USCC, TemplateArea, import_template_xlsx

__all__ = [
    "ALIAS_INDEX",
    "ERROR_CODES",
    "FIELD_ALIASES",
    "MAX_REGISTER_BYTES",
    "REQUIRED_FIELDS",
    "TEMPLATE_EXAMPLE_USCC",
    "_MESSAGES",  # the messages by code, which the tests of bad files compare with what a page shows
    "RegisterError",
    "RegisterRow",
    "RegisterTable",
    "blank_column_header",
    "column_letter",
    "import_template_xlsx",
    "TemplateArea",
    "normalize_header",
    "parse_count",
    "parse_date",
    "parse_yes_no",
    "read_register",
    "simplified",
    "standard_headers",
]
