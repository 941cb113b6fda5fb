"""What matching holds in memory: how registers spell fields, unit types and places; the ledger."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import QuerySet

from branches.models import Organisation, SanxinField, UnitType
from branches.registers import simplified
from branches.services.imports.background import Cursor
from branches.services.imports.texts import IMPORTED_FIELDS, organisation_field
from federation.fieldcrypt import EncryptedCharField, unseal
from federation.models import Region

ID_CHUNK = 5000  # ids per IN (...) list

# --------------------------------------------------------------------------------------------------------
# Texts of the registers: the field (三新) and unit type columns
# --------------------------------------------------------------------------------------------------------


def _key(text: Any) -> str:
    """Comparable form of a cell: half-width, simplified characters, without any whitespace."""
    return "".join(simplified(unicodedata.normalize("NFKC", str(text or ""))).split())


FIELD_TEXTS: dict[str, str] = {
    _key(text): value
    for value, texts in {
        SanxinField.ECONOMIC: (
            "新经济组织",
            "新经济",
            "经济",
            "经济组织",
            "非公有制经济组织",
            "非公经济组织",
        ),
        SanxinField.SOCIAL: ("新社会组织", "新社会", "社会", "社会组织"),
        SanxinField.EMPLOYMENT: (
            "新就业群体",
            "新就业",
            "就业",
            "就业群体",
            "新就业形态",
            "新业态新就业群体",
        ),
    }.items()
    for text in (*texts, value, value.label)
}
# Tried in order when the text is not one of the above; "两新" names two fields and stays unknown.
_FIELD_FRAGMENTS = (
    ("就业", SanxinField.EMPLOYMENT),
    ("新业态", SanxinField.EMPLOYMENT),
    ("经济", SanxinField.ECONOMIC),
    ("社会", SanxinField.SOCIAL),
)

UNIT_TYPE_TEXTS: dict[str, str] = {
    _key(text): value
    for value, texts in {
        UnitType.PRIVATE_ENTERPRISE: (
            "民营企业", "私营企业", "企业", "有限公司", "有限责任公司", "股份有限公司", "民营", "非公企业",
            "个体工商户", "个体户", "分支机构", "分公司",
        ),
        UnitType.ASSOCIATION: (
            "社会团体", "社团", "协会", "商会", "学会", "研究会", "联合会", "促进会", "行业协会", "行业协会商会",
            "社会团体(协会/商会)",
        ),
        UnitType.SOCIAL_SERVICE: ("民办非企业单位", "民办非企业", "民非", "社会服务机构"),
        UnitType.FOUNDATION: ("基金会",),
        UnitType.WOMEN_SOCIAL: ("女性社会组织", "妇女社会组织", "女性组织"),
        UnitType.EXPRESS: ("快递", "快递物流", "快递企业", "物流快递", "快递行业"),
        UnitType.FOOD_DELIVERY: ("外卖", "外卖配送", "外卖平台", "即时配送"),
        UnitType.RIDE_HAILING: ("网约车", "网约车平台", "网络预约出租汽车"),
        UnitType.BUSINESS_DISTRICT: (
            "商圈", "楼宇", "园区", "商圈/楼宇/园区", "商圈楼宇园区", "商圈市场", "商务楼宇", "产业园区", "市场",
        ),
        UnitType.OTHER: ("其他", "其它"),
    }.items()
    for text in (*texts, value, value.label)
}  # fmt: skip
_UNIT_TYPE_FRAGMENTS = (
    ("女性", UnitType.WOMEN_SOCIAL),
    ("快递", UnitType.EXPRESS),
    ("外卖", UnitType.FOOD_DELIVERY),
    ("网约车", UnitType.RIDE_HAILING),
    ("基金会", UnitType.FOUNDATION),
    ("民办非企业", UnitType.SOCIAL_SERVICE),
    ("社会服务机构", UnitType.SOCIAL_SERVICE),
    ("社会团体", UnitType.ASSOCIATION),
    ("协会", UnitType.ASSOCIATION),
    ("商会", UnitType.ASSOCIATION),
    ("商圈", UnitType.BUSINESS_DISTRICT),
    ("楼宇", UnitType.BUSINESS_DISTRICT),
    ("园区", UnitType.BUSINESS_DISTRICT),
    ("企业", UnitType.PRIVATE_ENTERPRISE),
    ("公司", UnitType.PRIVATE_ENTERPRISE),
)


def field_from_text(text: str) -> str | None:
    """The 三新 field a register's text names (新经济组织, 社会, 新就业群体 …), or None."""
    key = _key(text)
    if key in FIELD_TEXTS:
        return FIELD_TEXTS[key]
    if "两新" in key:
        return None
    return next((value for fragment, value in _FIELD_FRAGMENTS if fragment in key), None)


