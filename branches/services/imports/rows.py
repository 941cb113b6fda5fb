"""A register's rows as classification decides them, the plan they make, and the rows that repeat others."""

from __future__ import annotations

import gc
import itertools
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from branches.services.imports.texts import COUNT_KEYS, NEW, REPEATED, UPDATE
from federation.models import Region
from jobs.context import speedups_allowed

_MATCHED = "matched"  # transient: a target was found, update or unchanged is decided by the diff


@dataclass(slots=True)
class _Row:
    number: int
    name: str
    normalised: str
    uscc: str
    status: str = ""
    values: dict[str, Any] = field(default_factory=dict)
    categories: list[int] = field(default_factory=list)
    district: Region | None = None
    # Values the row does not give but that fill a new record (worked out, or the file's defaults), and how each
    # value of the row was come by when not read from it: name → {"how": "inferred", "from": column} or
    # {"how": "default"} (written into value_sources with the import's stamp).
    fills: dict[str, Any] = field(default_factory=dict)
    marks: dict[str, dict] = field(default_factory=dict)
    category_marks: dict[int, dict] = field(default_factory=dict)  # categories not read from the row
    target: int | None = None
    target_name: str = ""
    seen_id: int | None = None  # the record an invalid row names by its code (it is in the register)
    reasons: list[list] = field(default_factory=list)
    warnings: list[list] = field(default_factory=list)
    diff: dict[str, list] = field(default_factory=dict)

    @property
    def record_id(self) -> int:
        """The record a matched or written row is about."""
        assert self.target is not None, "the row has no record yet"
        return self.target

    def compact(self) -> dict[str, Any]:
        """The row as stored in the preview (short keys, empty parts left out)."""
        entry: dict[str, Any] = {"n": self.number, "s": self.status, "name": self.name}
        if self.uscc:
            entry["uscc"] = self.uscc
        if self.target:
            entry["o"] = self.target
            if self.target_name != self.name:  # the page shows the row's own name otherwise
                entry["on"] = self.target_name
        if self.diff:
            entry["d"] = self.diff
        if self.reasons:
            entry["r"] = self.reasons
        if self.marks and self.status in (NEW, UPDATE):
            entry["i"] = self.marks
        if self.warnings:
            entry["w"] = self.warnings
        return entry


@dataclass
class _Plan:
    rows: list[_Row]
    creates: list[_Row]
    updates: list[tuple[_Row, list[str]]]  # (row, fields it changes)
    present: set[int]
    absent: list[tuple[int, int, bool]]  # (presence id, organisation id, in_latest now)
    absent_names: list[list]
    existing_presences: dict[
        int, tuple[int, bool, int | None]
    ]  # organisation id → (id, in_latest, last_import)
    categories: dict[int, str]
    target_categories: dict[int, set[int]]
    root_path: str

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(COUNT_KEYS.values(), 0)
        for row in self.rows:
            counts[COUNT_KEYS[row.status]] += 1
        counts["not_in_latest"] = len(self.absent)
        return counts


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Classifying a register makes hundreds of thousands of objects that hold no reference cycles: the cycle
    collector's passes over them (and over everything else the process holds) would cost about a tenth of the
    import. Off for the block, as it was afterwards; what the block leaves is freed by reference counting."""
    if not speedups_allowed():  # a web process: the collector is the whole process's
        yield
        return
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _batches(items: Iterable, size: int) -> Iterator[list]:
    """Lists of `size` items in order (the last one shorter), taken from an iterator as they are needed."""
    items = iter(items)
    while batch := list(itertools.islice(items, size)):
        yield batch


class _Repeats:
    """A later row naming the same organisation as an earlier one (same record, code, or name) repeats it."""

    def __init__(self) -> None:
        self.by_target: dict[int, int] = {}
        self.by_uscc: dict[str, int] = {}
        self.by_name: dict[str, list[tuple[int, str, Region | None]]] = {}

    def mark(self, rows: list[_Row]) -> None:
        """Mark the rows that repeat an earlier one (of this batch or of an earlier batch)."""
        by_target, by_uscc, by_name = self.by_target, self.by_uscc, self.by_name
        for row in rows:
            if row.status not in (NEW, _MATCHED):
                continue
            uscc = row.values.get("uscc") or ""
            first = None
            if row.target and row.target in by_target:
                first = by_target[row.target]
            elif uscc and uscc in by_uscc:
                first = by_uscc[uscc]
            else:
                for number, other, district in by_name.get(row.normalised, []):
                    if (not other or not uscc or other == uscc) and district == row.district:
                        first = number
                        break
            if first is not None:
                row.status, row.reasons = REPEATED, [["repeated", {"row": first}]]
                continue
            if row.target:
                by_target[row.target] = row.number
            if uscc:
                by_uscc[uscc] = row.number
            by_name.setdefault(row.normalised, []).append((row.number, uscc, row.district))


class _Writer(Protocol):
    """What plan() hands each classified batch to (branches.services.imports.write._Copy)."""

    def new_ids(self) -> str: ...

    def write(self, creates: list[_Row], updates: list[tuple[_Row, list[str], list[str]]]) -> None: ...
