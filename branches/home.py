"""The ledger's panel on the staff home: my follow-ups today and overdue."""

from django.utils import timezone

from branches.selectors import follow_ups_for
from federation import access


def follow_ups_panel(request):
    if not access.has(request.user, "ledger.edit"):
        return None
    today = timezone.localdate()
    follow_ups = list(follow_ups_for(request.user, today=today)[:20])
    return {
        "today": today,
        "due_today": [c for c in follow_ups if c.next_follow_up == today],
        "overdue": [c for c in follow_ups if c.next_follow_up < today],
    }


def my_organisations_panel(request):
    """For an organisation's contact: the organisations they are the liaison of, and where each stands."""
    from branches.models import Organisation

    organisations = list(
        Organisation.objects.filter(
            liaisons__user=request.user, liaisons__active=True, archived_at__isnull=True
        )
        .prefetch_related("covering_branches")
        .distinct()
    )
    return {"organisations": organisations} if organisations else None