def unit_type_from_text(text: str) -> str | None:
    """The unit type a register's text names (民营企业, 社会团体, 快递物流 …), or None."""
    key = _key(text)
    if key in UNIT_TYPE_TEXTS:
        return UNIT_TYPE_TEXTS[key]
    return next((value for fragment, value in _UNIT_TYPE_FRAGMENTS if fragment in key), None)


# --------------------------------------------------------------------------------------------------------
# Places: districts and streets, by the spellings registers use
# --------------------------------------------------------------------------------------------------------

_DISTRICT_SUFFIXES = ("区", "县", "旗")
_STREET_SUFFIXES = ("街道办事处", "街道", "镇", "乡", "苏木")


class _Places:
    """Every region in memory (a few dozen rows), indexed by the names registers write."""

    def __init__(self) -> None:
        regions = list(Region.objects.all())
        self.by_id = by_id = {region.pk: region for region in regions}
        for region in regions:  # district_of() then walks parents without queries
            if region.parent_id:
                region.parent = by_id[region.parent_id]
        self.prefixes = sorted(
            {r.name for r in regions if r.level in (Region.Level.PROVINCE, Region.Level.CITY)},
            key=len,
            reverse=True,
        )
        self.districts: dict[str, Region] = {}
        self.district_codes: dict[str, Region] = {}
        self.streets: dict[tuple[int, str], Region] = {}
        self.streets_anywhere: dict[str, list[Region]] = {}
        for region in regions:
            if region.level == Region.Level.DISTRICT:
                self.district_codes[region.code] = region
                for key in self._district_keys(region.name):
                    self.districts.setdefault(key, region)
                self.districts.setdefault(region.code, region)
            elif region.level == Region.Level.STREET and region.parent_id:
                for key in self._street_keys(region.name):
                    self.streets.setdefault((region.parent_id, key), region)
                    self.streets_anywhere.setdefault(key, []).append(region)

    @staticmethod
    def _district_keys(name: str) -> set[str]:
        key = _key(name)
        keys = {key}
        if key.endswith(_DISTRICT_SUFFIXES) and len(key) > 2:
            keys.add(key[:-1])
        return keys

    @staticmethod
    def _street_keys(name: str) -> set[str]:
        key = _key(name)
        keys = {key}
        for suffix in _STREET_SUFFIXES:
            if key.endswith(suffix) and len(key) - len(suffix) >= 2:
                keys.add(key[: -len(suffix)])
                break
        return keys

    def _strip(self, key: str, extra: Iterable[str] = ()) -> str:
        for prefix in (*self.prefixes, *extra):
            if key.startswith(prefix) and len(key) > len(prefix):
                key = key[len(prefix) :]
        return key

    def district(self, text: str) -> Region | None:
        key = self._strip(_key(text))
        return self.districts.get(key)

    def street(self, text: str, district: Region | None) -> Region | None:
        """The street or town a text names: inside the district when given, else the only one of that name."""
        key = _key(text)
        extra = [district.name] if district else []
        candidates = [key, self._strip(key, extra)]
        for candidate in list(candidates):
            for suffix in _STREET_SUFFIXES:
                if candidate.endswith(suffix) and len(candidate) - len(suffix) >= 2:
                    candidates.append(candidate[: -len(suffix)])
                    break
        if district is not None:
            for candidate in candidates:
                street = self.streets.get((district.pk, candidate))
                if street is not None:
                    return street
            return None
        for candidate in candidates:
            found = {street.pk: street for street in self.streets_anywhere.get(candidate, [])}
            if found:
                return next(iter(found.values())) if len(found) == 1 else None
        return None


