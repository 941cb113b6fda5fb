"""The error report: the rows that were not (or will not be) applied, and those applied with a warning (a value
left out), as an XLSX file."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

if TYPE_CHECKING:  # openpyxl is imported where a workbook is written
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from branches.errors import LedgerError
from branches.models import RegisterImport
from branches.services.imports.files import _stored_table
from branches.services.imports.texts import APPLIED_STATUSES, STATUS_LABELS, reason_text


def register_import_errors_xlsx(*, register_import: RegisterImport) -> bytes:
    """The rows that were not (or will not be) applied, then those applied with a value left out: their original
    columns, the status and the reasons and warnings."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    summary = register_import.summary or {}
    every = summary.get("rows", [])
    rows = [row for row in every if row["s"] not in APPLIED_STATUSES]
    rows += [row for row in every if row["s"] in APPLIED_STATUSES and row.get("w")]
    raw: dict[int, dict[str, str]] = {}
    info = summary.get("table") or {}
    headers: list[str] = list(info.get("headers", []))
    name_header = next((header for header, key in info.get("mapping", {}).items() if key == "name"), None)
    try:
        table = _stored_table(register_import)
        headers = list(dict.fromkeys(table.headers))
        if rows:
            wanted = {row["n"] for row in rows}
            raw = {row.number: row.raw for row in table.rows if row.number in wanted}
    except LedgerError:
        pass  # the file was discarded: the report keeps what the preview knew
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Rows to check")[:31])
    bold = Font(bold=True)
    heading = [*headers, _("Row"), _("Status"), _("Reason")]
    sheet.append([_header_cell(sheet, text, bold) for text in heading])
    for row in rows:
        original = raw.get(row["n"]) or (
            {name_header: row.get("name", "")} if name_header is not None else {}
        )
        cells = [xlsx_text_cell(sheet, original.get(header, "")) for header in headers]
        reasons = [reason_text(entry) for entry in [*row.get("r", []), *row.get("w", [])]]
        sheet.append([*cells, row["n"], str(STATUS_LABELS[row["s"]]), "\n".join(reasons)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_text_cell(sheet: WriteOnlyWorksheet, text: str) -> WriteOnlyCell:
    """A cell of the register as text: "=…" stays text, it never becomes a formula in someone's Excel."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=text)
    if text.startswith("="):
        cell.data_type = "s"
    return cell


def _header_cell(sheet: WriteOnlyWorksheet, text: str, font: Font) -> WriteOnlyCell:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=text)
    cell.font = font
    return cell
