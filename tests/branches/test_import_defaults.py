"""Defaults of a file (领域, 区县, 类别) chosen on upload, for a register that comes from one department: a row's own
value wins, a default fills new records only, and the organisation's provenance says "default of this file"."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse

from branches.errors import LedgerError
from branches.models import Category, Organisation, RegisterImport
from branches.services.imports import register_import_apply, register_import_upload
from federation.models import Region
from tests.branches.factories import OrganisationFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True, params=["one batch", "a batch a row"])
def _batches(request, monkeypatch):
    if request.param == "a batch a row":
        monkeypatch.setattr("branches.services.imports.classify.LOOKUP_BATCH", 1)
        monkeypatch.setattr("branches.services.imports.pgcopy.LOOKUP_BATCH", 1)


REGISTER = (
    "单位名称,所属区,类别\n"
    "乌海市甲女性协会,,\n"  # says nothing: every default
    "乌海市乙协会,海勃湾区,新经济组织\n"  # says both: its own values win
    "乌海市丙协会,,\n"  # in the ledger already, in 海勃湾区
).encode()


def defaults() -> dict:
    return {
        "field": "social",
        "district": Region.objects.get(name="乌达区").pk,
        "categories": [Category.objects.get(name="女性社会组织").pk],
    }


def test_rows_that_do_not_say_take_the_files_defaults_and_their_own_values_win(city_officer):
    kept = OrganisationFactory(name="乌海市丙协会")  # 海勃湾区, 新经济组织
    register_import = register_import_upload(
        by=city_officer,
        data=REGISTER,
        file_name="妇联名录.csv",
        source_name="女性社会组织名录",
        defaults=defaults(),
    )
    assert register_import.defaults == defaults()
    rows = {row["name"]: row for row in register_import.summary["rows"]}
    assert [rows[name]["s"] for name in ("乌海市甲女性协会", "乌海市乙协会", "乌海市丙协会")] == [
        "new", "new", "duplicate",  # the file's district is not the record's: a person decides
    ]  # fmt: skip
    register_import_apply(register_import=register_import, by=city_officer)

    women = Organisation.objects.get(name="乌海市甲女性协会")
    assert (women.field, women.district.name) == ("social", "乌达区")
    assert [category.name for category in women.categories.all()] == ["女性社会组织"]
    for name in ("field", "region", "categories"):
        assert women.value_sources[name]["how"] == "default", name
    own = Organisation.objects.get(name="乌海市乙协会")
    assert (own.field, own.district.name) == ("economic", "海勃湾区")
    assert "how" not in own.value_sources["field"] and "how" not in own.value_sources["region"]
    kept.refresh_from_db()
    assert (kept.field, kept.district.name) == ("economic", "海勃湾区")


def test_a_default_never_moves_a_record_but_adds_its_category(city_officer):
    kept = OrganisationFactory(name="乌海市丁协会", region=Region.objects.get(name="乌达区"))
    register_import = register_import_upload(
        by=city_officer, data="单位名称,单位类型\n乌海市丁协会,民营企业\n".encode(), file_name="a.csv", source_name="名录",
        defaults={"field": "social", "categories": [Category.objects.get(name="女性社会组织").pk]},
    )  # fmt: skip
    row = register_import.summary["rows"][0]
    assert row["s"] == "update" and list(row["d"]) == ["categories"]
    register_import_apply(register_import=register_import, by=city_officer)
    kept.refresh_from_db()
    assert kept.field == "economic" and kept.value_sources["categories"]["how"] == "default"


def test_a_default_district_outside_the_users_area_is_refused(district_officer):
    with pytest.raises(LedgerError):
        register_import_upload(
            by=district_officer, data=REGISTER, file_name="a.csv", source_name="名录",
            defaults={"district": Region.objects.get(name="乌达区").pk},
        )  # fmt: skip
    assert not RegisterImport.objects.exists()


def test_the_upload_page_takes_the_defaults_and_the_import_page_shows_them(client, city_officer):
    client.force_login(city_officer)
    page = client.get(reverse("branches:import_upload")).text
    assert 'name="default_field"' in page and 'name="default_district"' in page
    response = client.post(
        reverse("branches:import_upload"),
        {"source": "女性社会组织名录", "file": SimpleUploadedFile("a.csv", REGISTER), **{
            "default_field": "social", "default_district": defaults()["district"],
            "default_categories": defaults()["categories"],
        }},
    )  # fmt: skip
    assert response.status_code == 302
    register_import = RegisterImport.objects.get()
    assert register_import.defaults == defaults()
    detail = client.get(response["Location"]).text
    assert "本文件的默认值" in detail or "乌达区" in detail
    assert "女性社会组织" in detail


def test_the_command_takes_the_defaults_by_name(city_officer, tmp_path):
    path = tmp_path / "名录.csv"
    path.write_bytes(REGISTER)
    call_command(
        "import_register", str(path), "--source", "名录", "--user", city_officer.username,
        "--field", "新社会组织", "--district", "乌达区", "--category", "女性社会组织",
    )  # fmt: skip
    women = Organisation.objects.get(name="乌海市甲女性协会")
    assert (women.field, women.district.name) == ("social", "乌达区")


def test_the_files_field_beats_what_a_code_implies_but_not_a_new_employment_unit_type(city_officer):
    from federation.identifiers import uscc_check_char

    code = "91150302MA0000077"
    code += uscc_check_char(code)
    data = f"单位名称,统一社会信用代码,所属区,单位类型\n乌海市甲网点,{code},海勃湾区,\n乌海市乙网点,,海勃湾区,快递物流\n"
    for default in ("employment", "economic"):
        register_import = register_import_upload(
            by=city_officer, data=data.encode(), file_name="a.csv", source_name=f"邮政名录{default}",
            defaults={"field": default},
        )  # fmt: skip
        rows = {row["name"]: row for row in register_import.summary["rows"]}
        assert rows["乌海市乙网点"]["i"]["field"] == {"how": "inferred", "from": "unit_type"}
        assert rows["乌海市甲网点"]["i"]["field"] == {"how": "default"}  # its 91 code says 新经济组织
    register_import_apply(register_import=register_import, by=city_officer)  # the file said 新经济组织
    fields = dict(Organisation.objects.values_list("name", "field"))
    assert fields == {"乌海市甲网点": "economic", "乌海市乙网点": "employment"}
