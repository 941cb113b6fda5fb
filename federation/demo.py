"""Demo people for a laptop: one account for each kind of user, all with the README's demo password."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction

from .models import FederationUnit, User

# username → (full name, kind, role, unit name)
# The demo takes place in 乌海市 (Inner Mongolia), loaded from the divisions dataset.
DEMO_AREA = "150300"

DEMO_USERS = {
    "admin": ("系统管理员", User.Kind.STAFF, User.Role.ADMIN, "乌海市妇联"),
    "city": ("王丽（市妇联组织部）", User.Kind.STAFF, User.Role.OFFICER, "乌海市妇联"),
    "manager": ("赵敏（市妇联组织部部长）", User.Kind.STAFF, User.Role.MANAGER, "乌海市妇联"),
    "haibowan": ("李娜（海勃湾区妇联）", User.Kind.STAFF, User.Role.OFFICER, "海勃湾区妇联"),
    "wuda": ("张芳（乌达区妇联）", User.Kind.STAFF, User.Role.OFFICER, "乌达区妇联"),
    "liaison": ("刘静（联系人）", User.Kind.CONTACT, "", None),
}


@transaction.atomic
def demo_users_load() -> list[User]:
    """Create the demo accounts, or put them back as documented; running it twice changes nothing."""
    users = []
    for username, (full_name, kind, role, unit_name) in DEMO_USERS.items():
        unit = FederationUnit.objects.get(name=unit_name) if unit_name else None
        user = User.objects.filter(username=username).first() or User(username=username)
        wanted = {
            "full_name": full_name,
            "kind": kind,
            "role": role,
            "unit": unit,
            "is_staff": role == User.Role.ADMIN,
            "is_superuser": role == User.Role.ADMIN,
            "is_active": True,
            "email": f"{username}@example.org",
        }
        changed = user.pk is None or any(getattr(user, field) != value for field, value in wanted.items())
        if user.pk is None or not user.check_password(settings.DEMO_PASSWORD):
            user.set_password(settings.DEMO_PASSWORD)
            changed = True
        if changed:
            for field, value in wanted.items():
                setattr(user, field, value)
            user.save()
        users.append(user)
    return users
