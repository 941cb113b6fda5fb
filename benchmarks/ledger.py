"""Figures for the ledger at scale: pages and the register import on a generated ledger (PostgreSQL only).

Run through `manage.py benchmark_ledger`. What it does, in order:

1. creates two users marked by their user name (`benchmark-city`, `benchmark-admin`);
2. generates N organisations through PostgreSQL COPY into the configured database, derived columns computed by
   organisation_derive (timed); every generated row carries the marker: a name starting with 基准 and
   `notes = "benchmark_ledger"`; categories linked through COPY too; then VACUUM ANALYZE (what autovacuum,
   off on some development servers, would do);
3. measures pages in-process with django.test.Client and DEBUG off: median and p95 over `repeat` requests after
   one warm-up request, whose queries are counted;
4. measures the register import end to end on a generated XLSX (rows per second, peak memory) against
   reading the same file and COPYing its parsed rows into a temporary table;
5. removes everything it generated (organisations, their links and history, the 基准测试名录 register, its
   imports and files, the users and their logs) unless `keep`.
"""

from __future__ import annotations

import datetime as dt
import gc
import io
import json
import math
import random
import resource
import statistics
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from branches.demo_data import (
    BRAND_AVOID,
    BRAND_FIRST,
    BRAND_SECOND,
    DISTRICTS,
    EXPRESS_BRANDS,
    KINDS,
    ROADS,
    SURNAMES,
    TRADES,
    Kind,
)
from branches.models import Category, Organisation, RegisterImport, RegisterPresence, RegisterSource
from branches.services.organisations import organisation_derive
from federation.identifiers import USCC_ALPHABET, uscc_check_char
from federation.models import DisclosureLog, FederationUnit, LoginEvent, OperationLog, Region, User

NAME_PREFIX = "基准"
MARKER = "benchmark_ledger"
SOURCE_NAME = "基准测试名录"
USER_PREFIX = "benchmark-"
IMPORT_FILE_NAME = "基准测试名录.xlsx"
SEED = 20261128

FIELD_LABELS = {"economic": "新经济组织", "social": "新社会组织", "employment": "新就业群体"}
UNIT_TYPE_LABELS = {
    "private_enterprise": "民营企业",
    "association": "社会团体",
    "social_service": "社会服务机构",
    "foundation": "基金会",
    "women_social": "女性社会组织",
    "express": "快递物流",
    "food_delivery": "外卖配送",
    "ride_hailing": "网约车",
    "business_district": "商圈/楼宇/园区",
}
IMPORT_HEADERS = [
    "单位名称", "统一社会信用代码", "所属区", "街道", "类别", "单位类型", "行业", "地址", "职工总数", "女职工数",
    "联系人", "联系电话", "是否建立党组织", "是否建立工会", "分类",
]  # fmt: skip


@dataclass
class Figure:
    """One measured page."""

    key: str
    label: str
    median_ms: float | None = None
    p95_ms: float | None = None
    queries: int | None = None
    ratio: float | None = None
    requests: int = 0
    status: int | None = None
    rows: int | None = None
    error: str = ""


@dataclass
class Page:
    """How to request a page: as whom, where, how often."""

    key: str
    label: str
    as_admin: bool
    url: Callable[[dict], str]
    repeat: int | None = None  # None: the run's repeat
    user: str = ""  # a key of benchmark_pages' `users` (another signed-in user), instead of as_admin


PAGES = [
    Page("floor", "floor: staff home (trivial page)", False, lambda ctx: reverse("federation:staff_home")),
    Page("list_first", "ledger list, first page", False, lambda ctx: reverse("branches:organisation_list")),
    Page("list_last", "ledger list, last page (?last=1)", False,
         lambda ctx: reverse("branches:organisation_list") + "?last=1"),
    Page("list_filtered", "ledger list, district + field", False,
         lambda ctx: reverse("branches:organisation_list") + f"?district={ctx['district']}&field=economic"),
    Page("list_search", "ledger list, search ?q=商会", False,
         lambda ctx: reverse("branches:organisation_list") + "?q=商会"),
    Page("detail", "organisation detail", False,
         lambda ctx: reverse("branches:organisation_detail", kwargs={"pk": ctx["organisation"]})),
    Page("admin_list", "admin changelist, page 1 (baseline)", True,
         lambda ctx: reverse("admin:branches_organisation_changelist")),
    Page("admin_search", "admin changelist, ?q=商会 (baseline)", True,
         lambda ctx: reverse("admin:branches_organisation_changelist") + "?q=商会"),
    Page("export_csv", "export CSV, one district (streamed)", False,
         lambda ctx: reverse("branches:organisation_export") + f"?format=csv&district={ctx['district']}", 3),
    Page("export_xlsx", "export XLSX, one district", False,
         lambda ctx: reverse("branches:organisation_export") + f"?format=xlsx&district={ctx['district']}", 2),
]  # fmt: skip
FIGURE_KEYS = [page.key for page in PAGES]
IMPORT_KEYS = ["import_run", "import_read", "import_copy"]


