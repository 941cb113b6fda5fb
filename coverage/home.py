"""The coverage headline on the staff home, for the user's area."""

from django.utils import timezone

from coverage.selectors import SUMS, Figure, counts_of, rows_for
from coverage.services import figures_for_page
from federation import access


def coverage_panel(request):
    """Denominator, covered, rate and formed in the user's area: current figures, or the newest there are with
    the time they are from while the worker refreshes them."""
    if not access.has(request.user, "coverage.view"):
        return None
    today = timezone.localdate()
    page = figures_for_page(today, today=today)
    if page.batch is None:
        return {"headline": None, "page": page}
    totals = rows_for(request.user, page.batch).filter(category__isnull=True)
    return {"headline": Figure(label="", counts=counts_of(totals.aggregate(**SUMS))), "page": page}
