"""The ledger's panels on the staff home: my follow-ups today, and beside them my overdue contacts."""

from django.utils import timezone

from branches.selectors import contacts_late_for, follow_ups_for
from federation import access

LATE_SHOWN = 10


def follow_ups_panel(request):
    """Today's follow-ups; the overdue ones and the organisations whose regular contact is late (my
    organisations past their contact cadence), the longest overdue first."""
    if not access.has(request.user, "ledger.edit"):
        return None
    today = timezone.localdate()
    follow_ups = list(follow_ups_for(request.user, today=today)[:20])
    late = list(contacts_late_for(request.user, today=today)[: LATE_SHOWN + 1])
    return {
        "today": today,
        "due_today": [c for c in follow_ups if c.next_follow_up == today],
        "overdue": [c for c in follow_ups if c.next_follow_up < today],
        "late": [
            {"organisation": organisation, "days": (today - organisation.contact_due_on).days}
            for organisation in late[:LATE_SHOWN]
        ],
        "late_more": len(late) > LATE_SHOWN,
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
