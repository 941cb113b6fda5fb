"""Keyset pagination walks every row exactly once, forwards and backwards, in any order."""

import pytest
from django.db.models import Value
from django.db.models.functions import Coalesce

from federation.models import Region
from federation.pagination import keyset_page

pytestmark = pytest.mark.django_db


def walk_forward(queryset, keys, size):
    page = keyset_page(queryset, keys, size=size)
    seen = [r.pk for r in page.rows]
    while page.has_next:
        page = keyset_page(queryset, keys, after=page.last_pk, size=size)
        seen += [r.pk for r in page.rows]
    return seen, page


def walk_backward(queryset, keys, size):
    page = keyset_page(queryset, keys, last=True, size=size)
    seen = [r.pk for r in page.rows]
    while page.has_previous:
        page = keyset_page(queryset, keys, before=page.first_pk, size=size)
        seen = [r.pk for r in page.rows] + seen
    return seen, page


@pytest.mark.parametrize("size", [1, 4, 7, 100])
@pytest.mark.parametrize(
    "keys",
    [[("name", False), ("id", False)], [("level", True), ("id", True)], [("sort", True), ("id", False)]],
)
def test_every_row_is_seen_once_in_order_forwards_and_backwards(wuhai, size, keys):
    regions = Region.objects.annotate(sort=Coalesce("parent_id", Value(-1)))
    expected = [r.pk for r in regions.order_by(*[("-" if d else "") + n for n, d in keys])]
    forward, last_page = walk_forward(regions, keys, size)
    backward, first_page = walk_backward(regions, keys, size)
    assert forward == expected
    assert backward == expected
    assert last_page.is_last and not last_page.has_next
    assert first_page.is_first and not first_page.has_previous


def test_a_stale_anchor_gives_the_first_page(wuhai):
    page = keyset_page(Region.objects.all(), [("name", False), ("id", False)], after=999_999, size=3)
    assert page.is_first and len(page.rows) == 3


def test_a_page_costs_three_queries_at_most(wuhai, django_assert_max_num_queries):
    regions = Region.objects.all()
    first = keyset_page(regions, [("name", False), ("id", False)], size=5)
    with django_assert_max_num_queries(2):
        keyset_page(regions, [("name", False), ("id", False)], after=first.last_pk, size=5)
