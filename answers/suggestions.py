"""FAQ entries that may already answer a question: shared 2-character words, the rarer ones counting more."""

from __future__ import annotations

from collections import Counter

from django.db.models import QuerySet

from branches.names import bigrams

from .models import FAQEntry
from .search import query_normalise

# Bigrams of question words that say nothing about the subject.
_COMMON = frozenset(
    {"怎么", "什么", "多少", "可以", "需要", "我们", "单位", "是否", "哪些", "如何", "吗?", "么?"}
)


def faq_suggestions(entries: QuerySet[FAQEntry], text: str, *, limit: int = 5) -> list[FAQEntry]:
    """The published entries sharing most (rare) words with the text, best first; none below two words."""
    grams = [gram for gram in bigrams(query_normalise(text[:1000])) if gram not in _COMMON]
    if not grams:
        return []
    candidates = list(entries.order_by("order", "id")[:500])
    found = {entry.pk: {gram for gram in grams if gram in entry.search_text} for entry in candidates}
    spread = Counter(gram for shared in found.values() for gram in shared)
    scored = [
        (sum(1 / spread[gram] for gram in found[entry.pk]), entry)
        for entry in candidates
        if len(found[entry.pk]) >= 2
    ]
    scored.sort(key=lambda pair: -pair[0])
    return [entry for _score, entry in scored[:limit]]
