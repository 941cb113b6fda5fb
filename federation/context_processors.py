"""What every page's layout needs: the navigation the user may use."""

import functools

from django.urls import get_script_prefix, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from . import access
from .selectors import unread_count

# (url name, label, icon, permission, group); apps add theirs with nav_item_register
NAV_ITEMS: list[tuple[str, object, str, str, str]] = [
    ("federation:staff_home", _("Home"), "house", "staff.home", ""),
    ("federation:contact_home", _("Home"), "house", "contact.home", ""),
]
# group key → (label, icon): entries of a group share one menu in the bar (one visible entry shows alone)
NAV_GROUPS: dict[str, tuple[object, str]] = {
    "ledger": (pgettext_lazy("navigation group", "Ledger"), "building"),
    "formation": (pgettext_lazy("navigation group", "Formation"), "diagram-3"),
    "work": (pgettext_lazy("navigation group", "Services"), "heart"),
}
ADMIN_NAV_ITEMS: list[tuple[str, object, str, str]] = [
    ("federation:operation_log", _("Operation log"), "journal-text", "logs.operations"),
    ("federation:login_log", _("Login log"), "shield-lock", "logs.logins"),
    ("federation:disclosure_log", _("Personal-data log"), "eye", "logs.disclosures"),
    ("federation:job_log", _("Job log"), "clock-history", "logs.jobs"),
]


def nav_item_register(
    name: str, label, icon: str, permission: str, *, admin: bool = False, group: str = ""
) -> None:
    """Add a navigation entry (from an app's ready()), shown to the users who hold its permission; entries
    of one `group` (a key of NAV_GROUPS) share a menu."""
    if group and group not in NAV_GROUPS:
        raise ValueError(f"unknown navigation group {group!r}")
    if admin:
        if all(item[0] != name for item in ADMIN_NAV_ITEMS):
            ADMIN_NAV_ITEMS.append((name, label, icon, permission))
    elif all(item[0] != name for item in NAV_ITEMS):
        NAV_ITEMS.append((name, label, icon, permission, group))


def _grouped(entries: list[tuple[dict, str]]) -> list[dict]:
    """(entry, group) in registration order → the bar: a group's entries gathered into one menu where the group
    first appears; a group with one visible entry shows that entry alone."""
    result, menus = [], {}
    for entry, group in entries:
        if not group:
            result.append(entry)
        elif group in menus:
            menus[group]["children"].append(entry)
        else:
            label, icon = NAV_GROUPS[group]
            menus[group] = {"label": label, "icon": icon, "children": [entry]}
            result.append(menus[group])
    for menu in menus.values():
        menu["active"] = any(child["active"] for child in menu["children"])
    return [item["children"][0] if len(item.get("children", ())) == 1 else item for item in result]


@functools.lru_cache(maxsize=256)
def _url(name: str, prefix: str) -> str:
    """The entries' addresses are fixed for a given script prefix: reversed once, not on every page."""
    return reverse(name)


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    path = request.path

    def visible(items):
        """(entry, group) for each item the user may use."""
        entries = []
        for name, label, icon, permission, *group in items:
            if access.has(user, permission):
                url = _url(name, get_script_prefix())
                entry = {"url": url, "label": label, "icon": icon, "active": path.startswith(url)}
                entries.append((entry, group[0] if group else ""))
        return entries

    return {
        "nav_items": _grouped(visible(NAV_ITEMS)),
        "nav_admin_items": [entry for entry, _group in visible(ADMIN_NAV_ITEMS)],
        "nav_django_admin": access.actor(user) == access.ADMIN and user.is_staff,
        "nav_role": access.actor(user),
        "nav_unread": unread_count(user),
    }
