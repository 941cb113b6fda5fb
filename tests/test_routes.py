"""Route × role: every URL of the URLconf, opened by every standard person, gives the declared outcome."""

import re

import pytest
from django.apps import apps
from django.contrib import admin
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from tests.conftest import people_create, world_build, wuhai_seed
from tests.routes import (
    ADMIN_LOGIN,
    ADMIN_OK,
    ANY_LOGIN,
    LOGIN,
    PEOPLE,
    REDIRECT,
    ROUTES,
    admin_outcome,
    url_patterns,
)

ALL_PATTERNS = list(url_patterns())
FAST_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"


@pytest.fixture(scope="module")
def module_world(django_db_setup, django_db_blocker):
    """The people and objects, made once for the module in a transaction rolled back at its end; each case runs
    in a savepoint inside it (the `db` fixture), so what one case writes is gone before the next."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
    try:
        with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=[FAST_HASHER]):
            units = wuhai_seed()
            built = world_build(people_create(units), units)
        yield built
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def world(module_world, db):
    """The module's world, for one case: a copy, as route arguments may add objects made in the case's savepoint."""
    return dict(module_world)


@pytest.fixture
def people(world):
    return world["people"]


def test_every_route_has_a_name_and_a_declaration():
    # The admin's own unnamed patterns only redirect to named ones.
    unnamed = [route for name, route in ALL_PATTERNS if name is None and not route.startswith("admin/")]
    undeclared = [
        name for name, _ in ALL_PATTERNS if name and not name.startswith("admin:") and name not in ROUTES
    ]
    stale = [name for name in ROUTES if name not in {n for n, _ in ALL_PATTERNS}]
    assert not unnamed, f"unnamed URL patterns: {unnamed}"
    assert not undeclared, f"routes without a declared outcome in tests/routes.py: {undeclared}"
    assert not stale, f"declared routes that no longer exist: {stale}"


def admin_kwargs(name: str, route: str, world: dict) -> dict:
    """Arguments for an admin URL: a real object's id where one exists, the app label from the name."""
    params = {a or b for a, b in re.findall(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>", route)}
    user = world["people"]["city_officer"]
    kwargs = {}
    if "object_id" in params:
        kwargs["object_id"] = 0
        for model in admin.site._registry:
            if name.startswith(f"admin:{model._meta.app_label}_{model._meta.model_name}_"):
                obj = model._default_manager.order_by("pk").first()
                kwargs["object_id"] = obj.pk if obj else 0
    if "id" in params:
        kwargs["id"] = user.pk
    if "app_label" in params:
        kwargs["app_label"] = "federation"
    if "content_type_id" in params:
        from django.contrib.contenttypes.models import ContentType

        kwargs["content_type_id"] = ContentType.objects.get_for_model(apps.get_model("federation", "User")).pk
        kwargs["object_id"] = user.pk
    return kwargs


def check(response, expected, person, name):
    where = f"{name} as {person}: got {response.status_code} {response.get('Location', '')}"
    assert response.status_code < 500, where
    location = response.get("Location", "")
    if expected == LOGIN:
        assert response.status_code == 302 and location.startswith(reverse("login")), where
    elif expected == ANY_LOGIN:
        assert response.status_code == 302 and location.startswith(
            (reverse("login"), reverse("admin:login"))
        ), where
    elif expected == ADMIN_LOGIN:
        assert response.status_code == 302 and location.startswith(reverse("admin:login")), where
    elif expected == REDIRECT:
        assert response.status_code == 302, where
        assert not location.startswith((reverse("login"), reverse("admin:login"))), where
    elif expected == ADMIN_OK:
        assert not (response.status_code == 302 and "login" in location), where
    else:
        assert response.status_code == expected, where


@pytest.mark.parametrize(("name", "route"), [(n, r) for n, r in ALL_PATTERNS if n], ids=lambda v: str(v))
def test_route_gives_declared_outcome_to_every_person(name, route, people, client, world):
    args = None
    if name.startswith("admin:"):
        expect, kwargs, method = admin_outcome(name), admin_kwargs(name, route, world), "get"
        if name.endswith("_simple_history"):  # django-simple-history's view of one past version
            model = next(
                m
                for m in admin.site._registry
                if name == f"admin:{m._meta.app_label}_{m._meta.model_name}_simple_history"
            )
            obj = model._default_manager.order_by("pk").first()
            args, kwargs = [obj.pk, obj.history.order_by("history_id").first().history_id], None
    else:
        declared = ROUTES[name]
        expect, kwargs, method = declared.expect, declared.kwargs(world), declared.method
    url = reverse(name, args=args, kwargs=kwargs)
    for person in PEOPLE:
        client.logout()
        if people[person] is not None:
            client.force_login(people[person])
        response = getattr(client, method)(url)
        check(response, expect[person], person, name)


def test_route_declarations_use_known_outcomes():
    known = {LOGIN, ADMIN_LOGIN, ANY_LOGIN, REDIRECT, ADMIN_OK}
    for name, declared in ROUTES.items():
        for person, expected in declared.expect.items():
            assert expected in known or (
                isinstance(expected, int) and re.match(r"^[2-5]\d\d$", str(expected))
            ), (
                name,
                person,
            )