# --------------------------------------------------------------------------------------------------------
# The ledger, as far as matching needs it: one query
# --------------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Record:
    id: int
    name: str
    uscc: str
    archived: bool
    merged_into: int | None
    path: str
    values: tuple  # the imported fields' current values, in _VALUE_COLUMNS order
    former_names: list[str]
    categories: frozenset[int]


# What a row is compared with; read with the maps, so that matched records need no second query.
_VALUE_COLUMNS = (
    "name_normalised",
    "district_id",
    "region_id",
    *(f for f in IMPORTED_FIELDS if f != "region"),
)


_RECORD_COLUMNS = ("id", "archived_at", "merged_into_id", "former_names", *_VALUE_COLUMNS)
# The values stored sealed (read by SQL on PostgreSQL, they come as stored): opened when taken in.
_SEALED_AT = tuple(
    index
    for index, name in enumerate(_VALUE_COLUMNS)
    if isinstance(organisation_field(name), EncryptedCharField)
)


class _Ledger:
    """The organisations a register can name: those with one of its codes or normalised names, and the records
    they were merged into; with their state, place, imported values and categories, as they were before the
    import wrote anything. A few queries, however large the ledger (on PostgreSQL one per batch of rows, the keys
    passed as arrays).

    A record is read once: read again after the import has written it, it keeps what it was before. The import
    writes only records it has read (and new ones, which the lookups leave out), so every record stays as it was.
    """

    def __init__(self, *, paths: dict[int, str]) -> None:
        self.records: dict[int, _Record] = {}
        self.by_uscc: dict[str, int] = {}
        self.active_by_name: dict[str, list[int]] = {}
        self.inactive_by_name: dict[str, list[int]] = {}
        self.paths = paths  # region id → path: the regions are in memory already
        self.select: str | None = None  # PostgreSQL: the lookups' SELECT, made here (jobs run it elsewhere)
        if connection.vendor == "postgresql":
            self.quote = quote = connection.ops.quote_name
            through = Organisation.categories.through._meta.db_table
            self.select = (
                f"SELECT {', '.join('o.' + quote(organisation_field(n).column) for n in _RECORD_COLUMNS)}, "
                f"ARRAY(SELECT l.category_id FROM {quote(through)} AS l WHERE l.organisation_id = o.id) "
                f"FROM {quote(Organisation._meta.db_table)} AS o"
            )

    def fetch(
        self, cursor: Cursor, usccs: Iterable[str], names: Iterable[str], new_ids: str = "{}"
    ) -> list[tuple]:
        """The rows of the records with these codes or normalised names, leaving out new_ids (an array literal:
        the records this import has added so far). A job of imports.background: it only fetches, the thread
        that classifies takes the rows in (take()), so that the background goes on to its next statement."""
        usccs, names = sorted(set(usccs)), sorted(set(names))
        if self.select is not None:  # one query: a record with both its code and its name comes once
            cursor.execute(
                f"{self.select} WHERE (o.uscc = ANY(%s) OR o.name_normalised = ANY(%s)) "
                "AND NOT o.id = ANY(%s::bigint[])",
                [usccs, names, new_ids],
            )
            return cursor.fetchall()
        # Elsewhere (SQLite) nothing is written before every row is classified: nothing to leave out.
        return [*self._rows(cursor, "uscc", usccs), *self._rows(cursor, "name_normalised", names)]

    def take(self, rows: list[tuple]) -> None:
        """Hold the records of fetched rows (a record already held keeps what it was when first read)."""
        name_at, uscc_at = _VALUE_COLUMNS.index("name"), _VALUE_COLUMNS.index("uscc")
        region_at = _VALUE_COLUMNS.index("region_id")
        records, paths = self.records, self.paths
        for pk, archived_at, merged_into, former_names, *values, categories in rows:
            if pk in records:
                continue
            normalised, name, uscc = values[0], values[name_at], values[uscc_at]
            path = paths.get(values[region_at], "")
            if isinstance(former_names, str):  # the app's connections hand JSON over as text
                former_names = json.loads(former_names)
            for index in _SEALED_AT:
                if values[index]:
                    values[index] = unseal(values[index])
            records[pk] = _Record(
                pk, name, uscc, archived_at is not None, merged_into, path, tuple(values), former_names or [],
                frozenset(categories),
            )  # fmt: skip
            if uscc:
                self.by_uscc[uscc] = pk
            names = self.inactive_by_name if archived_at is not None else self.active_by_name
            names.setdefault(normalised, []).append(pk)

    def unknown_merge_targets(self) -> set[int]:
        return {r.merged_into for r in self.records.values() if r.merged_into} - set(self.records)

    def follow_merges(self, cursor: Cursor) -> None:
        """Read the records that the records read so far were merged into (a job of imports.background)."""
        merged = self.unknown_merge_targets()
        while merged:  # chains of merges: rarely more than one step
            self._load(cursor, "id", sorted(merged))
            merged = self.unknown_merge_targets()

    def _rows(self, cursor: Cursor, column: str, keys: list) -> list[tuple]:
        if not keys:
            return []
        if self.select is not None:
            cursor.execute(f"{self.select} WHERE o.{self.quote(column)} = ANY(%s)", [keys])
            return cursor.fetchall()
        query = Organisation.objects.values_list(*_RECORD_COLUMNS).order_by()
        rows = [
            row
            for start in range(0, len(keys), ID_CHUNK)
            for row in query.filter(**{f"{column}__in": keys[start : start + ID_CHUNK]})
        ]
        categories: dict[int, list[int]] = {}
        links = Organisation.categories.through.objects.values_list("organisation_id", "category_id")
        ids = [row[0] for row in rows]
        for start in range(0, len(ids), ID_CHUNK):
            for organisation_id, category_id in links.filter(
                organisation_id__in=ids[start : start + ID_CHUNK]
            ):
                categories.setdefault(organisation_id, []).append(category_id)
        return [(*row, categories.get(row[0], [])) for row in rows]

    def _load(self, cursor: Cursor, column: str, keys: list) -> None:
        self.take(self._rows(cursor, column, keys))

    def current(self, pk: int) -> dict[str, Any]:
        return dict(zip(_VALUE_COLUMNS, self.records[pk].values, strict=True))

    def final(self, pk: int) -> _Record:
        """The record a merged record ended up in (itself when it was not merged)."""
        record = self.records[pk]
        seen = {pk}
        while record.merged_into and record.merged_into in self.records and record.merged_into not in seen:
            seen.add(record.merged_into)
            record = self.records[record.merged_into]
        return record


def _in_chunks(
    queryset: QuerySet, field_name: str, ids: Iterable[int], *, key: Callable[[Any], int]
) -> Iterable:
    """The rows of the queryset whose field_name is among ids: filtered in chunks, or, for many ids, every row
    read once and picked by key(row) (an IN list of thousands of ids costs more than reading the table)."""
    wanted = set(ids)
    if len(wanted) > ID_CHUNK:
        yield from (item for item in queryset.order_by().iterator(chunk_size=ID_CHUNK) if key(item) in wanted)
        return
    ordered = sorted(wanted)
    for start in range(0, len(ordered), ID_CHUNK):
        yield from queryset.filter(**{f"{field_name}__in": ordered[start : start + ID_CHUNK]}).order_by()
