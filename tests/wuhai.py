"""The tests' area: Wuhai's divisions (统计用区划代码 2023) and a federation unit for each, kept as a file.

An installation loads its own area with `manage.py load_divisions CODE` (the demo loads Wuhai that way); the
tests seed this fixed copy so that they do not depend on the dataset's release."""

from __future__ import annotations

import csv
from pathlib import Path

REGIONS_FILE = Path(__file__).parent / "data" / "wuhai_regions.csv"
UNIT_LEVEL = {"city": "city", "district": "district", "street": "street"}


def regions_rows(path: Path = REGIONS_FILE) -> list[dict[str, str]]:
    """The division rows of the data file, parents before children."""
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def regions_seed(region_model, unit_model, rows: list[dict[str, str]] | None = None) -> None:
    """Create or update regions and their federation units (idempotent; takes models so migrations can call it)."""
    by_code = {}
    units_by_code = {}
    for row in rows or regions_rows():
        parent = by_code.get(row["parent"]) if row["parent"] else None
        path = f"{parent.path if parent else ''}{row['code']}/"
        region, _ = region_model.objects.update_or_create(
            code=row["code"],
            defaults={"name": row["name"], "level": row["level"], "parent": parent, "path": path},
        )
        by_code[row["code"]] = region
        if row["level"] not in UNIT_LEVEL:
            continue
        unit, _ = unit_model.objects.update_or_create(
            region=region,
            level=UNIT_LEVEL[row["level"]],
            defaults={"name": f"{row['name']}妇联", "parent": units_by_code.get(row["parent"])},
        )
        units_by_code[row["code"]] = unit


def regions_unseed(region_model, unit_model, rows: list[dict[str, str]] | None = None) -> None:
    """Remove what regions_seed created (children first)."""
    codes = [row["code"] for row in rows or regions_rows()]
    for code in reversed(codes):
        unit_model.objects.filter(region__code=code).delete()
        region_model.objects.filter(code=code).delete()
