"""Peak memory of a block of code: the process's resident high-water mark (Linux), else Python's own."""

from __future__ import annotations

import contextlib
import tracemalloc
from pathlib import Path

_STATUS = Path("/proc/self/status")


def _status(field: str) -> int:
    for line in _STATUS.read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise LookupError(field)


def _reset_high_water_mark() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # resets VmHWM to the current resident size
        return True
    except OSError:
        return False


@contextlib.contextmanager
def peak_memory():
    """Yields a dict whose "mb" is, after the block, how far memory rose above where it started.

    The resident high-water mark counts what native readers (calamine is Rust) allocate; where it cannot be
    reset, tracemalloc's peak of Python allocations is used instead.
    """
    result = {"mb": 0.0}
    if _STATUS.exists() and _reset_high_water_mark():
        start = _status("VmRSS")
        yield result
        result["mb"] = max(0, _status("VmHWM") - start) / 2**20
        return
    tracemalloc.start()
    try:
        yield result
        result["mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
