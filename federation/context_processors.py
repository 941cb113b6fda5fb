"""What every page's layout needs: the navigation the user may use."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import access
from .selectors import unread_count

# (url name, label, icon, permission); apps add theirs with nav_item_register
NAV_ITEMS: list[tuple[str, object, str, str]] = [
    ("federation:staff_home", _("Home"), "house", "staff.home"),
    ("federation:contact_home", _("Home"), "house", "contact.home"),
]
ADMIN_NAV_ITEMS: list[tuple[str, object, str, str]] = [
    ("federation:operation_log", _("Operation log"), "journal-text", "logs.operations"),
    ("federation:login_log", _("Login log"), "shield-lock", "logs.logins"),
    ("federation:disclosure_log", _("Personal-data log"), "eye", "logs.disclosures"),
    ("federation:job_log", _("Job log"), "clock-history", "logs.jobs"),
]


def nav_item_register(name: str, label, icon: str, permission: str, *, admin: bool = False) -> None:
    """Add a navigation entry (from an app's ready()), shown to the users who hold its permission."""
    items = ADMIN_NAV_ITEMS if admin else NAV_ITEMS
    if all(item[0] != name for item in items):
        items.append((name, label, icon, permission))


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    path = request.path

    def visible(items):
        entries = []
        for name, label, icon, permission in items:
            if access.has(user, permission):
                url = reverse(name)
                entries.append({"url": url, "label": label, "icon": icon, "active": path == url})
        return entries

    return {
        "nav_items": visible(NAV_ITEMS),
        "nav_admin_items": visible(ADMIN_NAV_ITEMS),
        "nav_django_admin": access.actor(user) == access.ADMIN and user.is_staff,
        "nav_role": access.actor(user),
        "nav_unread": unread_count(user),
    }
