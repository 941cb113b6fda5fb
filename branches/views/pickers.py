"""What the search boxes of branches/widgets.py ask for: matching records in the user's area, as JSON."""

from __future__ import annotations

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from branches.selectors import branches_for, organisations_for, search_condition
from federation import access

PICK_LIMIT = 20
QUERY_MAX = 50


def _query(request) -> str:
    return " ".join(request.GET.get("q", "").split())[:QUERY_MAX]


@require_GET
def organisation_pick(request):
    """Organisations in the user's area, not archived, whose name, former names, initials or code match."""
    access.require(request.user, "ledger.view")
    query = _query(request)
    found = []
    if query:
        found = (
            organisations_for(request.user)
            .filter(archived_at__isnull=True)
            .filter(search_condition(query))
            .select_related("district")
            .order_by("sort_key", "id")[:PICK_LIMIT]
        )
    return JsonResponse(
        {
            "results": [
                {"id": o.pk, "label": o.name, "hint": o.district.name if o.district_id else ""} for o in found
            ]
        }
    )


@require_GET
def branch_pick(request):
    """Standing women's organisations in the user's area whose name, or whose organisation's name, matches."""
    access.require(request.user, "ledger.view")
    query = _query(request)
    found = []
    if query:
        found = (
            branches_for(request.user)
            .filter(dissolved_on__isnull=True)
            .filter(name__icontains=query)
            .select_related("organisation")
            .order_by("name", "id")[:PICK_LIMIT]
        )
    return JsonResponse(
        {"results": [{"id": b.pk, "label": b.name, "hint": b.organisation.name} for b in found]}
    )
