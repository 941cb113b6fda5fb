"""The organisations the ledger benchmark puts into the ledger and takes out again. Everything it makes is
marked (a name starting with 基准, `notes = "benchmark_ledger"`, users named `benchmark-…`, the register
基准测试名录), so that clean-up removes exactly that, with raw deletes: deleting 100,000 organisations through
the ORM would write as many history rows. Generation COPYs plausible organisations (names, kinds, districts
and categories in the demo's proportions, valid codes no real organisation has) with their derived columns
computed by organisation_derive, then VACUUM ANALYZE.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
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
from federation import audit
from federation.fieldcrypt import DigestField
from federation.identifiers import USCC_ALPHABET, uscc_check_char
from federation.models import DisclosureLog, LoginEvent, OperationLog, Region, User

NAME_PREFIX = "基准"
MARKER = "benchmark_ledger"
SOURCE_NAME = "基准测试名录"
USER_PREFIX = "benchmark-"
SEED = 20261128


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
    with audit.maintenance():  # a benchmark database only: its logs' chains break here, and may
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
    if isinstance(model_field, DigestField):  # what save() would have set
        return model_field.for_value(getattr(organisation, model_field.source))
    value = getattr(organisation, model_field.attname)
    if getattr(model_field, "encrypted", False):
        return model_field.sealed(value)
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
