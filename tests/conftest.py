"""Shared fixtures: the standard people, services the suite needs, and the browser set-up.

Set REQUIRE_SERVICES=1 (CI does) to turn a missing PostgreSQL, Redis, worker or Chromium into a failure
instead of a skip.
"""

import os
import shutil
from pathlib import Path

import pytest
from django.db.models.signals import post_migrate

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


def _seed_after_flush(sender, **kwargs) -> None:
    """A committing test's flush ends in post_migrate: put back what the migrations seeded, so that a test reading
    the seeded regions, units or templates passes whichever test ran before it."""
    if sender.label == "federation":
        wuhai_seed()


post_migrate.connect(_seed_after_flush, dispatch_uid="tests-seed-after-flush")


def pytest_collection_modifyitems(items):
    # The worker shares the test database, which only PostgreSQL lets another process reach.
    for item in items:
        if item.get_closest_marker("worker") and not item.get_closest_marker("postgres"):
            item.add_marker(pytest.mark.postgres)


def pytest_runtest_setup(item):
    if item.get_closest_marker("postgres"):
        from django.conf import settings

        engine = settings.DATABASES["default"]["ENGINE"]
        need(engine.endswith("postgresql"), "PostgreSQL (DATABASE_URL)")


@pytest.fixture
def wuhai(db):
    """Wuhai's regions, federation units and the default categories (seeded by migrations; seeded again
    after a test that flushes the database)."""
    return wuhai_seed()


def wuhai_seed() -> dict:
    """The seeded regions, units, categories and templates, put back if a flush removed them; units by name."""
    from branches.models import Category, StageChecklistItem, TermRule, UnitTypeCategory
    from branches.seed import categories_seed, checklist_seed, term_rules_seed, unit_type_categories_seed
    from federation.models import FederationUnit, Region
    from tests.wuhai import regions_seed

    if not FederationUnit.objects.exists():
        regions_seed(Region, FederationUnit)
    if not Category.objects.exists():
        categories_seed(Category)
        checklist_seed(StageChecklistItem)
        term_rules_seed(TermRule)
        unit_type_categories_seed(UnitTypeCategory, Category)
    _workflow_templates_seed()
    return {unit.name: unit for unit in FederationUnit.objects.all()}


def _workflow_templates_seed() -> None:
    """The default formation templates (templates_seed skips those present)."""
    from workflows.models import DocumentTemplate, FieldSpec, StepTemplate, WorkflowTemplate
    from workflows.seed import templates_seed

    if not WorkflowTemplate.objects.exists():
        templates_seed(WorkflowTemplate, StepTemplate, FieldSpec, DocumentTemplate)


# The standard people: username, then the fields that set them apart (a unit by its name).
STAFF = {
    "city_officer": {"username": "city_officer", "full_name": "市妇联干事", "unit": "乌海市妇联"},
    "city_manager": {"username": "city_manager", "role": "manager", "unit": "乌海市妇联"},
    "city_viewer": {"username": "city_viewer", "role": "viewer", "unit": "乌海市妇联"},
    "district_officer": {"username": "haibowan_officer", "full_name": "海勃湾区干事", "unit": "海勃湾区妇联"},
    "district_manager": {"username": "haibowan_manager", "role": "manager", "unit": "海勃湾区妇联"},
    "other_district_officer": {"username": "wuda_officer", "full_name": "乌达区干事", "unit": "乌达区妇联"},
    "admin": {
        "username": "the_admin",
        "role": "admin",
        "unit": "乌海市妇联",
        "is_staff": True,
        "is_superuser": True,
    },
}
CONTACTS = {
    "liaison": {"username": "liaison_a", "full_name": "联系人甲"},
    "other_liaison": {"username": "liaison_b", "full_name": "联系人乙"},
}


def staff_create(who: str, units: dict):
    fields = STAFF[who]
    return StaffFactory(**{**fields, "unit": units[fields["unit"]]})


def contact_create(who: str):
    return ContactFactory(**CONTACTS[who])


def people_create(units: dict) -> dict:
    """The people of the route × role test by name; None is the anonymous visitor."""
    return {
        "anonymous": None,
        "liaison": contact_create("liaison"),
        "other_liaison": contact_create("other_liaison"),
        "district_officer": staff_create("district_officer", units),
        "other_district_officer": staff_create("other_district_officer", units),
        "city_officer": staff_create("city_officer", units),
        "admin": staff_create("admin", units),
    }


