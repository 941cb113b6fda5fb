"""Export the ledger (台账) as XLSX or CSV in the ledger's usual layout (docs/domain.md).

The layout is one list, LEDGER_COLUMNS: a column says its header, how to read its value from an organisation
and which related rows it needs (prefetched once per chunk), so adding a column is one line and the number of
queries stays constant whatever the number of rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import IO, TYPE_CHECKING, Any

from django.db.models import Model, Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:  # openpyxl is imported where a workbook is written
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from branches.models import (
    Branch,
    BranchKind,
    BranchMember,
    Liaison,
    Organisation,
    SanxinField,
    Stage,
    UnitType,
    Way,
)
from federation import access
from federation.downloads import XLSX, cell_neutralise
from federation.identifiers import mobile_mask
from federation.models import DisclosureLog, Region, User
from federation.services import disclosure_record
from jobs.context import progress

CHUNK_SIZE = 2000
CSV_BATCH_ROWS = 500
EXPORT_FORMATS = {
    "xlsx": XLSX,
    "csv": "text/csv; charset=utf-8",
}
BOM = "\ufeff"


class Labels:
    """Choice labels and yes/no in the active language, translated once per export rather than per cell."""

    def __init__(self) -> None:
        self.choices = {
            "field": {value: str(label) for value, label in SanxinField.choices},
            "unit_type": {value: str(label) for value, label in UnitType.choices},
            "stage": {value: str(label) for value, label in Stage.choices},
            "form": {value: str(label) for value, label in BranchKind.choices},
            "way": {value: str(label) for value, label in Way.choices},
        }
        self.yes, self.no = gettext("Yes"), gettext("No")

    def choice(self, name: str, value: str) -> str:
        return self.choices[name].get(value, value)

    def yes_no(self, value: bool | None) -> str:
        return "" if value is None else (self.yes if value else self.no)


# The posts that lead a women's organisation: a federation's chair, a committee's director, a group's leader.
HEAD_POSTS = (BranchMember.Post.CHAIR, BranchMember.Post.DIRECTOR, BranchMember.Post.LEADER)

# The women's organisations covering an organisation that are not dissolved, each with its head(s).
ACTIVE_BRANCHES = Prefetch(
    "covering_branches",
    queryset=Branch.objects.filter(dissolved_on__isnull=True).prefetch_related(
        Prefetch("members", queryset=BranchMember.objects.filter(post__in=HEAD_POSTS), to_attr="heads")
    ),
    to_attr="active_branches",
)
# Active liaisons in the order the organisation's page lists them.
ACTIVE_LIAISONS = Prefetch(
    "liaisons", queryset=Liaison.objects.filter(active=True), to_attr="active_liaisons"
)


@dataclass(frozen=True)
class Row:
    """What a column reads its value from."""

    number: int
    organisation: Organisation
    reveal: bool
    labels: Labels

    @cached_property
    def branch(self) -> Branch | None:
        """The women's organisation the ledger shows: an active one set up in the organisation itself, else the
        active one covering it that was established most recently (needs ACTIVE_BRANCHES)."""
        branches: list[Branch] = self.organisation.active_branches  # type: ignore[attr-defined]  # Prefetch to_attr
        own = [branch for branch in branches if branch.organisation_id == self.organisation.pk]
        return max(own or branches, key=lambda b: (b.established_on or dt.date.min, b.pk), default=None)

    @cached_property
    def contact(self) -> tuple[str, str]:
        """(name, mobile) of the ledger's contact: the women's organisation's chair (or director, or group
        leader), else the first active liaison, else the register's contact person (needs both prefetches)."""
        heads: list[BranchMember] = self.branch.heads if self.branch is not None else []  # type: ignore[attr-defined]  # Prefetch to_attr
        if heads:
            return heads[0].name, heads[0].mobile
        liaisons: list[Liaison] = self.organisation.active_liaisons  # type: ignore[attr-defined]  # Prefetch to_attr
        if liaisons:
            return liaisons[0].name, liaisons[0].mobile
        return self.organisation.contact_name, self.organisation.contact_mobile


@dataclass(frozen=True)
class Column:
    """One column of the ledger: its header, its value, its width in Excel and the related rows it reads."""

    header: Any
    value: Callable[[Row], Any]
    width: int = 12
    select: tuple[str, ...] = ()
    prefetch: tuple[str | Prefetch, ...] = ()


def _street(row: Row) -> str:
    region = row.organisation.region
    return region.name if region.level == Region.Level.STREET else ""


def _mobile(row: Row) -> str:
    mobile = row.contact[1]
    return mobile if row.reveal else mobile_mask(mobile)


def _empty(row: Row) -> str:
    return ""  # activities: filled by the issue that brings the services module