@dataclass
class Report:
    meta: dict[str, Any] = field(default_factory=dict)
    generation: dict[str, Any] = field(default_factory=dict)
    figures: dict[str, Figure] = field(default_factory=dict)
    imports: dict[str, dict[str, Any]] = field(default_factory=dict)
    cleanup: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "meta": self.meta,
            "generation": self.generation,
            "figures": {key: asdict(figure) for key, figure in self.figures.items()},
            "import": self.imports,
            "cleanup": self.cleanup,
        }


# ------------------------------------------------------------------------------------------------------------
# Markers and clean-up
# ------------------------------------------------------------------------------------------------------------


def benchmark_organisations():
    """Every organisation this benchmark made: generated rows, and rows its import created."""
    return Organisation.objects.filter(name__startswith=NAME_PREFIX).filter(
        Q(notes=MARKER) | Q(presences__source__name=SOURCE_NAME)
    )


def leftovers() -> dict[str, int]:
    """What a previous run kept (--keep) or left behind."""
    return {
        "organisations": benchmark_organisations().values("id").distinct().count(),
        "users": User.objects.filter(username__startswith=USER_PREFIX).count(),
        "registers": RegisterSource.objects.filter(name=SOURCE_NAME).count(),
    }


def _is_history(model) -> bool:
    return hasattr(model, "instance_type") or model.__name__.startswith("Historical")


@transaction.atomic
def benchmark_cleanup() -> dict[str, int]:
    """Remove what the benchmark generated, with raw deletes (100k ORM deletes would write 100k history rows)."""
    removed = organisations_delete(benchmark_organisations())
    removed["imports"] = register_delete()
    users = User.objects.filter(username__startswith=USER_PREFIX)
    OperationLog.objects.filter(actor__in=users).delete()
    DisclosureLog.objects.filter(user__in=users).delete()
    LoginEvent.objects.filter(user__in=users).delete()
    _axes_logs_delete()
    removed["users"] = users.delete()[0]
    return removed


def organisations_delete(organisations) -> dict[str, int]:
    """Delete these organisations, their history and the rows that cascade from them, with raw deletes."""
    removed: dict[str, int] = {}
    ids_table = "benchmark_ledger_ids"
    org_table = Organisation._meta.db_table
    ids_sql, ids_params = organisations.values("id").distinct().query.sql_with_params()
    with connection.cursor() as cursor:
        # The id list is materialised once: the marker query joins presences, which are deleted below.
        cursor.execute(f"CREATE TEMPORARY TABLE {ids_table} AS {ids_sql}", ids_params)
        cursor.execute(f"SELECT count(*) FROM {ids_table}")
        removed["organisations"] = cursor.fetchone()[0]
        for relation in Organisation._meta.get_fields(include_hidden=True):
            if not (relation.auto_created and not relation.concrete and relation.one_to_many):
                continue
            model, column = relation.related_model, relation.field.column
            if model is Organisation:
                continue  # merged_into between generated rows goes with them
            table = model._meta.db_table
            where = f"{column} IN (SELECT id FROM {ids_table})"
            if relation.on_delete.__name__ == "CASCADE" or _is_history(model):
                cursor.execute(f"DELETE FROM {table} WHERE {where}")
            elif relation.field.null:
                cursor.execute(f"UPDATE {table} SET {column} = NULL WHERE {where}")
            else:
                cursor.execute(f"SELECT count(*) FROM {table} WHERE {where}")
                if cursor.fetchone()[0]:  # the benchmark never makes such rows: someone worked on its data
                    raise RuntimeError(
                        f"{table}.{column} protects generated organisations; remove them by hand"
                    )
                continue
            removed[table] = removed.get(table, 0) + cursor.rowcount
        history = Organisation.history.model._meta.db_table
        cursor.execute(f"DELETE FROM {history} WHERE id IN (SELECT id FROM {ids_table})")
        removed[history] = cursor.rowcount
        cursor.execute(f"DELETE FROM {org_table} WHERE id IN (SELECT id FROM {ids_table})")
        cursor.execute(f"DROP TABLE {ids_table}")
    return removed


