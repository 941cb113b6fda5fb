"""The project package and the core app: people, places, access, background work."""

from .celery import app as celery_app

__all__ = ["celery_app"]
