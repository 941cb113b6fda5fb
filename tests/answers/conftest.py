"""Fixtures of questions and the FAQ: the seeded FAQ (again, after a test that flushed the database)."""

from __future__ import annotations

import pytest

from answers.models import FAQCategory, FAQEntry
from answers.seed import faq_seed


@pytest.fixture
def seeded_faq(db):
    faq_seed(FAQCategory, FAQEntry)
    return FAQEntry.objects.all()


@pytest.fixture
def officer(world):
    return world["people"]["district_officer"]


@pytest.fixture
def contact(world):
    return world["people"]["liaison"]
