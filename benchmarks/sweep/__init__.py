"""Figures for the daily reminder sweep at scale (PostgreSQL only): its time, and that its cost follows the rows
due, not the rows stored.

Run through `manage.py benchmark_reminders`. What it does, in order:

1. creates five staff users of 海勃湾区妇联, marked by their user name (`sweepbench-…`): four officers and the
   manager that overdue follow-ups are escalated to;
2. COPYs N organisations (names start with 基准催办, `notes = "benchmark_reminders"`), a women's organisation
   (Branch) in one of seven, and a tenth of the contact log, with the reminders such a log was sent (the
   Reminder table keeps every reminder ever sent: its size is stored rows too). The derived columns are cheap placeholders
   (name_normalised = search_text = the name, sort_key = a zero-padded number) instead of organisation_derive's
   pinyin: the sweep never reads them and pypinyin would cost more than the rest of the generation;
3. for each `--due` level: makes that many follow-ups due (today, tomorrow, overdue, overdue past the escalation
   delay), as many organisations past their contact cadence and a tenth as many terms ending; runs
   reminders_send_due(force=True) once, then three more times (each must send nothing: the median is the
   "second run"), counting queries, and EXPLAINs (ANALYZE, BUFFERS) the selection queries the sweep issued and
   the join-free selection the report recommends; then puts those rows back as they were;
4. COPYs the other nine tenths of the contact log (older contacts, all settled or without a follow-up: the
   stored rows grow, the rows due do not), ANALYZEs and measures every level again;
5. removes everything it generated unless `keep`.

The sweep sends to everyone it selects, so it runs only on a database that holds no other users or
organisations (a database of its own).

The parts: world.py (what is generated and removed), due.py (the due levels), measure.py (one sweep, timed
and explained) and run.py (the run in this order and its report).
"""

from .measure import SELECTION_KEYS, sweep_once
from .run import Report, benchmark_run, report_table
from .world import (
    MARKER,
    NAME_PREFIX,
    USER_PREFIX,
    benchmark_cleanup,
    leftovers,
    strangers,
)

__all__ = [
    "MARKER",
    "NAME_PREFIX",
    "SELECTION_KEYS",
    "USER_PREFIX",
    "Report",
    "benchmark_cleanup",
    "benchmark_run",
    "leftovers",
    "report_table",
    "strangers",
    "sweep_once",
]
