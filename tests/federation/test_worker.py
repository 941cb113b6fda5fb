"""Background work through a real broker and worker (CI: Redis and PostgreSQL)."""

import pytest

from federation.tasks import ping

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def test_a_task_travels_through_redis_to_the_worker_and_back(celery_worker):
    result = ping.delay()
    assert result.get(timeout=20) == "pong"
    assert result.successful()
