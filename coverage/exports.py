"""The monthly report as one XLSX: a summary sheet per breakdown, the funnel, and the ledger (mobiles masked)."""

from __future__ import annotations

import datetime as dt
import tempfile
from typing import IO, Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from branches.models import Organisation
from branches.selectors import organisations_for
from branches.services.exports import ledger_sheet_write, xlsx_text_cell, xlsx_value
from coverage.models import SnapshotBatch
from coverage.selectors import Figure, dashboard_figures
from coverage.services import is_current
from federation.models import DisclosureLog, User
from federation.services import disclosure_record

SUMMARY_SHEETS = [
    ("by_field", lambda: _("By field")),
    ("by_category", lambda: _("By category")),
    ("by_district", lambda: _("By district")),
    ("by_street", lambda: _("By street")),
]


def summary_headers() -> list[str]:
    return [
        _("Breakdown"),
        _("Organisations counted"),
        _("Covered"),
        _("Coverage rate (%)"),
        _("Women's organisations formed"),
        _("With a party organisation"),
        _("Party organisation follow-up rate (%)"),
        _("Contact cadence kept (%)"),
        _("Served this month"),
        _("Open questions"),
        _("Overdue steps"),
    ]


def summary_row(figure: Figure) -> list[Any]:
    return [
        figure.label,
        figure.denominator,
        figure.covered,
        figure.rate,
        figure.formed,
        figure.party,
        figure.party_rate,
        figure.contact_rate,
        figure.served,
        figure.open_questions,
        figure.overdue_steps,
    ]


def report_xlsx_write(
    *, figures: dict[str, Any], as_of: dt.date, area: str, ledger: Any, target: IO[bytes]
) -> int:
    """Write the report workbook to target; return the ledger's row count."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    bold = Font(bold=True)
    workbook = Workbook(write_only=True)

    def sheet_with(title: str, headers: list[str], widths: list[int]):
        sheet = workbook.create_sheet(title[:31])
        for position, width in enumerate(widths):
            sheet.column_dimensions[chr(ord("A") + position)].width = width
        sheet.append([xlsx_text_cell(sheet, f"{area} · {_('as of')} {as_of.isoformat()}", font=bold)])
        sheet.append([xlsx_text_cell(sheet, header, font=bold) for header in headers])
        return sheet

    widths = [22, 12, 10, 12, 12, 12, 14, 12, 12, 10, 10]
    summary = sheet_with(_("Summary"), summary_headers(), widths)
    summary.append(summary_row(Figure(label=_("Total"), counts=figures["headline"].counts)))
    for key, title in SUMMARY_SHEETS:
        sheet = sheet_with(title(), summary_headers(), widths)
        for figure in figures[key]:
            sheet.append([xlsx_value(sheet, str(figure.label)), *summary_row(figure)[1:]])
    stages = sheet_with(_("By stage"), [_("Stage"), _("Organisations")], [22, 12])
    for stage in figures["stages"]:
        stages.append([str(stage["label"]), stage["count"]])
    funnel = sheet_with(
        _("Formation funnel"),
        [_("Step"), _("Runs at this step"), _("Steps approved"), _("Median days")],
        [22, 14, 14, 12],
    )
    for step in figures["funnel"]["steps"]:
        funnel.append(
            [xlsx_value(funnel, step["title"]), step["waiting"], step["approved"], step["median_days"]]
        )
    funnel.append([])
    funnel.append([xlsx_text_cell(funnel, _("Slowest steps by district and field"), font=bold)])
    for slow in figures["funnel"]["slowest"]:
        funnel.append(
            [xlsx_value(funnel, slow["title"]), slow["district"], str(slow["field"]), slow["median_days"]]
        )

    count = ledger_sheet_write(workbook, ledger, reveal=False)
    workbook.save(target)
    return count


def report_xlsx_build(**kwargs: Any) -> tuple[IO[bytes], int]:
    """Build the report in a temporary file (deleted when closed); return it rewound, and the ledger rows."""
    target = tempfile.TemporaryFile()  # noqa: SIM115 (closed by the response that sends it)
    try:
        count = report_xlsx_write(target=target, **kwargs)
    except BaseException:
        target.close()
        raise
    target.seek(0)
    return target, count


def report_ledger(organisations, as_of: dt.date):
    """The ledger sheet: the organisations counted for coverage on the day, in ledger order."""
    from branches.selectors import coverage_target

    return organisations.filter(coverage_target(as_of)).order_by(*Organisation._meta.ordering)


def report_rows(user: User, as_of: dt.date) -> int:
    """How many organisations the report's ledger sheet lists for the user (their area's, counted that day)."""
    return report_ledger(organisations_for(user), as_of).count()


def report_build_current(
    *, user: User, batch: SnapshotBatch, as_of: dt.date, area: str
) -> tuple[IO[bytes], int] | None:
    """The workbook from current figures and the ledger read in the same snapshot of the database (REPEATABLE
    READ on PostgreSQL, unless already inside a transaction); None when the figures went out of date meanwhile:
    never a workbook whose summary disagrees with its ledger sheet."""
    outer = connection.in_atomic_block
    with transaction.atomic():
        if connection.vendor == "postgresql" and not outer:
            with connection.cursor() as cursor:  # one snapshot for the figures and the ledger sheet
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        fresh = SnapshotBatch.objects.filter(pk=batch.pk).first()
        if not is_current(fresh, as_of):
            return None
        figures = dashboard_figures(user, fresh)
        ledger = report_ledger(organisations_for(user), as_of)
        return report_xlsx_build(figures=figures, as_of=as_of, area=area, ledger=ledger)


def report_file_name(area: str, month: dt.date) -> str:
    name = _("%(area)s coverage report %(month)s") % {"area": area, "month": month.strftime("%Y-%m")}
    return f"{name}.xlsx"


def report_disclosure_record(*, user: User, month: dt.date, row_count: int) -> None:
    """The report's ledger sheet names liaisons (mobiles masked): every workbook written is logged."""
    disclosure_record(
        user=user,
        kind=DisclosureLog.Kind.EXPORT,
        what=_("Monthly coverage report %(month)s (XLSX), mobile numbers masked")
        % {"month": month.strftime("%Y-%m")},
        params={"month": month.strftime("%Y-%m"), "format": "xlsx", "reveal": "0"},
        row_count=row_count,
    )