@pytest.fixture
def city_officer(db, wuhai):
    return staff_create("city_officer", wuhai)


@pytest.fixture
def city_manager(db, wuhai):
    return staff_create("city_manager", wuhai)


@pytest.fixture
def city_viewer(db, wuhai):
    return staff_create("city_viewer", wuhai)


@pytest.fixture
def district_officer(db, wuhai):
    return staff_create("district_officer", wuhai)


@pytest.fixture
def district_manager(db, wuhai):
    return staff_create("district_manager", wuhai)


@pytest.fixture
def other_district_officer(db, wuhai):
    return staff_create("other_district_officer", wuhai)


@pytest.fixture
def admin_user(db, wuhai):
    return staff_create("admin", wuhai)


@pytest.fixture
def liaison(db):
    return contact_create("liaison")


@pytest.fixture
def other_liaison(db):
    return contact_create("other_liaison")


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
def _regions_forgotten():
    """Each test seeds its own regions (ids differ from test to test): no area remembered from an earlier one."""
    from federation import access

    access._SUBTREES.clear()


@pytest.fixture(autouse=True)
def _content_types_forgotten():
    """A test that commits flushes the database at its end, and content types come back under new ids (or,
    after a serialized rollback, only when asked for): no test may use an id cached by an earlier one."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Hashing passwords the production way costs ~100 ms each; tests need only that they match."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _sign_in_policies_off(settings):
    """The password expiry and the second factor are tested on their own (tests/federation); elsewhere a test
    signs people in without an authenticator app, and its fixed dates never make a password look old. Jobs run
    at once, inside the test (tests/jobs run them in a thread or a worker)."""
    settings.PASSWORD_EXPIRY_DAYS = 0
    settings.TWO_FACTOR_FOR = "none"
    settings.JOBS_RUNNER = "inline"


@pytest.fixture(autouse=True)
def _celery_in_process():
    """Tasks run in-process in tests, unless a test asks for the real worker."""
    from federation.celery import app

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = eager
    # Eager tasks run by several threads at once (the concurrency tests) race on Celery's process-wide
    # "inside a task" flag and can leave it set, which would refuse every later result.get().
    from celery._state import _set_task_join_will_block

    _set_task_join_will_block(False)


@pytest.fixture
def world(people, wuhai):
    """Objects the route × role test needs to build URLs: each lies in 海勃湾区 (the district officer's area)."""
    return world_build(people, wuhai)


def world_build(people: dict, units: dict) -> dict:
    """The route × role test's objects, made for the given people."""
    from django.core.files.base import ContentFile

    from branches.models import RegisterImport, RegisterSource
    from tests.branches.factories import OrganisationFactory

    organisation = OrganisationFactory(name="乌海市海勃湾区测试商会")
    twin = OrganisationFactory(name="乌海市海勃湾区测试商會")
    csv = "单位名称,统一社会信用代码,所属区\n乌海市海勃湾区测试商会,,海勃湾区\n".encode()
    register_import = RegisterImport.objects.create(
        source=RegisterSource.objects.get_or_create(name="测试名录")[0],
        file=ContentFile(csv, name="register.csv"),
        file_name="register.csv",
        sha256="0" * 64,
        size=len(csv),
        uploaded_by=people["district_officer"],
        unit=people["district_officer"].unit,
    )
    from branches.models import Branch, ContactLog, Liaison

    liaison = Liaison.objects.create(
        organisation=organisation, name="王芳", mobile="13904731234", user=people["liaison"]
    )
    contact = ContactLog.objects.create(
        organisation=organisation,
        staff=people["district_officer"],
        contacted_on="2026-11-02",
        channel="phone",
        summary="约定走访",
        next_follow_up="2026-11-20",
    )
    branch = Branch.objects.create(
        name="测试商会妇联", organisation=organisation, region=organisation.region, form="federation"
    )
    branch.covers.add(organisation)
    formation = _formation_world(organisation, liaison, people["district_officer"])
    from jobs.models import Job

    job = Job.objects.create(
        kind=Job.Kind.LEDGER_EXPORT, label="海勃湾区台账", owner=people["district_officer"],
        unit=people["district_officer"].unit, status=Job.Status.DONE, result_name="ledger.csv", result_size=3,
        result=ContentFile(b"a,b", name="ledger.csv"),
    )  # fmt: skip
    return {
        **formation,
        "job": job,
        "people": people,
        "units": units,
        "organisation": organisation,
        "twin": twin,
        "register_import": register_import,
        "liaison": liaison,
        "contact": contact,
        "branch": branch,
    }


def _formation_world(organisation, liaison, officer) -> dict:
    """A formation run with its request step submitted, an invitation link, a paper and an attachment."""
    from django.core.files.base import ContentFile

    from workflows import services
    from workflows.models import DocumentTemplate, StepAttachment, WorkflowTemplate

    template = WorkflowTemplate.objects.get(key="federation", status="published")
    run = services.run_start(
        by=officer, organisation=organisation, template=template, owner=officer, liaison=liaison
    )
    step = run.entries.get(step__code="request")
    services.draft_save(by=officer, entry=step, raw={"proposed_name": "测试商会妇联"})
    step.refresh_from_db()
    step = services.step_submit(
        by=officer, entry=step, answers={"proposed_name": "测试商会妇联", "seats": 5}, version=step.version
    )
    invitation = services.invitation_create(by=officer, run=run)
    attachment = StepAttachment.objects.create(
        entry=step,
        field="scan",
        file=ContentFile(b"%PDF-1.4 test", name="scan.pdf"),
        original_name="请示扫描件.pdf",
        size=13,
        content_type="application/pdf",
        uploaded_by=officer,
    )
    return {
        "run": run,
        "step": step,
        "invitation": invitation,
        "invitation_token": services.invitation_token(invitation),
        "document": DocumentTemplate.objects.get(step=step.step),
        "attachment": attachment,
        "workflow_template": template,
        "step_template": step.step,
    }


# --- A real Celery worker on Redis, against the test database ---------------------------------------


# One outbox (and log) per test process when the suite runs in several (pytest -n): each starts its own worker.
XDIST = os.environ.get("PYTEST_XDIST_WORKER", "")
WORKER_MAIL_DIR = Path(__file__).resolve().parent.parent / "var" / f"test-worker-mail{XDIST}"


def redis_answers(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


def worker_start(queue: str, *, log_name: str):
    """A `celery worker` subprocess on its own queue, sharing the test database; returned once it answers."""
    import subprocess
    import sys
    import time

    from django.conf import settings
    from django.db import connection

    redis_url = os.environ.get("REDIS_URL", "")
    need(bool(redis_url) and redis_answers(redis_url), "Redis (REDIS_URL)")
    db = connection.settings_dict
    need(
        db["ENGINE"].endswith("postgresql"),
        "PostgreSQL (DATABASE_URL) for the worker to share the test database",
    )
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    database_url = (
        f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "1",
        "EMAIL_URL": f"filemail:///{WORKER_MAIL_DIR}",  # the worker's outbox, read by the tests
        "CELERY_QUEUE": queue,  # tasks the worker itself sends stay on its queue
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),  # the files the test stored
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    log = open(Path(__file__).resolve().parent.parent / "var" / f"{log_name}{XDIST}.log", "w")  # noqa: SIM115 (outlives the block)
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "federation", "worker", "--pool=solo", "-Q", queue,
         "--loglevel=info", "--without-gossip", "--without-mingle", "--without-heartbeat"],
        cwd=Path(__file__).resolve().parent.parent, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    process.log = log  # type: ignore[attr-defined]
    from federation.celery import app
    from federation.tasks import ping

    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, f"the Celery worker exited at start; see var/{log_name}.log"
            try:
                if ping.apply_async(queue=queue).get(timeout=5) == "pong":
                    break
            except Exception:  # not consuming yet
                if time.monotonic() > deadline:
                    raise
    finally:
        app.conf.task_always_eager = eager
    return process


def worker_stop(process) -> None:
    import subprocess

    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
    process.log.close()


@pytest.fixture(scope="session")
def celery_worker_queue(django_db_setup, django_db_blocker):
    """Start `celery worker` as a subprocess on its own queue; yields the queue name."""
    import uuid

    queue = f"test-{uuid.uuid4().hex[:8]}"
    shutil.rmtree(WORKER_MAIL_DIR, ignore_errors=True)
    WORKER_MAIL_DIR.mkdir(parents=True)
    process = worker_start(queue, log_name="test-worker")
    yield queue
    worker_stop(process)


@pytest.fixture
def celery_worker(celery_worker_queue):
    """Tasks sent during the test travel through Redis to the running worker."""
    from federation.celery import app

    app.conf.task_always_eager = False
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = celery_worker_queue
    yield celery_worker_queue
    app.conf.task_default_queue = previous
    app.conf.task_always_eager = True
