"""Races run for real: each party is a thread with its own database connection, released at one instant.

PostgreSQL only: SQLite serialises every writer, so the races these tests prove safe cannot happen there.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.db import connection

from tests.conftest import need


@pytest.fixture(autouse=True)
def _postgresql(db):
    need(connection.vendor == "postgresql", "PostgreSQL (DATABASE_URL)")
    # These tests commit: content types cached by earlier tests, inside rolled-back transactions, may be gone.
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


def together(*calls: Callable[[], object]) -> list[object]:
    """Run the calls at once, one thread and one connection each; each one's result, or the error it raised."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def run(index: int, call: Callable[[], object]) -> None:
        from django.db import connection as own_connection

        try:
            barrier.wait(timeout=30)
            outcomes[index] = call()
        except Exception as error:  # the refusal is an outcome the test asserts on
            outcomes[index] = error
        finally:
            own_connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a party is still running (deadlock?)"
    return outcomes
