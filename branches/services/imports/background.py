"""Database work of an import that goes on while the import's Python work goes on.

Reading, classifying and deriving rows is Python; looking records up, updating them and copying their history
is work of the database server, another process. On PostgreSQL a second thread sends those statements on the
import's own connection, so they are part of its transaction; psycopg lets go of the interpreter while it waits
for the server, and both run at once. The thread runs its jobs one after another, in the order they were given.
Elsewhere (SQLite), and in a web process (see jobs.context.speedups_allowed: the thread-switch interval is the
whole process's), each job runs at once, in the calling thread.

A job receives a cursor of the import's connection. Leaving the ``with`` block waits for every job (even when
the block raised: the connection must be idle before the transaction is rolled back) and raises the first
job's error.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from types import TracebackType
from typing import Any, TypeAlias

from django.db import connection

from jobs.context import speedups_allowed

SWITCH_INTERVAL = 0.0002  # seconds

# What a job is given: Django's cursor when it runs at once, the driver's (psycopg) on the import's thread.
Cursor: TypeAlias = Any


class Background:
    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None
        self._jobs: list[Future] = []
        if connection.vendor == "postgresql" and speedups_allowed():
            connection.ensure_connection()
            self._raw = connection.connection
            # The driver's errors raised as Django's (IntegrityError, DataError …), as the app's queries raise them.
            self._errors = connection.wrap_database_errors
            self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="register-import")

    def __enter__(self) -> Background:
        if self._pool is not None:
            # The thread that waits for the server takes the interpreter back after each answer: by default it
            # may wait 5 ms for this thread to let go of it, each time, and most of its time would go there.
            self._interval = sys.getswitchinterval()
            sys.setswitchinterval(SWITCH_INTERVAL)
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        try:
            self.wait()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None
                sys.setswitchinterval(self._interval)

    def run(self, job: Callable[..., Any], *args: Any) -> Future:
        """Run job(cursor, *args) after the jobs given before it; its future holds what it returns."""
        if self._pool is None:  # at once; an error is raised here
            future: Future = Future()
            with connection.cursor() as cursor:
                future.set_result(job(cursor, *args))
            return future
        future = self._pool.submit(self._job, job, args)
        # Jobs that ran well are let go of: their results (thousands of rows) belong to whoever asked for them.
        self._jobs = [
            *(pending for pending in self._jobs if not pending.done() or pending.exception()),
            future,
        ]
        return future

    def _job(self, job: Callable[..., Any], args: tuple) -> Any:
        with self._errors, self._raw.cursor() as cursor:
            return job(cursor, *args)

    def wait(self) -> None:
        """Wait until every job given so far has run; raise the first error among them."""
        jobs, self._jobs = self._jobs, []
        error = None
        for future in jobs:
            try:
                future.result()
            except BaseException as raised:  # every job is waited for, the first error is raised
                error = error or raised
        if error is not None:
            raise error
