"""The coverage headline on the staff home, for the user's area."""

from django.utils import timezone

from coverage.selectors import SUMS, Figure, counts_of, rows_for
from coverage.services import snapshot_for_page
from federation import access


def coverage_panel(request):
    """Denominator, covered, rate and formed in the user's area (from the newest snapshot, never recomputed here)."""
    if not access.has(request.user, "coverage.view"):
        return None
    today = timezone.localdate()
    batch = snapshot_for_page(today, today=today)
    totals = rows_for(request.user, batch).filter(category__isnull=True)
    return {"headline": Figure(label="", counts=counts_of(totals.aggregate(**SUMS))), "batch": batch}
