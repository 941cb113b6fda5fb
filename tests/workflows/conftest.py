"""Fixtures of guided formation: a fresh run of the default 妇联 template for the world's organisation."""

from __future__ import annotations

import pytest

from workflows import services
from workflows.models import WorkflowTemplate


@pytest.fixture
def fresh_run(world):
    """The world's run cancelled and a new one started: only the first step done (from the ledger)."""
    officer = world["people"]["district_officer"]
    services.run_cancel(by=officer, run=world["run"], reason="重新开始")
    return services.run_start(
        by=officer,
        organisation=world["organisation"],
        template=WorkflowTemplate.objects.get(key="federation", status="published"),
        owner=officer,
        liaison=world["liaison"],
    )
