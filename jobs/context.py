"""What long work reads while it runs, without knowing whether it runs as a job: where to report its progress,
whether it has been asked to stop, and whether it may change process-wide settings for speed.

A register import calls `progress().update(...)` and `progress().check()` as it goes; outside a job those do
nothing. `speedups_allowed()` is true only inside a job run by a worker (or a management command), never in a
web process: switching off the cycle collector or changing the interpreter's thread-switch interval there would
change every other request the process serves.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Protocol


class Reporter(Protocol):
    def update(
        self,
        *,
        phase: str | None = None,
        total: int | None = None,
        read: int | None = None,
        written: int | None = None,
        add_written: int = 0,
    ) -> None: ...

    def check(self) -> None: ...


class _Silent:
    def update(self, **kwargs: object) -> None:
        return None

    def check(self) -> None:
        return None


_SILENT = _Silent()
_reporter: ContextVar[Reporter | None] = ContextVar("job_reporter", default=None)
_speedups: ContextVar[bool] = ContextVar("job_speedups", default=False)


def progress() -> Reporter:
    """Where the work in hand reports how far it got (a job's progress, or nowhere)."""
    return _reporter.get() or _SILENT


def speedups_allowed() -> bool:
    return _speedups.get()


@contextmanager
def reporting(reporter: Reporter) -> Iterator[None]:
    token = _reporter.set(reporter)
    try:
        yield
    finally:
        _reporter.reset(token)


@contextmanager
def speedups() -> Iterator[None]:
    """Let the work in hand change process-wide settings for speed (a worker's job, a command)."""
    token = _speedups.set(True)
    try:
        yield
    finally:
        _speedups.reset(token)
