"""The ledger list's rows, rendered in Python: the list is the app's busiest page, and fifty rows through the
template engine (a dozen variables, a loop and two tags each) were half of its time. The markup is the one the
template had; the table's head, its empty state and the pagination stay in branches/_organisation_table.html.
Every value is escaped (html.escape: the same five characters as Django's escape).
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape

from django import template
from django.urls import reverse
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from branches.models import Organisation
from federation.templatetags.cells import yes_no

register = template.Library()

DASH = "—"


def _count(value: int | None) -> str:
    return DASH if value is None else escape(localize(value))


@register.simple_tag
def ledger_rows(rows: Iterable[Organisation]) -> SafeString:
    """One <tr> per organisation; the view prefetches its categories into ``category_list``."""
    archived = f'<span class="badge text-bg-secondary">{escape(gettext("Archived"))}</span>'
    out_of_scope = f'<span class="badge text-bg-light border">{escape(gettext("Out of scope"))}</span>'
    url = reverse("branches:organisation_detail", args=[0]).removesuffix("0/")
    html = []
    for o in rows:
        uscc = f'<span class="mono">{escape(o.uscc)}</span>' if o.uscc else ""
        categories = "".join(
            f'<span class="badge rounded-pill text-bg-light border fw-normal">{escape(category.name)}</span>'
            for category in o.category_list
        )
        street = (
            f'<div class="text-body-secondary">{escape(o.region.name)}</div>'
            if o.region_id != o.district_id
            else ""
        )
        field = escape(o.field_label)
        html.append(
            "<tr><td>"
            f'<a class="fw-semibold text-decoration-none" href="{url}{o.pk}/">{escape(o.name)}</a> '
            f"{archived if o.archived_at else ''} {'' if o.in_scope else out_of_scope}"
            f'<div class="small text-body-secondary">{uscc} {categories} <span class="d-sm-none">· {field}</span></div>'
            "</td>"
            f'<td class="d-none d-sm-table-cell small">{field}</td>'
            f'<td class="d-none d-lg-table-cell small">{escape(o.unit_type_label or DASH)}</td>'
            f'<td class="small">{escape(o.district.name)}{street}</td>'
            f'<td class="d-none d-md-table-cell text-end">{_count(o.employees)}</td>'
            f'<td class="d-none d-md-table-cell text-end">{_count(o.women)}</td>'
            f'<td class="d-none d-xl-table-cell">{yes_no(o.party_org)}</td>'
            f'<td class="d-none d-xl-table-cell">{yes_no(o.trade_union)}</td></tr>'
        )
    return mark_safe("\n".join(html))
