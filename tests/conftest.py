"""Shared fixtures: the standard people, services the suite needs, and the browser set-up.

Set REQUIRE_SERVICES=1 (CI does) to turn a missing PostgreSQL, Redis, worker or Chromium into a failure
instead of a skip.
"""

import os
import shutil

import pytest

from tests.factories import ContactFactory, StaffFactory

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # live_server + sync Playwright
REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES", "") in {"1", "true", "yes"}
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def need(available: bool, what: str) -> None:
    """Skip (on a laptop) or fail (in CI) when a service the test needs is missing."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required (REQUIRE_SERVICES is set) but not available")
    pytest.skip(f"{what} is not available on this machine; CI runs this test with it")


@pytest.fixture
def wuhai(db):
    """Wuhai's regions and federation units (seeded by a migration; re-seeded after a flushing test)."""
    from federation.models import FederationUnit, Region
    from federation.seed import regions_seed

    if not FederationUnit.objects.exists():
        regions_seed(Region, FederationUnit)
    return {unit.name: unit for unit in FederationUnit.objects.all()}


@pytest.fixture
def city_officer(db, wuhai):
    return StaffFactory(username="city_officer", full_name="市妇联干事", unit=wuhai["乌海市妇联"])


@pytest.fixture
def city_manager(db, wuhai):
    return StaffFactory(username="city_manager", role="manager", unit=wuhai["乌海市妇联"])


@pytest.fixture
def city_viewer(db, wuhai):
    return StaffFactory(username="city_viewer", role="viewer", unit=wuhai["乌海市妇联"])


@pytest.fixture
def district_officer(db, wuhai):
    return StaffFactory(username="haibowan_officer", full_name="海勃湾区干事", unit=wuhai["海勃湾区妇联"])


@pytest.fixture
def district_manager(db, wuhai):
    return StaffFactory(username="haibowan_manager", role="manager", unit=wuhai["海勃湾区妇联"])


@pytest.fixture
def other_district_officer(db, wuhai):
    return StaffFactory(username="wuda_officer", full_name="乌达区干事", unit=wuhai["乌达区妇联"])


@pytest.fixture
def admin_user(db, wuhai):
    return StaffFactory(
        username="the_admin", role="admin", unit=wuhai["乌海市妇联"], is_staff=True, is_superuser=True
    )


@pytest.fixture
def liaison(db):
    return ContactFactory(username="liaison_a", full_name="联系人甲")


@pytest.fixture
def other_liaison(db):
    return ContactFactory(username="liaison_b", full_name="联系人乙")


@pytest.fixture
def people(city_officer, district_officer, other_district_officer, admin_user, liaison, other_liaison):
    """The standard people by name; None is the anonymous visitor."""
    return {
        "anonymous": None,
        "liaison": liaison,
        "other_liaison": other_liaison,
        "district_officer": district_officer,
        "other_district_officer": other_district_officer,
        "city_officer": city_officer,
        "admin": admin_user,
    }


@pytest.fixture
def client_as(client):
    """A test client signed in as the given user (or anonymous for None)."""

    def sign_in(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return sign_in


# --- Browser tests: Playwright drives Debian's Chromium --------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    need(os.path.exists(CHROMIUM) or bool(shutil.which("chromium")), "Chromium (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
            "--disable-dev-shm-usage",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "timezone_id": "Asia/Shanghai"}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hashing passwords the production way costs ~100 ms each; tests need only that they match."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _celery_in_process():
    """Tasks run in-process in tests, unless a test asks for the real worker."""
    from federation.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager


@pytest.fixture
def world(people, wuhai):
    """Objects the route × role test needs to build URLs; later apps add theirs."""
    return {"people": people, "units": wuhai}