def register_delete() -> int:
    """Delete the benchmark's register (基准测试名录): its imports, their files, its presences; the imports' count."""
    sources = RegisterSource.objects.filter(name=SOURCE_NAME)
    imports = RegisterImport.objects.filter(source__in=sources)
    for register_import in imports:
        if register_import.file:
            register_import.file.delete(save=False)
    RegisterPresence.objects.filter(source__in=sources).delete()
    count = imports.delete()[0]
    sources.delete()
    return count


def _axes_logs_delete() -> None:
    """django-axes logs every sign-in, force_login included."""
    try:
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog
    except ImportError:  # pragma: no cover - axes is installed with the project
        return
    for model in (AccessLog, AccessAttempt, AccessFailureLog):
        model.objects.filter(username__startswith=USER_PREFIX).delete()


# ------------------------------------------------------------------------------------------------------------
# Generation
# ------------------------------------------------------------------------------------------------------------


def _base31(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, remainder = divmod(number, 31)
        digits.append(USCC_ALPHABET[remainder])
    return "".join(reversed(digits))


def benchmark_uscc(prefix: str, district: str, series: str, number: int) -> str:
    """A valid code no real organisation has: organisation code BJ… (generated) or BK… (imported)."""
    body = f"{prefix}{district}{series}{_base31(number, 7)}"
    return body + uscc_check_char(body)


class _Names:
    """Plausible names with the marker prefix; the mix of words keeps searches like 商会 realistic."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.brands = [
            a + b for a in BRAND_FIRST for b in BRAND_SECOND if a != b and a + b not in BRAND_AVOID
        ]
        self.seen: set[str] = set()

    def name(self, kind: Kind, district: str, tag: str = "") -> tuple[str, str]:
        """(name, industry)."""
        rng, brand = self.rng, self.rng.choice(self.brands)
        full, short = DISTRICTS[district][0], DISTRICTS[district][1]
        industry = kind.industry
        if kind.field == "economic" and kind.unit_type == "private_enterprise":
            trade, industry = rng.choice(TRADES)
            name = f"乌海市{brand}{trade}{rng.choice(['有限公司', '有限责任公司', '股份有限公司'])}"
        elif kind.unit_type == "business_district":
            name = f"{full}{brand}{rng.choice(['商圈', '商业街', '产业园', '大厦', '商城'])}"
        elif kind.unit_type == "association":
            name = f"乌海市{brand}{rng.choice(TRADES)[0]}{rng.choice(['协会', '商会', '行业协会'])}"
        elif kind.unit_type == "women_social":
            name = f"{full}{brand}巾帼{rng.choice(['服务中心', '志愿者协会', '创业协会'])}"
        elif kind.unit_type == "social_service":
            name = f"乌海市{brand}社会工作服务中心"
        elif kind.unit_type == "foundation":
            name = f"乌海市{brand}公益基金会"
        elif kind.unit_type == "express":
            express, outlet = rng.choice(EXPRESS_BRANDS)
            name = f"{express}乌海{short}{brand}{outlet}"
        elif kind.unit_type == "food_delivery":
            name = f"{rng.choice(['美团外卖', '饿了么'])}乌海{short}{brand}站"
        else:
            name = f"乌海市{brand}网约车服务有限公司"
        name = f"{NAME_PREFIX}{tag}{name}"
        unique, number = name, 1
        while unique in self.seen:
            number += 1
            unique = f"{name}（{number}）"
        self.seen.add(unique)
        return unique, industry


@dataclass
class _Context:
    kinds: list[Kind]
    weights: list[int]
    streets: dict[str, list[Region]]
    districts: dict[str, Region]
    categories: dict[str, int]


def _context() -> _Context:
    districts = {region.code: region for region in Region.objects.filter(code__in=DISTRICTS)}
    streets: dict[str, list[Region]] = {code: [] for code in DISTRICTS}
    for region in Region.objects.select_related("parent").filter(parent__code__in=DISTRICTS):
        streets[region.parent.code].append(region)
    categories = dict(Category.objects.values_list("code", "id"))
    return _Context(list(KINDS), [kind.count for kind in KINDS], streets, districts, categories)


def _organisation(ctx: _Context, names: _Names, rng: random.Random, number: int, now: dt.datetime):
    """An unsaved organisation with its category codes (derived columns not computed yet)."""
    kind = rng.choices(ctx.kinds, weights=ctx.weights)[0]
    district = rng.choices(list(DISTRICTS), weights=[value[2] for value in DISTRICTS.values()])[0]
    region = ctx.districts[district] if rng.random() < 0.12 else rng.choice(ctx.streets[district])
    name, industry = names.name(kind, district)
    employees = rng.randint(*kind.employees)
    women = min(employees, round(employees * rng.uniform(*kind.women_share)))
    uscc = ""
    if kind.uscc_prefix and rng.random() < 0.9:
        uscc = benchmark_uscc(kind.uscc_prefix, district, "BJ", number)
    updated = now - dt.timedelta(minutes=rng.randint(0, 2 * 365 * 24 * 60))
    organisation = Organisation(
        name=name,
        uscc=uscc,
        field=kind.field,
        unit_type=kind.unit_type,
        industry=industry,
        region=region,
        address=f"乌海市{DISTRICTS[district][0]}{rng.choice(ROADS)}{rng.randint(1, 399)}号",
        employees=employees,
        women=women,
        party_org=rng.random() < kind.party,
        trade_union=rng.random() < kind.union,
        contact_name=rng.choice(SURNAMES) + "女士" if rng.random() < 0.2 else "",
        notes=MARKER,
        archived_at=updated if rng.random() < 0.03 else None,
        created_at=updated - dt.timedelta(days=rng.randint(0, 365)),
        updated_at=updated,
    )
    if organisation.contact_name:
        organisation.contact_mobile = f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}"
    codes = list(kind.categories) + [
        c for c, chance in kind.extra_categories.items() if rng.random() < chance
    ]
    return organisation, codes


def copy_rows(cursor, table: str, columns: list[str], rows: Iterator[tuple]) -> int:
    """COPY rows into a table through psycopg 3 (Django's cursor wraps the psycopg cursor)."""
    count = 0
    with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def _column_value(organisation: Organisation, model_field) -> Any:
    value = getattr(organisation, model_field.attname)
    if model_field.get_internal_type() == "JSONField":
        return json.dumps(value if value is not None else model_field.get_default(), ensure_ascii=False)
    return value


def benchmark_generate(count: int, *, seed: int = SEED) -> dict[str, Any]:
    """COPY `count` marked organisations (and their categories) into the ledger; return timings."""
    rng, ctx = random.Random(seed), _context()
    names, now = _Names(rng), timezone.now()
    concrete = [f for f in Organisation._meta.concrete_fields]
    columns = [f.column for f in concrete]
    links: list[tuple[int, int]] = []
    derive_seconds = 0.0
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [Organisation._meta.db_table, count],
        )
        ids = [row[0] for row in cursor.fetchall()]

        def rows() -> Iterator[tuple]:
            nonlocal derive_seconds
            for number, pk in enumerate(ids):
                organisation, codes = _organisation(ctx, names, rng, number, now)
                organisation.id = pk
                tick = time.perf_counter()
                organisation_derive(organisation)
                derive_seconds += time.perf_counter() - tick
                links.extend((pk, ctx.categories[code]) for code in codes if code in ctx.categories)
                yield tuple(_column_value(organisation, f) for f in concrete)

        copied = copy_rows(cursor, Organisation._meta.db_table, columns, rows())
        through = Organisation.categories.through._meta.db_table
        copy_rows(cursor, through, ["organisation_id", "category_id"], iter(links))
        cursor.execute("SHOW autovacuum")
        autovacuum = cursor.fetchone()[0]
        # VACUUM as well as ANALYZE where it can run (not inside a transaction, as in the tests): a server with
        # autovacuum on would have done it; without it earlier runs' deleted rows and the new rows' visibility
        # stay unrecorded, and the import and the pages would be measured on a table no production keeps.
        vacuum = "VACUUM (ANALYZE)" if not connection.in_atomic_block else "ANALYZE"
        analyse = time.perf_counter()
        cursor.execute(f"{vacuum} {Organisation._meta.db_table}")
        cursor.execute(f"{vacuum} {through}")
        analyse_seconds = time.perf_counter() - analyse
    total = time.perf_counter() - started
    return {
        "organisations": copied,
        "category_links": len(links),
        "seconds": round(total, 2),
        "derive_us_per_organisation": round(derive_seconds / max(copied, 1) * 1e6, 1),
        "derive_seconds": round(derive_seconds, 2),
        "rows_per_second": round(copied / total) if total else None,
        "analyse_seconds": round(analyse_seconds, 2),
        "after_generation": vacuum,
        "autovacuum": autovacuum,
        "first_id": ids[0] if ids else None,
        "middle_id": ids[len(ids) // 2] if ids else None,
    }


# ------------------------------------------------------------------------------------------------------------
# Pages
# ------------------------------------------------------------------------------------------------------------


def benchmark_users() -> tuple[User, User]:
    """A city officer and a superuser, both marked by their user name."""
    city = FederationUnit.objects.filter(level=FederationUnit.Level.CITY).order_by("id").first()
    officer, _ = User.objects.update_or_create(
        username=f"{USER_PREFIX}city",
        defaults={
            "full_name": "基准测试干事",
            "kind": User.Kind.STAFF,
            "role": User.Role.OFFICER,
            "unit": city,
        },
    )
    admin, _ = User.objects.update_or_create(
        username=f"{USER_PREFIX}admin",
        defaults={
            "full_name": "基准测试管理员",
            "kind": User.Kind.STAFF,
            "role": User.Role.ADMIN,
            "unit": city,
            "is_staff": True,
            "is_superuser": True,
        },
    )
    return officer, admin


def _percentile(samples: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _fetch(client: Client, url: str):
    """GET a page and read all of it (a streamed export is only done when its last byte is out)."""
    response = client.get(url)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return response, body


def measure_page(client: Client, page: Page, url: str, repeat: int) -> Figure:
    """Warm up once counting queries, then time `repeat` requests."""
    figure = Figure(key=page.key, label=page.label)
    try:
        with CaptureQueriesContext(connection) as queries:
            response, body = _fetch(client, url)
    except Exception as error:  # the page is not written yet, or fails: report it, measure the rest
        figure.status, figure.error = 500, f"{type(error).__name__}: {error}"[:300]
        return figure
    figure.status, figure.queries = response.status_code, len(queries)
    if response.status_code != 200:
        figure.error = f"HTTP {response.status_code}"
        return figure
    if page.key.startswith("export_csv"):
        figure.rows = body.count(b"\n") - 1
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        _fetch(client, url)
        samples.append((time.perf_counter() - started) * 1000)
    figure.requests = len(samples)
    figure.median_ms = round(statistics.median(samples), 2)
    figure.p95_ms = round(_percentile(samples, 0.95), 2)
    return figure


def benchmark_pages(
    *,
    officer: User,
    admin: User,
    repeat: int,
    context: dict[str, Any],
    pages: list[Page] | None = None,
    users: dict[str, User] | None = None,
) -> dict[str, Figure]:
    """Every page figure (PAGES unless `pages`), with DEBUG off, as the city officer (the admin for the admin's
    changelist, one of `users` for a page naming it)."""
    import logging

    from django.conf import settings

    figures: dict[str, Figure] = {}
    clients: dict[Any, Client] = {False: Client(), True: Client()}
    clients[False].force_login(officer)
    clients[True].force_login(admin)
    for name, user in (users or {}).items():
        clients[name] = Client()
        clients[name].force_login(user)
    request_logger = logging.getLogger("django.request")
    level = request_logger.level
    request_logger.setLevel(logging.CRITICAL)  # a page that is not written yet answers 500: reported below
    try:
        with override_settings(
            DEBUG=False, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"], SECURE_SSL_REDIRECT=False
        ):
            for page in PAGES if pages is None else pages:
                figures[page.key] = measure_page(
                    clients[page.user or page.as_admin], page, page.url(context), page.repeat or repeat
                )
    finally:
        request_logger.setLevel(level)
        for client in clients.values():
            client.logout()
    floor = figures["floor"].median_ms
    for figure in figures.values():
        if floor and figure.median_ms is not None:
            figure.ratio = round(figure.median_ms / floor, 1)
    return figures


# ------------------------------------------------------------------------------------------------------------
# Import
# ------------------------------------------------------------------------------------------------------------


def import_workbook(rows: int, *, generated: int, seed: int = SEED) -> bytes:
    """An XLSX register: half the rows are generated organisations, half are new.

    Written as Excel and WPS save a workbook, the texts in a shared-strings table (XlsxWriter). openpyxl's
    write-only mode writes every text inline, each Chinese character as a numeric reference (&#20044;): the same
    50,000 rows make a 53 MB sheet instead of 21 MB, and reading it takes twice as long.
    """
    import xlsxwriter

    rng, ctx = random.Random(seed + 1), _context()
    names = _Names(rng)
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    worksheet = workbook.add_worksheet("两新组织台账")
    worksheet.write_row(0, 0, IMPORT_HEADERS)
    generated_ids = list(
        Organisation.objects.filter(notes=MARKER, name__startswith=NAME_PREFIX)
        .exclude(uscc="")
        .order_by("id")
        .values_list("id", flat=True)[: min(rows // 2, generated)]
    )
    known = {
        o.pk: o
        for o in Organisation.objects.filter(pk__in=generated_ids).select_related("district", "region")
    }
    category_names = dict(Category.objects.values_list("code", "name"))
    for number in range(rows):
        if number < len(generated_ids):
            o = known[generated_ids[number]]
            street = o.region.name if o.region_id != o.district_id else ""
            values = [o.name, o.uscc, o.district.name, street, FIELD_LABELS[o.field],
                      UNIT_TYPE_LABELS.get(o.unit_type, ""), o.industry, o.address,
                      (o.employees or 0) + 1, o.women, o.contact_name, o.contact_mobile,
                      "是" if o.party_org else "否", "是" if o.trade_union else "否", ""]  # fmt: skip
        else:
            kind = rng.choices(ctx.kinds, weights=ctx.weights)[0]
            district = rng.choice(list(DISTRICTS))
            street = rng.choice(ctx.streets[district]).name
            name, industry = names.name(kind, district, tag="导入")
            employees = rng.randint(*kind.employees)
            uscc = benchmark_uscc(kind.uscc_prefix or "91", district, "BK", number)
            values = [name, uscc, DISTRICTS[district][0], street, FIELD_LABELS[kind.field],
                      UNIT_TYPE_LABELS[kind.unit_type], industry, "", employees,
                      round(employees * rng.uniform(*kind.women_share)), "", "",
                      rng.choice(["是", "否", "已建", "未建"]), rng.choice(["是", "否", ""]),
                      "、".join(category_names.get(code, code) for code in kind.categories)]  # fmt: skip
        for column, value in enumerate(values):  # empty texts stay empty cells
            if isinstance(value, str) and value:
                worksheet.write_string(number + 1, column, value)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                worksheet.write_number(number + 1, column, value)
    workbook.close()
    return buffer.getvalue()


class PeakMemory:
    """Peak resident memory above the starting level, sampled every few milliseconds (Linux /proc)."""

    def __init__(self) -> None:
        self.page = resource.getpagesize()
        self.peak = self.start = self._rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _rss(self) -> int:
        try:
            with open("/proc/self/statm") as statm:
                return int(statm.read().split()[1]) * self.page
        except OSError:
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

    def _sample(self) -> None:
        while not self._stop.wait(0.005):
            self.peak = max(self.peak, self._rss())

    def __enter__(self):
        self.maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._rss())
        self.maxrss_delta_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - self.maxrss) / 1024

    @property
    def delta_mb(self) -> float:
        return (self.peak - self.start) / 1024 / 1024


def benchmark_import(*, officer: User, rows: int, generated: int) -> dict[str, dict[str, Any]]:
    """The register import end to end, against reading the file and a raw COPY of its rows."""
    from branches.registers import read_register

    results: dict[str, dict[str, Any]] = {}
    started = time.perf_counter()
    data = import_workbook(rows, generated=generated)
    build_seconds = time.perf_counter() - started

    gc.collect()
    started = time.perf_counter()
    table = read_register(data, IMPORT_FILE_NAME)
    read_seconds = time.perf_counter() - started
    parsed = [row.values for row in table.rows]
    results["import_read"] = {
        "label": "read the XLSX (python-calamine, registers.read_register)",
        "rows": len(parsed),
        "seconds": round(read_seconds, 3),
        "rows_per_second": round(len(parsed) / read_seconds) if read_seconds else None,
        "file_bytes": len(data),
        "build_seconds": round(build_seconds, 2),
    }

    keys = list(parsed[0]) if parsed else []
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE benchmark_scratch ("
            + ", ".join(f'"{key}" text' for key in keys)
            + ") ON COMMIT DROP"
        )
        started = time.perf_counter()
        copied = copy_rows(
            cursor,
            "benchmark_scratch",
            [f'"{key}"' for key in keys],
            (tuple(_scratch_text(row.get(key)) for key in keys) for row in parsed),
        )
        copy_seconds = time.perf_counter() - started
    results["import_copy"] = {
        "label": "raw PostgreSQL COPY of the parsed rows into a scratch table",
        "rows": copied,
        "seconds": round(copy_seconds, 3),
        "rows_per_second": round(copied / copy_seconds) if copy_seconds else None,
        "read_and_copy_rows_per_second": round(copied / (copy_seconds + read_seconds)) if copied else None,
    }

    run = _import_service()
    entry: dict[str, Any] = {"label": "register import end to end (register_import_run)", "rows": rows}
    if run is None:
        entry["error"] = "branches.services.imports.register_import_run does not exist yet"
    else:
        gc.collect()
        size_before = _table_mb(Organisation._meta.db_table)
        updates_before = _update_counts(Organisation._meta.db_table)
        try:
            # Queries are counted, not recorded: recording 100k statements would distort time and memory.
            queries = QueryCounter()
            with PeakMemory() as memory, connection.execute_wrapper(queries):
                started = time.perf_counter()
                result = run(by=officer, data=data, file_name=IMPORT_FILE_NAME, source_name=SOURCE_NAME,
                             dry_run=False)  # fmt: skip
                seconds = time.perf_counter() - started
        except Exception as error:
            entry["error"] = f"{type(error).__name__}: {error}"[:300]
        else:
            entry.update(
                {
                    "seconds": round(seconds, 2),
                    "rows_per_second": round(rows / seconds) if seconds else None,
                    "peak_memory_mb": round(memory.delta_mb, 1),
                    "maxrss_delta_mb": round(memory.maxrss_delta_mb, 1),
                    "queries": queries.count,
                    "result": _summary(result),
                    # Rows written more than once leave dead versions behind: the table grows until VACUUM.
                    "organisation_table_mb_before": size_before,
                    "organisation_table_mb_after": _table_mb(Organisation._meta.db_table),
                }
            )
            updates_after = _update_counts(Organisation._meta.db_table)
            if updates_before and updates_after:
                updated, hot = updates_after[0] - updates_before[0], updates_after[1] - updates_before[1]
                # A HOT update stays on its page and adds no index entry (see branches migration 0006).
                entry["hot_update_percent"] = round(100 * hot / updated) if updated else None
            copy_rate = results["import_copy"]["read_and_copy_rows_per_second"]
            if copy_rate and entry["rows_per_second"]:
                entry["times_slower_than_read_and_copy"] = round(copy_rate / entry["rows_per_second"], 1)
    results["import_run"] = entry
    return results


def _table_mb(table: str) -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_relation_size(%s)", [table])
        return round(cursor.fetchone()[0] / 1024 / 1024, 1)


def _update_counts(table: str) -> tuple[int, int] | None:
    """(rows updated, of which HOT) in the table so far; None where the server cannot say at once (< 15)."""
    if connection.in_atomic_block or connection.pg_version < 150000:
        return None  # statistics reach the shared counters when a transaction ends
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_force_next_flush()")
        cursor.execute("SELECT 1")  # its end flushes this session's pending counts
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relid = %s::regclass", [table]
        )
        row = cursor.fetchone()
    return (row[0], row[1]) if row else None


class QueryCounter:
    """A database execute wrapper that only counts."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _scratch_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, list):
        return "、".join(map(str, value))
    return str(value)


def _import_service():
    try:
        from branches.services import imports
    except ImportError:
        return None
    return getattr(imports, "register_import_run", None)


def _summary(result: Any) -> Any:
    """What the import returned (its counts), in a form JSON can hold."""
    if isinstance(result, dict):
        return {
            str(key): value if isinstance(value, int | float | str) else str(value)
            for key, value in result.items()
        }
    return str(result)[:300]


# ------------------------------------------------------------------------------------------------------------
# The run
# ------------------------------------------------------------------------------------------------------------


def benchmark_run(*, organisations: int, rows: int, repeat: int, keep: bool, log=print) -> Report:
    """Generate, measure, clean up (unless keep); return the report."""
    report = Report()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    report.meta = {
        "organisations": organisations,
        "rows": rows,
        "repeat": repeat,
        "database": connection.settings_dict["NAME"],
        "postgresql": version,
        "started": timezone.now().isoformat(timespec="seconds"),
        "marker": f"names start with {NAME_PREFIX}, notes = {MARKER!r}; register {SOURCE_NAME}; "
        f"users {USER_PREFIX}*",
        "kept": keep,
    }
    try:
        officer, admin = benchmark_users()
        log(f"Generating {organisations} organisations …")
        report.generation = benchmark_generate(organisations)
        log(
            f"  {report.generation['organisations']} in {report.generation['seconds']} s "
            f"(organisation_derive {report.generation['derive_us_per_organisation']} µs each)"
        )
        district = Region.objects.get(code="150302")
        context = {"district": district.pk, "organisation": report.generation["middle_id"] or 0}
        log(f"Measuring pages ({repeat} requests each) …")
        report.figures = benchmark_pages(officer=officer, admin=admin, repeat=repeat, context=context)
        log(f"Importing a {rows}-row register …")
        report.imports = benchmark_import(officer=officer, rows=rows, generated=organisations)
    finally:
        if not keep:
            log("Cleaning up …")
            report.cleanup = benchmark_cleanup()
    report.meta["finished"] = timezone.now().isoformat(timespec="seconds")
    return report


def pad(text: str, width: int, *, right: bool = False) -> str:
    """Pad to a width in terminal columns (a Chinese character takes two)."""
    columns = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    space = " " * max(0, width - columns)
    return space + text if right else text + space


def show(value: Any) -> str:
    if value is None:
        return "—"
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def report_table(report: Report) -> str:
    """The figures as a plain-text table."""
    head = [("figure", 44, False), ("median ms", 10, True), ("p95 ms", 10, True), ("queries", 8, True),
            ("× floor", 8, True)]  # fmt: skip
    lines = [" ".join(pad(text, width, right=right) for text, width, right in head) + "  note"]
    lines.append("-" * 100)
    for figure in report.figures.values():
        note = figure.error or (f"{figure.rows} rows" if figure.rows is not None else "")
        cells = [figure.label, show(figure.median_ms), show(figure.p95_ms), show(figure.queries),
                 show(figure.ratio)]  # fmt: skip
        lines.append(
            " ".join(pad(c, w, right=r) for c, (_t, w, r) in zip(cells, head, strict=True)) + f"  {note}"
        )
    lines.append("")
    head = [("import", 44, False), ("rows", 10, True), ("seconds", 10, True), ("rows/s", 8, True)]
    lines.append(" ".join(pad(text, width, right=right) for text, width, right in head) + "  note")
    lines.append("-" * 100)
    labels = {"import_run": "import end to end (register_import_run)", "import_read": "read the XLSX (read_register)",
              "import_copy": "raw COPY of the parsed rows"}  # fmt: skip
    for key in IMPORT_KEYS:
        entry = report.imports.get(key, {})
        note = entry.get("error", "")
        if key == "import_run" and "peak_memory_mb" in entry:
            note = (
                f"peak +{entry['peak_memory_mb']} MB RSS, {entry['queries']} queries, "
                f"{show(entry.get('hot_update_percent'))} % of updates HOT, "
                f"{show(entry.get('times_slower_than_read_and_copy'))}× the time of read + COPY; table "
                f"{entry['organisation_table_mb_before']} → {entry['organisation_table_mb_after']} MB"
            )
        elif key == "import_copy" and entry:
            note = f"read + COPY: {entry.get('read_and_copy_rows_per_second')} rows/s"
        cells = [labels[key], show(entry.get("rows")), show(entry.get("seconds")),
                 show(entry.get("rows_per_second"))]  # fmt: skip
        lines.append(
            " ".join(pad(c, w, right=r) for c, (_t, w, r) in zip(cells, head, strict=True)) + f"  {note}"
        )
    generation = report.generation
    if generation:
        lines.append("")
        lines.append(
            f"generation: {generation['organisations']} organisations in {generation['seconds']} s "
            f"({generation['rows_per_second']} rows/s through COPY; organisation_derive "
            f"{generation['derive_us_per_organisation']} µs each = {generation['derive_seconds']} s); then "
            f"{generation.get('after_generation', 'ANALYZE')} ({generation.get('analyse_seconds')} s; "
            f"autovacuum on this server: {generation.get('autovacuum', '?')})"
        )
    return "\n".join(lines)
