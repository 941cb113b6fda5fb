"""The coverage tests' small world (a monthly report's figures counted on paper), for the report's job."""

from tests.coverage.conftest import frozen, small_world  # noqa: F401