def _branch_column(header: Any, read: Callable[[Branch, Labels], Any], width: int) -> Column:
    """A column read from the women's organisation the ledger shows (empty without one)."""
    return Column(
        header,
        lambda row: read(row.branch, row.labels) if row.branch is not None else None,
        width=width,
        prefetch=(ACTIVE_BRANCHES,),
    )


CONTACT = (ACTIVE_BRANCHES, ACTIVE_LIAISONS)


LEDGER_COLUMNS: list[Column] = [
    Column(_("No."), lambda row: row.number, width=6),
    Column(_("Unit name"), lambda row: row.organisation.name, width=36),
    Column(_("Unified social credit code"), lambda row: row.organisation.uscc, width=22),
    Column(_("Three-new field"), lambda row: row.labels.choice("field", row.organisation.field), width=14),
    Column(_("Unit type"), lambda row: row.labels.choice("unit_type", row.organisation.unit_type), width=16),
    Column(_("Industry"), lambda row: row.organisation.industry, width=24),
    Column(_("Unit's district"), lambda row: row.organisation.district.name, width=10, select=("district",)),
    Column(_("Street or town"), _street, width=16, select=("region",)),
    Column(_("Number of employees"), lambda row: row.organisation.employees, width=8),
    Column(_("Number of women employees"), lambda row: row.organisation.women, width=8),
    Column(
        _("Party organisation set up"), lambda row: row.labels.yes_no(row.organisation.party_org), width=10
    ),
    Column(_("Trade union set up"), lambda row: row.labels.yes_no(row.organisation.trade_union), width=10),
    _branch_column(_("Organisational form"), lambda branch, labels: labels.choice("form", branch.form), 12),
    _branch_column(_("Way of forming"), lambda branch, labels: labels.choice("way", branch.way), 12),
    Column(_("Stage"), lambda row: row.labels.choice("stage", row.organisation.stage), width=10),
    _branch_column(_("Established on"), lambda branch, labels: branch.established_on, 12),
    _branch_column(_("Approval number"), lambda branch, labels: branch.approval_number, 16),
    Column(_("Contact person"), lambda row: row.contact[0], width=10, prefetch=CONTACT),
    Column(_("Contact phone"), _mobile, width=14, prefetch=CONTACT),
    _branch_column(_("Executive seats"), lambda branch, labels: branch.seats, 8),
    _branch_column(_("Term number"), lambda branch, labels: branch.term_number, 8),
    _branch_column(_("Term ends"), lambda branch, labels: branch.term_ends_on, 12),
    Column(_("Activities"), _empty, width=24),
    # The organisation's own founding or registration date (the dates above are its women's organisation's).
    Column(_("Founded or registered on"), lambda row: row.organisation.founded_on, width=12),
]


def ledger_headers(columns: list[Column] = LEDGER_COLUMNS) -> list[str]:
    """The header row, in the active language."""
    return [str(column.header) for column in columns]


def ledger_queryset(
    organisations: QuerySet[Organisation], columns: list[Column] = LEDGER_COLUMNS
) -> QuerySet:
    """The organisations with the related rows every column reads, fetched once per chunk."""
    select = sorted({name for column in columns for name in column.select})
    prefetch: dict[str, str | Prefetch] = {}  # one lookup per attribute, however many columns read it
    for lookup in (lookup for column in columns for lookup in column.prefetch):
        prefetch.setdefault(lookup.prefetch_to if isinstance(lookup, Prefetch) else lookup, lookup)
    organisations = organisations.select_related(*select) if select else organisations
    return organisations.prefetch_related(*prefetch.values()) if prefetch else organisations


def ledger_rows(
    organisations: QuerySet[Organisation], *, reveal: bool, columns: list[Column] = LEDGER_COLUMNS
) -> Iterator[list[Any]]:
    """The cell values of each organisation, neutralised, streamed in chunks (memory stays flat)."""
    queryset, labels = ledger_queryset(organisations, columns), Labels()
    reporter = progress()  # an export run as a job shows how far it got
    for number, organisation in enumerate(queryset.iterator(chunk_size=CHUNK_SIZE), start=1):
        if number % CHUNK_SIZE == 0:
            reporter.update(read=number, written=number)
        row = Row(number=number, organisation=organisation, reveal=reveal, labels=labels)
        yield [cell_neutralise(_none_to_blank(column.value(row))) for column in columns]


def _none_to_blank(value: Any) -> Any:
    return "" if value is None else value


class _Lines:
    """A write-only file for csv.writer that keeps what was written until it is taken."""

    def __init__(self) -> None:
        self.parts: list[str] = []

    def write(self, text: str) -> None:
        self.parts.append(text)

    def take(self) -> str:
        text, self.parts = "".join(self.parts), []
        return text


