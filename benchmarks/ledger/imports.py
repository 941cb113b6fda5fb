"""The register import measured end to end: a generated XLSX register (half organisations the ledger already
has, half new ones) imported through the import service's entry point, timed with its peak memory and its
queries counted, against the floor of reading the same file and COPYing its parsed rows into a scratch table.
"""

from __future__ import annotations

import gc
import io
import random
import resource
import threading
import time
from typing import Any

from django.db import connection, transaction

from branches.demo_data import DISTRICTS
from branches.models import Category, Organisation
from federation.models import User

from .organisations import MARKER, NAME_PREFIX, SEED, SOURCE_NAME, _context, _Names, benchmark_uscc, copy_rows

IMPORT_FILE_NAME = "基准测试名录.xlsx"

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
IMPORT_KEYS = ["import_run", "import_read", "import_copy"]


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
