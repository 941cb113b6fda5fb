"""Keyset pagination: a page costs the same at row 50 and at row 100,000.

OFFSET pagination makes PostgreSQL walk every row before the page (page 1,000 of a 60,000-row district costs
7× page 1). Here a page is "the rows after (or before) this row in the chosen order", which an index on the
order's columns answers directly; the first and last pages are index scans from either end.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypedDict

from django.db.models import Q, QuerySet
from django.http import HttpRequest


@dataclass
class KeysetPage:
    rows: list[Any]
    has_previous: bool
    has_next: bool
    is_first: bool
    is_last: bool

    @property
    def first_pk(self) -> Any:
        return self.rows[0].pk if self.rows else None

    @property
    def last_pk(self) -> Any:
        return self.rows[-1].pk if self.rows else None


def _beyond(keys: list[tuple[str, bool]], anchor: dict[str, Any], forward: bool) -> Q:
    """Rows strictly after (forward) or before the anchor in the order given by keys (name, descending)."""
    condition = Q()
    equal = Q()
    for name, descending in keys:
        upward = forward != descending
        condition |= equal & Q(**{f"{name}__{'gt' if upward else 'lt'}": anchor[name]})
        equal &= Q(**{name: anchor[name]})
    # The leading key's non-strict bound lets the database start the index scan at the anchor.
    first, descending = keys[0]
    upward = forward != descending
    return Q(**{f"{first}__{'gte' if upward else 'lte'}": anchor[first]}) & condition


def _order(keys: list[tuple[str, bool]], reverse: bool) -> list[str]:
    return [("-" if descending != reverse else "") + name for name, descending in keys]


def keyset_page(
    queryset: QuerySet,
    keys: list[tuple[str, bool]],
    *,
    after: Any = None,
    before: Any = None,
    last: bool = False,
    size: int = 50,
) -> KeysetPage:
    """One page of `queryset` in the order of `keys` (field or annotation names with a descending flag; the
    last key must be unique, e.g. the primary key). `after`/`before` are primary keys of the row the page
    follows or precedes; an anchor outside the queryset (deleted, filtered away) gives the first page."""
    names = [name for name, _ in keys]
    anchor_pk = after if after is not None else before
    anchor = None
    if anchor_pk is not None:
        anchor = queryset.order_by().filter(pk=anchor_pk).values(*names).first()
    if anchor is not None and after is not None:
        rows = list(queryset.filter(_beyond(keys, anchor, True)).order_by(*_order(keys, False))[: size + 1])
        return KeysetPage(rows[:size], True, len(rows) > size, False, len(rows) <= size)
    if anchor is not None and before is not None:
        rows = list(queryset.filter(_beyond(keys, anchor, False)).order_by(*_order(keys, True))[: size + 1])
        more = len(rows) > size
        return KeysetPage(list(reversed(rows[:size])), more, True, not more, False)
    if last:
        rows = list(queryset.order_by(*_order(keys, True))[: size + 1])
        more = len(rows) > size
        return KeysetPage(list(reversed(rows[:size])), more, False, not more, True)
    rows = list(queryset.order_by(*_order(keys, False))[: size + 1])
    more = len(rows) > size
    return KeysetPage(rows[:size], False, more, True, not more)


def pk_param(value: str | None) -> int | None:
    """An id from the query string or a form (a page anchor, a filter, a chosen record): anything that is not a
    positive whole number that fits a 64-bit key is ignored (a longer one would overflow SQLite)."""
    if value and value.isdecimal() and len(value) < 19:
        return int(value)
    return None


class KeysetPosition(TypedDict):
    after: int | None
    before: int | None
    last: bool


def keyset_position(request: HttpRequest) -> KeysetPosition:
    """Which page of a list a request asks for with ?after=, ?before= or ?last=1, as keyset_page's arguments
    (for a selector that pages its own queryset)."""
    return {
        "after": pk_param(request.GET.get("after")),
        "before": pk_param(request.GET.get("before")),
        "last": request.GET.get("last") == "1",
    }


def keyset_page_for(
    request: HttpRequest, queryset: QuerySet, keys: list[tuple[str, bool]], size: int = 50
) -> KeysetPage:
    """The page of a list a request asks for with ?after=, ?before= or ?last=1 (see keyset_page)."""
    return keyset_page(queryset, keys, size=size, **keyset_position(request))