def ledger_csv_stream(organisations: QuerySet[Organisation], *, reveal: bool) -> Iterator[str]:
    """The ledger as CSV text in batches: a BOM (Excel then reads UTF-8 Chinese right), the header, the rows."""
    lines = _Lines()
    writer = csv.writer(lines)
    writer.writerow([cell_neutralise(header) for header in ledger_headers()])
    yield BOM + lines.take()
    for count, values in enumerate(ledger_rows(organisations, reveal=reveal), start=1):
        writer.writerow(values)
        if count % CSV_BATCH_ROWS == 0:
            yield lines.take()
    rest = lines.take()
    if rest:
        yield rest


def ledger_xlsx_write(organisations: QuerySet[Organisation], *, reveal: bool, target: IO[bytes]) -> int:
    """Write the ledger as an XLSX workbook (openpyxl write-only, flat memory) to target; return the rows."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    count = ledger_sheet_write(workbook, organisations, reveal=reveal)
    workbook.save(target)
    return count


def ledger_sheet_write(workbook: Workbook, organisations: QuerySet[Organisation], *, reveal: bool) -> int:
    """Add the ledger as a sheet of a write-only workbook (the export, the monthly report); return the rows."""
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(gettext("Ledger"))
    for position, column in enumerate(LEDGER_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(position)].width = column.width
    sheet.freeze_panes = "C2"
    bold = Font(bold=True)
    sheet.append([xlsx_text_cell(sheet, header, font=bold) for header in ledger_headers()])
    count = 0
    for values in ledger_rows(organisations, reveal=reveal):
        # An empty text is left out (None): openpyxl then writes no cell at all, a third faster.
        sheet.append([(xlsx_value(sheet, v) if v else None) if isinstance(v, str) else v for v in values])
        count += 1
    return count


def xlsx_value(sheet: WriteOnlyWorksheet, value: str) -> str | WriteOnlyCell:
    """A neutralised text as openpyxl writes it as a string: as is (fast), or as an explicit text cell."""
    from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE

    if ILLEGAL_CHARACTERS_RE.search(value):
        value = ILLEGAL_CHARACTERS_RE.sub("", value)  # control characters are not allowed in XLSX
    if value.startswith("=") or value in ERROR_CODES:  # openpyxl would write a formula or an error value
        return xlsx_text_cell(sheet, value)
    return value


def xlsx_text_cell(sheet: WriteOnlyWorksheet, value: str, font: Font | None = None) -> WriteOnlyCell:
    """A cell that holds text whatever it starts with (openpyxl would otherwise write "=…" as a formula)."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=cell_neutralise(value))
    cell.data_type = "s"
    if font is not None:
        cell.font = font
    return cell


def export_params(filters: dict[str, Any], **extra: str) -> dict[str, str]:
    """The filters that narrowed an export, as strings for the disclosure log (empty ones left out)."""
    params: dict[str, str] = {}
    for name, value in filters.items():
        if value in (None, "", False):
            continue
        params[name] = str(value) if isinstance(value, Model) else ("yes" if value is True else str(value))
    return {**params, **extra}


def ledger_export_record(
    *,
    user: User,
    export_format: str,
    filters: dict[str, Any],
    reveal: bool,
    row_count: int,
) -> DisclosureLog:
    """Record an export of the ledger: who, when, with which filters, how many rows, full mobiles or not."""
    if reveal:
        what = gettext("Organisations ledger (%(format)s), mobile numbers in full")
    else:
        what = gettext("Organisations ledger (%(format)s), mobile numbers masked")
    return disclosure_record(
        user=user,
        kind=DisclosureLog.Kind.EXPORT,
        what=what % {"format": export_format.upper()},
        params=export_params(filters, format=export_format, reveal="1" if reveal else "0"),
        row_count=row_count,
    )


def ledger_file_name(*, user: User, export_format: str) -> str:
    """乌海市三新组织台账_2026-11-28.xlsx: the user's area, the ledger, today's date."""
    root = access.scope_region(user)
    if root is None:  # an admin sees everything: name the file after the city
        root = Region.objects.filter(level=Region.Level.CITY).order_by("path").first()
    area = root.name if root is not None else ""
    base = gettext("%(area)s new-field organisations ledger") % {"area": area}
    return f"{base.strip()}_{timezone.localdate().isoformat()}.{export_format}"


def ledger_xlsx_build(organisations: QuerySet[Organisation], *, reveal: bool) -> tuple[IO[bytes], int]:
    """Build the XLSX in a temporary file (deleted when closed); return it rewound, and the row count."""
    target = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the response that sends it)
    try:
        count = ledger_xlsx_write(organisations, reveal=reveal, target=target)
    except BaseException:
        target.close()
        raise
    target.seek(0)
    return target, count
