"""Demo ledger for a laptop: about 200 made-up Wuhai organisations, deterministic and idempotent.

`manage.py load_demo` calls demo_load(). The same seed always gives the same organisations, keyed by credit code
(by name when they have none), so running it again adds nothing. The two sample registers under
branches/demo/registers/ get their RegisterSource rows; importing them is left to the newcomer.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from pathlib import Path
from typing import Any

from django.db import transaction

from branches.demo_data import (
    ARCHIVE_REASONS,
    ASSOCIATIONS,
    BRAND_AVOID,
    BRAND_FIRST,
    BRAND_SECOND,
    BUSINESS_DISTRICTS,
    CATEGORY_NAMES,
    COMPANY_SUFFIXES,
    DEMO_REGISTERS,
    DISTRICTS,
    EXPRESS_BRANDS,
    FOOD_DELIVERY,
    FOUNDATIONS,
    GIVEN_NAMES,
    KINDS,
    MOBILE_PREFIXES,
    PARKS,
    RIDE_HAILING,
    ROADS,
    SOCIAL_SERVICES,
    SURNAMES,
    TRADES,
    TRADITIONAL_TWINS,
    WOMEN_SOCIAL,
    Kind,
)
from branches.models import Category, Organisation, RegisterSource
from branches.services.organisations import organisation_derive
from federation.identifiers import USCC_ALPHABET, uscc_check_char
from federation.models import Region

DEMO_SEED = 20250215  # the day 中国妇女报 reported Wuhai's figures
REGISTERS_DIR = Path(__file__).resolve().parent / "demo" / "registers"
ARCHIVED_AT = dt.datetime(2025, 6, 30, 9, 0, tzinfo=dt.UTC)
ARCHIVED_COUNT = 3


def _streets_by_district() -> dict[str, list[tuple[str, str]]]:
    """The demo districts' streets and towns as loaded (load_demo loads Wuhai from the divisions dataset)."""
    streets: dict[str, list[tuple[str, str]]] = {code: [] for code in DISTRICTS}
    for code, name, parent in (
        Region.objects.filter(level=Region.Level.STREET, parent__code__in=list(DISTRICTS))
        .order_by("code")
        .values_list("code", "name", "parent__code")
    ):
        streets[parent].append((code, name))
    return streets


