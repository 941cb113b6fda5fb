"""The sweep benchmark's run, in the order the package's docstring gives (a tenth of the contact log, then all
of it, every due level at each), and its report as JSON and as plain-text tables: the sweep's times, the
selection queries' execution and buffers, the plans of the largest run, how long the generation took.
"""

from __future__ import annotations

import os
import random
import re
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from benchmarks.command import server_facts
from benchmarks.ledger.run import pad

from .measure import SELECTION_KEYS, Measurement, measure_level
from .world import (
    MARKER,
    NAME_PREFIX,
    SEED,
    USER_PREFIX,
    benchmark_cleanup,
    generate_contacts,
    generate_ledger,
    sweep_users,
)


@dataclass
class Report:
    meta: dict[str, Any] = field(default_factory=dict)
    generation: dict[str, Any] = field(default_factory=dict)
    measurements: list[Measurement] = field(default_factory=list)
    cleanup: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "meta": self.meta,
            "generation": self.generation,
            "measurements": [m.as_json() for m in self.measurements],
            "cleanup": self.cleanup,
        }


def benchmark_run(*, organisations: int, contacts: int, due: list[int], keep: bool, log=print) -> Report:
    """Generate, measure at a tenth of the contact log and at all of it, clean up (unless keep)."""
    report = Report()
    from django.conf import settings

    report.meta = {
        "organisations": organisations,
        "contacts": contacts,
        "due": due,
        **server_facts("jit"),
        "delivery": "in-process (Celery eager)"
        if settings.CELERY_TASK_ALWAYS_EAGER
        else "enqueued to the broker",
        "started": timezone.now().isoformat(timespec="seconds"),
        "marker": f"organisation names start with {NAME_PREFIX}, notes = {MARKER!r}; users {USER_PREFIX}*; "
        f"job runs details.benchmark = {MARKER!r}",
        "derived_columns": "placeholders (name_normalised = search_text = name, sort_key = number, other derived "
        "columns such as search_grams left at their defaults), "
        "not organisation_derive",
        "kept": keep,
        "cpus": os.cpu_count(),
        "load_start": _load(),
    }
    rng = random.Random(SEED)
    try:
        officers, manager = sweep_users()
        log(f"Generating {organisations} organisations and their women's organisations …")
        world, report.generation = generate_ledger(organisations=organisations, officers=officers, rng=rng)
        first_part = max(1, contacts // 10)
        log(f"  {report.generation['organisations_seconds']} s; contact log: {first_part} rows …")
        report.generation["contacts_first"] = generate_contacts(world, start=0, stop=first_part, rng=rng)
        log(f"  {report.generation['contacts_first']['seconds']} s")
        largest = max(due)
        if largest > len(world.follow_up_pool) or largest > len(world.cadence_pool):
            raise ValueError(
                f"--due {largest} is more than the {len(world.follow_up_pool)} latest contacts of organisations "
                "not archived: generate more organisations or contacts"
            )
        for stage, (start, stop) in enumerate([(0, first_part), (first_part, contacts)]):
            if stage == 1 and stop > start:
                log(f"Contact log: {stop - start} more rows …")
                report.generation["contacts_rest"] = generate_contacts(world, start=start, stop=stop, rng=rng)
                log(f"  {report.generation['contacts_rest']['seconds']} s")
            for level in due:
                log(f"Sweep with {world.contacts_stored} contacts stored, {level} due …")
                measurement = measure_level(world, level, random.Random(SEED + level))
                report.measurements.append(measurement)
                log(
                    f"  first {measurement.first.ms} ms ({measurement.first.sent} sent), "
                    f"second {measurement.second.ms} ms ({measurement.second.sent} sent)"
                )
    finally:
        if not keep:
            log("Cleaning up …")
            report.cleanup = benchmark_cleanup()
    report.meta["finished"] = timezone.now().isoformat(timespec="seconds")
    report.meta["load_end"] = _load()
    return report


def _load() -> str:
    """The machine's load average (1, 5, 15 minutes): other work on it makes every time longer."""
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


def _line(cells: list[str], head: list[tuple[str, int, bool]]) -> str:
    return " ".join(pad(c, w, right=r) for c, (_t, w, r) in zip(cells, head, strict=True)).rstrip()


def _buffers(text: str) -> str:
    """ "Buffers: shared hit=12 read=3" → "12+3"."""
    hit = re.search(r"shared hit=(\d+)", text)
    read = re.search(r"read=(\d+)", text)
    return f"{hit.group(1) if hit else 0}+{read.group(1) if read else 0}"


def _selection_table(title: str, measurements: list[Measurement], attribute: str, keys) -> list[str]:
    """Execution ms and shared buffers (hit+read) of each query, one column per measurement."""
    columns = [f"{m.stored_contacts // 1000}k/{m.due['total']}" for m in measurements]
    head = [("query", 22, False), ("index expected", 26, False), ("used", 5, False)]
    head += [(c, 19, True) for c in columns]
    lines = ["", title, _line([t for t, _w, _r in head], head), "-" * (56 + 20 * len(columns))]
    for key in keys:
        entries = [getattr(m, attribute).get(key) for m in measurements]
        if not any(entries):
            continue
        index = next(e["index"] for e in entries if e)
        used = sum(bool(e and e["uses_index"]) for e in entries)
        flag = "—" if index is None else f"{used}/{sum(bool(e) for e in entries)}"
        cells = [key, index or "—", flag]
        cells += [
            f"{e['execution_ms']:.2f} ({_buffers(e['buffers'])}){'' if e['uses_index'] is not False else ' ✗'}"
            if e
            else "—"
            for e in entries
        ]
        lines.append(_line(cells, head))
    return lines


def report_table(report: Report) -> str:
    """The figures as plain-text tables: the sweep, the selection queries, the plans of the largest run."""
    head = [("stored contacts", 16, True), ("reminders", 10, True), ("organisations", 14, True),
            ("due rows", 9, True), ("(follow-ups/cadence/terms)", 27, False), ("sent", 6, True),
            ("first-run ms", 13, True), ("ms/sent", 8, True), ("db ms", 8, True), ("second-run ms", 14, True),
            ("db ms", 7, True), ("queries 1st/2nd", 16, True), ("2nd sent", 9, True)]  # fmt: skip
    lines = [_line([t for t, _w, _r in head], head), "-" * 170]
    for m in report.measurements:
        split = f"({m.due['follow_ups']}/{m.due['cadence']}/{m.due['terms']})"
        lines.append(_line([f"{m.stored_contacts:,}", f"{m.stored_reminders:,}", f"{m.organisations:,}",
                            str(m.due["total"]), split, str(m.first.sent), f"{m.first.ms:.1f}",
                            f"{m.first.ms_per_sent or 0:.2f}", f"{m.first.db_ms:.0f}", f"{m.second.ms:.1f}",
                            f"{m.second.db_ms:.0f}", f"{m.first.queries}/{m.second.queries}", str(m.second.sent)],
                           head))  # fmt: skip
    if report.measurements:
        measurements = report.measurements
        lines += _selection_table(
            "selection queries the sweep issued (no-op run): execution ms (shared buffers hit+read); ✗ = the "
            "expected index not in the plan; used = runs that used it",
            measurements,
            "explain",
            SELECTION_KEYS,
        )
        lines += _selection_table(
            "proposed: the same selections without the joins (not what the sweep runs today)",
            measurements,
            "proposed",
            list(measurements[-1].proposed),
        )
        last = measurements[-1]
        lines += [
            "",
            f"plans' key lines at {last.stored_contacts:,} contacts stored, {last.due['total']} due:",
        ]
        for title, plans in (("", last.explain), ("proposed ", last.proposed)):
            for key, entry in plans.items():
                lines.append(f"[{title}{key}]")
                lines += [f"    {line}" for line in entry["key_lines"]]
    generation = report.generation
    if generation:
        lines.append("")
        parts = [f"{generation.get('organisations', 0):,} organisations + {generation.get('branches', 0):,} "
                 f"women's organisations in {generation.get('organisations_seconds')} s"]  # fmt: skip
        for key in ("contacts_first", "contacts_rest"):
            if key in generation:
                g = generation[key]
                parts.append(
                    f"{g['contacts']:,} contacts in {g['seconds']} s ({g['rows_per_second']} rows/s COPY; reminders' "
                    f"history {g['reminders_history_seconds']} s; VACUUM ANALYZE {g['vacuum_analyse_seconds']} s)"
                )
        lines.append("generation: " + "; ".join(parts))
        meta = report.meta
        lines.append(f"derived columns: {meta.get('derived_columns')}; delivery: {meta.get('delivery')}")
        lines.append(
            f"PostgreSQL {meta.get('postgresql')}, jit={meta.get('jit')}; load average at start "
            f"{meta.get('load_start')}, at end {meta.get('load_end')} ({meta.get('cpus')} CPUs)"
        )
    return "\n".join(lines)
