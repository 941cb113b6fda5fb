import pytest

from tests.activities.factories import seeded


@pytest.fixture(autouse=True)
def _work_lists(db, wuhai):
    """The seeded service types and recognition titles (lost when an earlier test flushed the database)."""
    seeded()