class _Generator:
    """Draws every demo value from one random.Random, in a fixed order."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.streets = _streets_by_district()
        self.codes: set[str] = set()
        pairs = [a + b for a in BRAND_FIRST for b in BRAND_SECOND if a != b and a + b not in BRAND_AVOID]
        self.brands = iter(self.rng.sample(pairs, 80))

    def district(self) -> str:
        codes = list(DISTRICTS)
        return self.rng.choices(codes, weights=[DISTRICTS[code][2] for code in codes])[0]

    def uscc(self, prefix: str, district: str) -> str:
        """A made-up code that passes the GB 32100 check: body, region = district, 7 random characters."""
        while True:
            organisation_code = ("MA" if prefix.startswith("9") else "MJ") + "".join(
                self.rng.choice(USCC_ALPHABET) for _ in range(7)
            )
            body = f"{prefix}{district}{organisation_code}"
            code = body + uscc_check_char(body)
            if code not in self.codes:
                self.codes.add(code)
                return code

    def name(self, kind: Kind, index: int) -> tuple[str, str, str, str]:
        """(name, district code, industry, USCC prefix) of the index-th organisation of a kind."""
        rng, prefix, industry = self.rng, kind.uscc_prefix, kind.industry
        district = self.district()
        full = DISTRICTS[district][0]
        if kind.code in {"top100", "above_scale", "enterprise"}:
            trade, industry = rng.choice(TRADES)
            # The first company ends in 有限责任公司 so that its 有限公司 twin is a near duplicate.
            suffix = "有限责任公司" if kind.code == "top100" and index == 0 else rng.choice(COMPANY_SUFFIXES)
            return f"乌海市{next(self.brands)}{trade}{suffix}", district, industry, prefix
        if kind.code == "park":
            name, district = PARKS[index]
        elif kind.code == "association":
            name = ASSOCIATIONS[index].format(district=full)
        elif kind.code == "women_social":
            template, unit = WOMEN_SOCIAL[index]
            name, prefix = template.format(district=full), ("52" if unit == "social_service" else "51")
        elif kind.code == "social_service":
            name = SOCIAL_SERVICES[index].format(district=full)
        elif kind.code == "foundation":
            name = FOUNDATIONS[index]
        elif kind.code == "express":
            brand, outlet = EXPRESS_BRANDS[index % len(EXPRESS_BRANDS)]
            if index < 3 * len(EXPRESS_BRANDS):  # one outlet of each brand in each district
                district = list(DISTRICTS)[index // len(EXPRESS_BRANDS)]
                name = f"{brand}乌海{DISTRICTS[district][1]}{outlet}"
            else:
                name = f"{brand}乌海分拨中心"
        elif kind.code == "food_delivery":
            district = list(DISTRICTS)[index % 3]
            name = FOOD_DELIVERY[(index // 3) % len(FOOD_DELIVERY)].format(short=DISTRICTS[district][1])
        elif kind.code == "ride_hailing":
            name = RIDE_HAILING[index]
        elif kind.code == "business_district":
            name, district = BUSINESS_DISTRICTS[index]
        else:  # pragma: no cover - KINDS and this switch are edited together
            raise ValueError(kind.code)
        return name, district, industry, prefix

    def spec(self, kind: Kind, index: int) -> dict[str, Any]:
        rng = self.rng
        name, district, industry, prefix = self.name(kind, index)
        street_code, street_name = rng.choice(self.streets[district])
        if rng.random() < 0.12:  # only the district is known
            street_code, street_name = district, ""
        employees: int | None = rng.randint(*kind.employees)
        women: int | None = min(employees, round(employees * rng.uniform(*kind.women_share)))
        if rng.random() < 0.05:
            employees, women = None, None
        elif rng.random() < 0.05:
            women = None
        categories = list(kind.categories)
        for code, chance in kind.extra_categories.items():
            if rng.random() < chance:
                categories.append(code)
        spec = {
            "name": name,
            "uscc": self.uscc(prefix, district) if prefix and rng.random() < 0.92 else "",
            "field": kind.field,
            "unit_type": kind.unit_type,
            "industry": industry,
            "region_code": street_code,
            "district_code": district,
            "address": "",
            "employees": employees,
            "women": women,
            "party_org": self.yes_no(kind.party),
            "trade_union": self.yes_no(kind.union),
            "contact_name": "",
            "contact_mobile": "",
            "categories": categories,
            "archived_at": None,
            "archive_reason": "",
        }
        # Most registers say when a unit was founded or registered (its own generator: the other values stay
        # what they were before the date was added).
        dates = random.Random(f"{name}-founded")
        if dates.random() < 0.85:
            spec["founded_on"] = dt.date(2005, 1, 1) + dt.timedelta(days=dates.randint(0, 18 * 365))
        if rng.random() < 0.7:
            road = rng.choice(ROADS)
            spec["address"] = f"乌海市{DISTRICTS[district][0]}{street_name}{road}{rng.randint(1, 299)}号"
        if rng.random() < 0.25:
            spec["contact_name"] = rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)
            digits = "".join(rng.choice("0123456789") for _ in range(8))
            spec["contact_mobile"] = rng.choice(MOBILE_PREFIXES) + digits
        return spec

    def yes_no(self, chance: float) -> bool | None:
        if self.rng.random() < 0.08:
            return None  # not known yet
        return self.rng.random() < chance


def demo_specs(seed: int = DEMO_SEED) -> list[dict[str, Any]]:
    """The demo organisations as plain values (no database): the same list for the same seed."""
    generator = _Generator(seed)
    specs = [generator.spec(kind, index) for kind in KINDS for index in range(kind.count)]
    by_name = {spec["name"]: spec for spec in specs}
    twins = []
    company = next(spec for spec in specs if spec["name"].endswith("有限责任公司"))
    pairs = [(company, company["name"].replace("有限责任公司", "有限公司"))]
    pairs += [(by_name[name], twin) for name, twin in TRADITIONAL_TWINS.items()]
    for original, twin_name in pairs:
        # As another register lists it: no code, no categories, its own head count.
        twin = {**original, "name": twin_name, "uscc": "", "categories": [], "contact_name": ""}
        twin["contact_mobile"] = ""
        if original["employees"] is not None:
            twin["employees"] = original["employees"] + 3
        twins.append(twin)
    paired = {original["name"] for original, _twin in pairs}
    candidates = [spec for spec in specs if spec["name"] not in paired]
    for spec, reason in zip(generator.rng.sample(candidates, ARCHIVED_COUNT), ARCHIVE_REASONS, strict=True):
        spec["archived_at"], spec["archive_reason"] = ARCHIVED_AT, reason
    return specs + twins


def _categories() -> dict[str, Category]:
    """The seeded categories by code (created when a flushed test database lost them)."""
    categories = {category.code: category for category in Category.objects.filter(code__in=CATEGORY_NAMES)}
    for order, (code, name) in enumerate(CATEGORY_NAMES.items(), start=1):
        if code not in categories:
            categories[code] = Category.objects.filter(name=name).first() or Category.objects.create(
                code=code, name=name, order=order * 10
            )
    return categories


@transaction.atomic
def demo_load(*, stdout) -> list[Organisation]:
    """Add the demo organisations that are not there yet and the sample registers' sources; print a summary."""
    specs = demo_specs()
    codes = [spec["uscc"] for spec in specs if spec["uscc"]]
    names = [spec["name"] for spec in specs if not spec["uscc"]]
    existing_codes = set(Organisation.objects.filter(uscc__in=codes).values_list("uscc", flat=True))
    existing_names = set(Organisation.objects.filter(uscc="", name__in=names).values_list("name", flat=True))
    new = [
        spec
        for spec in specs
        if not (spec["uscc"] in existing_codes if spec["uscc"] else spec["name"] in existing_names)
    ]
    regions = {
        region.code: region
        for region in Region.objects.select_related("parent").filter(
            code__in={spec["region_code"] for spec in specs}
        )
    }
    categories = _categories()
    organisations = []
    for spec in new:
        values = {k: v for k, v in spec.items() if k not in {"region_code", "district_code", "categories"}}
        organisation = Organisation(**values, region=regions[spec["region_code"]], value_sources={})
        organisation_derive(organisation)
        organisations.append(organisation)
    Organisation.objects.bulk_create(organisations)
    through = Organisation.categories.through
    through.objects.bulk_create(
        through(organisation_id=organisation.pk, category_id=categories[code].pk)
        for organisation, spec in zip(organisations, new, strict=True)
        for code in spec["categories"]
    )
    for name, _file_name in DEMO_REGISTERS:
        RegisterSource.objects.get_or_create(name=name)

    fields = Counter(spec["field"] for spec in specs)
    districts = Counter(DISTRICTS[spec["district_code"]][0] for spec in specs)
    stdout.write(
        f"Demo ledger: {len(specs)} organisations ({len(organisations)} added, "
        f"{len(specs) - len(organisations)} already there) — economic {fields['economic']}, "
        f"social {fields['social']}, employment {fields['employment']}; "
        + ", ".join(f"{name} {districts[name]}" for name, _short, _weight in DISTRICTS.values())
        + f"; {sum(1 for spec in specs if spec['archived_at'])} archived; "
        f"{len(DEMO_REGISTERS)} sample registers to import from branches/demo/registers/."
    )
    from branches.demo_women import demo_women_load

    demo_women_load(stdout=stdout)
    return organisations
