"""Finding FAQ entries by a substring of the question or answer, or by the question's pinyin initials."""

from __future__ import annotations

from django.db.models import QuerySet

from branches.names import name_normalise, pinyin_initials

QUERY_MAX = 100


def faq_search_text(question: str, answer: str) -> str:
    """``"<question normalised> <answer normalised> <question's initials>"`` (``zxjy`` finds 执委几名…)."""
    return " ".join(
        part for part in (name_normalise(question), name_normalise(answer), pinyin_initials(question)) if part
    )


def query_normalise(query: str) -> str:
    """A search typed by a person, folded as the search column is (full-width, case, traditional, spaces)."""
    return name_normalise((query or "")[:QUERY_MAX])


def faq_search(entries: QuerySet, query: str) -> QuerySet:
    """The entries whose question or answer holds the query, or whose question's initials do."""
    needle = query_normalise(query)
    return entries.filter(search_text__contains=needle) if needle else entries
