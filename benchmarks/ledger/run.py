"""The ledger benchmark's run, in the order the package's docstring gives, and its report: the figures as JSON
and as a plain-text table (pad: columns that hold Chinese text, two terminal columns a character).
"""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any

from django.utils import timezone

from benchmarks.command import server_facts
from federation.models import Region

from .imports import IMPORT_KEYS, benchmark_import
from .organisations import (
    MARKER,
    NAME_PREFIX,
    SOURCE_NAME,
    USER_PREFIX,
    benchmark_cleanup,
    benchmark_generate,
)
from .pages import Figure, benchmark_pages, benchmark_users


@dataclass
class Report:
    meta: dict[str, Any] = field(default_factory=dict)
    generation: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)
    imports: dict[str, dict[str, Any]] = field(default_factory=dict)
    cleanup: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "meta": self.meta,
            "generation": self.generation,
            "figures": {key: asdict(figure) for key, figure in self.figures.items()},
            "import": self.imports,
            "cleanup": self.cleanup,
        }


def benchmark_run(*, organisations: int, rows: int, repeat: int, keep: bool, log=print) -> Report:
    """Generate, measure, clean up (unless keep); return the report."""
    report = Report()
    report.meta = {
        "organisations": organisations,
        "rows": rows,
        "repeat": repeat,
        **server_facts(),
        "started": timezone.now().isoformat(timespec="seconds"),
        "marker": f"names start with {NAME_PREFIX}, notes = {MARKER!r}; register {SOURCE_NAME}; "
        f"users {USER_PREFIX}*",
        "kept": keep,
    }
    try:
        officer, admin = benchmark_users()
        log(f"Generating {organisations} organisations …")
        report.generation = benchmark_generate(organisations)
        log(
            f"  {report.generation['organisations']} in {report.generation['seconds']} s "
            f"(organisation_derive {report.generation['derive_us_per_organisation']} µs each)"
        )
        district = Region.objects.get(code="150302")
        context = {"district": district.pk, "organisation": report.generation["middle_id"] or 0}
        log(f"Measuring pages ({repeat} requests each) …")
        report.figures = benchmark_pages(officer=officer, admin=admin, repeat=repeat, context=context)
        log(f"Importing a {rows}-row register …")
        report.imports = benchmark_import(officer=officer, rows=rows, generated=organisations)
    finally:
        if not keep:
            log("Cleaning up …")
            report.cleanup = benchmark_cleanup()
    report.meta["finished"] = timezone.now().isoformat(timespec="seconds")
    return report


def pad(text: str, width: int, *, right: bool = False) -> str:
    """Pad to a width in terminal columns (a Chinese character takes two)."""
    columns = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    space = " " * max(0, width - columns)
    return space + text if right else text + space


def show(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def report_table(report: Report) -> str:
    """The figures as a plain-text table."""
    head = [("figure", 44, False), ("median ms", 10, True), ("p95 ms", 10, True), ("queries", 8, True),
            ("× floor", 8, True)]  # fmt: skip
    lines = [" ".join(pad(text, width, right=right) for text, width, right in head) + "  note"]
    lines.append("-" * 100)
    for figure in report.figures.values():
        note = figure.error or (f"{figure.rows} rows" if figure.rows is not None else "")
        cells = [figure.label, show(figure.median_ms), show(figure.p95_ms), show(figure.queries),
                 show(figure.ratio)]  # fmt: skip
        lines.append(
            " ".join(pad(c, w, right=r) for c, (_t, w, r) in zip(cells, head, strict=True)) + f"  {note}"
        )
    lines.append("")
    head = [("import", 44, False), ("rows", 10, True), ("seconds", 10, True), ("rows/s", 8, True)]
    lines.append(" ".join(pad(text, width, right=right) for text, width, right in head) + "  note")
    lines.append("-" * 100)
    labels = {"import_run": "import end to end (register_import_run)", "import_read": "read the XLSX (read_register)",
              "import_copy": "raw COPY of the parsed rows"}  # fmt: skip
    for key in IMPORT_KEYS:
        entry = report.imports.get(key, {})
        note = entry.get("error", "")
        if key == "import_run" and "peak_memory_mb" in entry:
            note = (
                f"peak +{entry['peak_memory_mb']} MB RSS, {entry['queries']} queries, "
                f"{show(entry.get('hot_update_percent'))} % of updates HOT, "
                f"{show(entry.get('times_slower_than_read_and_copy'))}× the time of read + COPY; table "
                f"{entry['organisation_table_mb_before']} → {entry['organisation_table_mb_after']} MB"
            )
        elif key == "import_copy" and entry:
            note = f"read + COPY: {entry.get('read_and_copy_rows_per_second')} rows/s"
        cells = [labels[key], show(entry.get("rows")), show(entry.get("seconds")),
                 show(entry.get("rows_per_second"))]  # fmt: skip
        lines.append(
            " ".join(pad(c, w, right=r) for c, (_t, w, r) in zip(cells, head, strict=True)) + f"  {note}"
        )
    generation = report.generation
    if generation:
        lines.append("")
        lines.append(
            f"generation: {generation['organisations']} organisations in {generation['seconds']} s "
            f"({generation['rows_per_second']} rows/s through COPY; organisation_derive "
            f"{generation['derive_us_per_organisation']} µs each = {generation['derive_seconds']} s); then "
            f"{generation.get('after_generation', 'ANALYZE')} ({generation.get('analyse_seconds')} s; "
            f"autovacuum on this server: {generation.get('autovacuum', '?')})"
        )
    return "\n".join(lines)
