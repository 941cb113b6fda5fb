"""Background tasks of the core app."""

from celery import shared_task


@shared_task(name="federation.ping")
def ping() -> str:
    """Answer "pong": proves a worker takes tasks from the broker (health checks, tests)."""
    return "pong"
