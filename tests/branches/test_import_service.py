"""The register import service: classification, apply (atomic, idempotent, with history), presences."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from branches.errors import LedgerError
from branches.models import (
    Category,
    Organisation,
    RegisterImport,
    RegisterPresence,
    RegisterSource,
    SanxinField,
    UnitType,
)
from branches.registers import RegisterError
from branches.services.imports import (
    reason_text,
    register_import_apply,
    register_import_discard,
    register_import_errors_xlsx,
    register_import_map,
    register_import_run,
    register_import_upload,
    register_imports_for,
)
from branches.services.organisations import organisation_create, organisation_update
from federation.identifiers import uscc_validate
from federation.models import OperationLog, Region
from tests.branches.factories import OrganisationFactory

DEMO = Path(__file__).resolve().parents[2] / "branches" / "demo" / "registers"
CIVIL_AFFAIRS = DEMO / "民政局_社会组织名录.csv"
SOCIAL_WORK = DEMO / "社工部_两新组织台账.xlsx"
HEADER = "单位名称,统一社会信用代码,所属区,街道,类别,单位类型,职工总数,女职工数,联系人,联系电话,分类"
# Made-up codes that pass the check, registered in 海勃湾区, 海南区, 乌达区 and outside Wuhai
CODE_HBW, CODE_HN, CODE_WD = "91150302MA0000001H", "52150303MJ0000002L", "51150304MJ00000039"
CODE_OTHER = "91110000MA0000004X"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True, params=["one batch", "a batch a row"])
def _batches(request, monkeypatch):
    """Every test runs twice: with the file in one batch, and with each row a batch of its own (on PostgreSQL
    written before the next row is read). The outcome must not depend on where batches end."""
    if request.param == "a batch a row":
        monkeypatch.setattr("branches.services.imports.classify.LOOKUP_BATCH", 1)
        monkeypatch.setattr("branches.services.imports.write.LOOKUP_BATCH", 1)


def csv(*lines: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def upload(user, data: bytes, *, name="register.csv", source="测试名录") -> RegisterImport:
    return register_import_upload(by=user, data=data, file_name=name, source_name=source)


def rows_by_name(register_import: RegisterImport) -> dict[str, dict]:
    return {row["name"]: row for row in register_import.summary["rows"]}


def texts(entries) -> list[str]:
    with translation.override("en"):
        return [reason_text(entry) for entry in entries]


# --- the sample registers ---------------------------------------------------------------------------------


def test_civil_affairs_register_is_new_but_for_its_bad_code(city_officer):
    register_import = upload(
        city_officer, CIVIL_AFFAIRS.read_bytes(), name=CIVIL_AFFAIRS.name, source="民政局"
    )

    assert register_import.status == RegisterImport.Status.PREVIEWED
    assert register_import.summary["table"]["encoding"] == "gb18030"
    assert register_import.summary["counts"] == {
        "new": 39, "updated": 0, "unchanged": 0, "duplicates": 0, "repeated": 0, "invalid": 1, "not_in_latest": 0,
    }  # fmt: skip
    calligraphers = rows_by_name(register_import)["乌海市书法家协会"]
    assert calligraphers["s"] == "invalid"
    with translation.override("en"):
        with pytest.raises(ValidationError) as error:
            uscc_validate("51150302MJ7667704A")
        assert texts(calligraphers["r"]) == error.value.messages
    assert Organisation.objects.count() == 0  # a preview writes nothing


def test_social_work_register_is_all_new_on_an_empty_ledger(city_officer):
    register_import = upload(city_officer, SOCIAL_WORK.read_bytes(), name=SOCIAL_WORK.name, source="社工部")

    counts = register_import.summary["counts"]
    assert counts["new"] == 60 and counts["invalid"] == 0 and counts["duplicates"] == 0
    warned = rows_by_name(register_import)["乌海市蒙西再生资源回收有限公司"]
    assert warned["s"] == "new" and warned["w"]  # 女职工人数 “不详”: imported without the count


def test_applying_the_civil_affairs_register_fills_the_ledger(city_officer):
    register_import = upload(
        city_officer, CIVIL_AFFAIRS.read_bytes(), name=CIVIL_AFFAIRS.name, source="民政局"
    )

    counts = register_import_apply(register_import=register_import, by=city_officer)

    assert counts["new"] == 39
    register_import.refresh_from_db()
    assert register_import.status == RegisterImport.Status.APPLIED
    assert register_import.applied_by == city_officer
    love = Organisation.objects.get(uscc="51150302MJ966809XM")
    assert love.name == "烏海市愛心協會" and love.name_normalised == "乌海市爱心协会"
    assert love.field == SanxinField.SOCIAL and love.unit_type == UnitType.ASSOCIATION
    assert love.region.name == "新华街道" and love.district.name == "海勃湾区"
    assert (love.employees, love.women, love.party_org) == (107, 46, False)
    assert love.value_sources["employees"] == {
        "source": "民政局",
        "import": register_import.pk,
        "at": love.value_sources["employees"]["at"],
    }
    foundation = Organisation.objects.get(uscc="53150302MJ01226567")
    assert foundation.unit_type == UnitType.FOUNDATION and foundation.field == SanxinField.SOCIAL
    assert not Organisation.objects.filter(name="乌海市书法家协会").exists()
    assert RegisterPresence.objects.filter(source__name="民政局", in_latest=True).count() == 39


def test_the_second_register_updates_what_the_first_created(city_officer):
    first = upload(city_officer, CIVIL_AFFAIRS.read_bytes(), name=CIVIL_AFFAIRS.name, source="民政局")
    register_import_apply(register_import=first, by=city_officer)

    second = upload(city_officer, SOCIAL_WORK.read_bytes(), name=SOCIAL_WORK.name, source="社工部")

    assert second.summary["counts"]["new"] == 50
    assert second.summary["counts"]["updated"] == 10
    rows = rows_by_name(second)
    volunteers = rows["乌海市海勃湾区巾帼志愿者协会"]  # same code, a longer name
    assert volunteers["s"] == "update"
    assert volunteers["d"]["name"] == ["海勃湾区巾帼志愿者协会", "乌海市海勃湾区巾帼志愿者协会"]
    # no code in this register: matched by its name (full-width brackets, same organisation)
    sunshine = rows["海勃湾区阳光社会工作服务中心（凤凰岭）"]
    assert sunshine["s"] == "update" and "name" not in sunshine["d"]
    assert sunshine["o"] == Organisation.objects.get(uscc="52150302MJ44877752").pk
    # the traditional spelling of the first register is the same name: no rename
    assert "name" not in rows["乌海市爱心协会"].get("d", {})

    register_import_apply(register_import=second, by=city_officer)
    volunteers = Organisation.objects.get(uscc="51150302MJ7584896F")
    assert volunteers.name == "乌海市海勃湾区巾帼志愿者协会"
    assert volunteers.former_names == ["海勃湾区巾帼志愿者协会"]
    assert "海勃湾区巾帼志愿者协会" in volunteers.search_text
    assert volunteers.value_sources["name"]["source"] == "社工部"
    assert volunteers.value_sources["employees"]["source"] == "民政局"
    assert volunteers.trade_union is False and volunteers.value_sources["trade_union"]["import"] == second.pk
    sunshine = Organisation.objects.get(uscc="52150302MJ44877752")
    assert sunshine.name == "海勃湾区阳光社会工作服务中心(凤凰岭)"  # the first spelling stays
    assert Organisation.objects.count() == 89


def test_the_same_file_twice_changes_nothing(city_officer):
    data = CIVIL_AFFAIRS.read_bytes()
    register_import_run(
        by=city_officer, data=data, file_name=CIVIL_AFFAIRS.name, source_name="民政局", dry_run=False
    )
    history = Organisation.history.count()
    updated = dict(Organisation.objects.values_list("pk", "updated_at"))

    again = upload(city_officer, data, name=CIVIL_AFFAIRS.name, source="民政局")
    assert again.summary["same_file"]["id"]
    counts = register_import_apply(register_import=again, by=city_officer)

    assert counts == {
        "new": 0, "updated": 0, "unchanged": 39, "duplicates": 0, "repeated": 0, "invalid": 1, "not_in_latest": 0,
    }  # fmt: skip
    assert Organisation.history.count() == history
    assert dict(Organisation.objects.values_list("pk", "updated_at")) == updated
    assert set(RegisterPresence.objects.values_list("last_import", flat=True)) == {again.pk}


# --- registers of one source over time ---------------------------------------------------------------------


def test_an_organisation_missing_from_a_newer_register_is_flagged_not_deleted(city_officer):
    both = csv(f"甲协会,{CODE_HBW},海勃湾区,,,社会团体", f"乙协会,{CODE_HN},海南区,,,社会团体")
    register_import_run(by=city_officer, data=both, file_name="a.csv", source_name="名录", dry_run=False)

    only_first = csv(f"甲协会,{CODE_HBW},海勃湾区,,,社会团体")
    preview = upload(city_officer, only_first, source="名录")
    assert preview.summary["counts"]["not_in_latest"] == 1
    assert preview.summary["not_in_latest"] == [[Organisation.objects.get(name="乙协会").pk, "乙协会"]]
    register_import_apply(register_import=preview, by=city_officer)

    presences = dict(RegisterPresence.objects.values_list("organisation__name", "in_latest"))
    assert presences == {"甲协会": True, "乙协会": False}
    assert Organisation.objects.filter(name="乙协会", archived_at__isnull=True).exists()

    counts = register_import_run(
        by=city_officer, data=both, file_name="c.csv", source_name="名录", dry_run=False
    )
    assert counts["unchanged"] == 2 and counts["not_in_latest"] == 0
    assert set(RegisterPresence.objects.values_list("in_latest", flat=True)) == {True}


def test_another_register_does_not_flag_what_it_never_listed(city_officer):
    register_import_run(
        by=city_officer, data=csv(f"甲协会,{CODE_HBW},海勃湾区,,,社会团体"), file_name="a.csv", source_name="甲",
        dry_run=False,
    )  # fmt: skip
    counts = register_import_run(
        by=city_officer, data=csv(f"乙协会,{CODE_HN},海南区,,,社会团体"), file_name="b.csv", source_name="乙",
        dry_run=False,
    )  # fmt: skip
    assert counts["not_in_latest"] == 0
    assert not RegisterPresence.objects.filter(in_latest=False).exists()


def test_a_district_register_flags_only_its_own_district(city_officer, district_officer):
    both = csv(f"甲协会,{CODE_HBW},海勃湾区,,,社会团体", f"乙协会,{CODE_HN},海南区,,,社会团体")
    register_import_run(by=city_officer, data=both, file_name="a.csv", source_name="名录", dry_run=False)

    counts = register_import_run(
        by=district_officer, data=csv(f"甲协会,{CODE_HBW},海勃湾区,,,社会团体"), file_name="b.csv",
        source_name="名录", dry_run=False,
    )  # fmt: skip

    assert counts["not_in_latest"] == 0  # 乙协会 (海南区) lies outside the uploader's area
    assert RegisterPresence.objects.get(organisation__name="乙协会").in_latest is True


# --- all or nothing, once ---------------------------------------------------------------------------------


def test_a_failure_while_applying_writes_nothing(city_officer, monkeypatch):
    register_import = upload(
        city_officer, CIVIL_AFFAIRS.read_bytes(), name=CIVIL_AFFAIRS.name, source="民政局"
    )

    def broken(*args, **kwargs):
        raise RuntimeError("the disk is full")

    monkeypatch.setattr("branches.services.imports.flow._write_presences", broken)
    with pytest.raises(RuntimeError):
        register_import_apply(register_import=register_import, by=city_officer)

    assert Organisation.objects.count() == 0
    assert Organisation.history.count() == 0
    assert not RegisterPresence.objects.exists()
    assert not OperationLog.objects.filter(action="register.import").exists()
    register_import.refresh_from_db()
    assert register_import.status == RegisterImport.Status.PREVIEWED


def test_a_failing_run_leaves_no_import_and_no_file(city_officer, monkeypatch, settings):
    monkeypatch.setattr("branches.services.imports.flow._write_presences", lambda *a, **k: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        register_import_run(
            by=city_officer,
            data=CIVIL_AFFAIRS.read_bytes(),
            file_name="a.csv",
            source_name="民政局",
            dry_run=False,
        )
    assert not RegisterImport.objects.exists() and not RegisterSource.objects.filter(name="民政局").exists()
    media = Path(settings.MEDIA_ROOT)
    assert not media.exists() or not any(path.is_file() for path in media.rglob("*"))


def test_applying_twice_is_refused(city_officer):
    register_import = upload(city_officer, CIVIL_AFFAIRS.read_bytes(), source="民政局")
    register_import_apply(register_import=register_import, by=city_officer)
    with pytest.raises(LedgerError):
        register_import_apply(register_import=register_import, by=city_officer)
    assert Organisation.objects.count() == 39
    assert OperationLog.objects.filter(action="register.import").count() == 1


def test_apply_classifies_again_against_the_ledger_as_it_is_then(city_officer):
    first = upload(city_officer, CIVIL_AFFAIRS.read_bytes(), source="民政局")
    second = upload(city_officer, CIVIL_AFFAIRS.read_bytes(), source="民政局")
    assert second.summary["counts"]["new"] == 39  # both previews saw an empty ledger
    register_import_apply(register_import=first, by=city_officer)

    counts = register_import_apply(register_import=second, by=city_officer)

    assert counts["new"] == 0 and counts["unchanged"] == 39
    second.refresh_from_db()
    assert second.summary["counts"]["unchanged"] == 39  # the stored summary is what was applied
    assert Organisation.objects.count() == 39


def test_applying_leaves_history_naming_the_applier_and_the_import(city_officer, district_officer):
    register_import = upload(
        district_officer, csv(f"甲协会,{CODE_HBW},海勃湾区,新华街道,,社会团体,10,5,,,行业协会商会")
    )
    register_import_apply(register_import=register_import, by=city_officer)

    organisation = Organisation.objects.get(name="甲协会")
    record = organisation.history.get()
    assert record.history_user == city_officer and record.history_type == "+"
    assert f"#{register_import.pk}" in record.history_change_reason
    assert [c.name for c in organisation.categories.all()] == ["行业协会商会"]
    assert [link.category.name for link in record.categories.all()] == ["行业协会商会"]
    log = OperationLog.objects.get(action="register.import")
    assert log.actor == city_officer and log.object_id == str(register_import.pk)
    assert log.changes["new"] == 1


# --- matching ---------------------------------------------------------------------------------------------


def test_a_name_shared_with_a_record_of_another_code_is_a_possible_duplicate(city_officer):
    record = OrganisationFactory(name="乌海市甲协会", uscc=CODE_HBW)
    register_import = upload(city_officer, csv(f"烏海市甲協會,{CODE_OTHER},海勃湾区,,,社会团体"))

    row = register_import.summary["rows"][0]
    assert row["s"] == "duplicate" and row["o"] == record.pk
    assert CODE_HBW in texts(row["r"])[0]
    register_import_apply(register_import=register_import, by=city_officer)
    assert Organisation.objects.count() == 1


def test_a_name_several_records_share_is_a_possible_duplicate(city_officer):
    OrganisationFactory(name="乌海市甲协会")
    OrganisationFactory(name="乌海市甲协会")
    row = upload(city_officer, csv("乌海市甲协会,,海勃湾区,,,社会团体")).summary["rows"][0]
    assert row["s"] == "duplicate" and "2" in texts(row["r"])[0]


def test_a_name_alone_matches_one_record_and_gives_it_the_code(city_officer):
    record = OrganisationFactory(name="乌海市甲协会", uscc="")
    register_import = upload(city_officer, csv(f"乌海市甲协会,{CODE_HBW},海勃湾区,,,社会团体"))
    row = register_import.summary["rows"][0]
    assert row["s"] == "update" and row["d"]["uscc"] == ["", CODE_HBW]
    register_import_apply(register_import=register_import, by=city_officer)
    record.refresh_from_db()
    assert record.uscc == CODE_HBW


def test_a_row_of_a_merged_record_updates_the_record_it_was_merged_into(city_officer):
    kept = OrganisationFactory(name="乌海市甲协会", uscc=CODE_HBW, employees=10, women=5)
    OrganisationFactory(name="乌海市甲协会（旧）", merged_into=kept, archived_at="2024-01-01T00:00:00+08:00")
    register_import = upload(city_officer, csv("乌海市甲协会(旧),,海勃湾区,,,社会团体,30,20"))

    row = register_import.summary["rows"][0]
    assert row["s"] == "update" and row["o"] == kept.pk
    assert row["on"] == "乌海市甲协会"  # the record's own name, where it differs from the row's
    register_import_apply(register_import=register_import, by=city_officer)
    kept.refresh_from_db()
    assert (kept.employees, kept.women) == (30, 20)


def test_a_row_of_an_archived_record_is_a_possible_duplicate_and_does_not_revive_it(city_officer):
    archived = OrganisationFactory(
        name="乌海市甲协会", uscc=CODE_HBW, archived_at="2024-01-01T00:00:00+08:00"
    )
    register_import = upload(city_officer, csv(f"乌海市甲协会,{CODE_HBW},海勃湾区,,,社会团体,30,20"))
    row = register_import.summary["rows"][0]
    assert row["s"] == "duplicate" and row["o"] == archived.pk
    assert "on" not in row  # the same name: the page shows the row's
    register_import_apply(register_import=register_import, by=city_officer)
    archived.refresh_from_db()
    assert archived.archived_at is not None and archived.employees == 120


def test_a_later_row_naming_the_same_organisation_is_repeated(city_officer):
    register_import = upload(
        city_officer,
        csv(
            f"甲协会,{CODE_HBW},海勃湾区,,,社会团体",
            "甲协会,,海勃湾区,,,社会团体",  # same name, no code
            f"乙协会,{CODE_HBW},海勃湾区,,,社会团体",  # same code
            f"甲协会,{CODE_HN},海南区,,,社会团体",  # same name, another code: another organisation
        ),
    )
    statuses = [(row["n"], row["s"]) for row in register_import.summary["rows"]]
    assert statuses == [(2, "new"), (3, "repeated"), (4, "repeated"), (5, "new")]
    assert "2" in texts(register_import.summary["rows"][1]["r"])[0]


def test_a_code_of_an_organisation_outside_the_area_is_refused(district_officer):
    OrganisationFactory(name="乌达区甲协会", uscc=CODE_WD, region=Region.objects.get(code="150304012"))
    row = upload(district_officer, csv(f"乌达区甲协会,{CODE_WD},海勃湾区,,,社会团体")).summary["rows"][0]
    assert row["s"] == "invalid" and "o" not in row


# --- the area of a district officer -----------------------------------------------------------------------


def test_a_district_officer_cannot_import_rows_of_another_district(district_officer):
    register_import = upload(district_officer, CIVIL_AFFAIRS.read_bytes(), source="民政局")

    rows = rows_by_name(register_import)
    wuda = rows["乌海市青年创业促进会"]  # 乌达区
    assert wuda["s"] == "invalid"
    with translation.override("en"):
        assert texts(wuda["r"]) == ["滨海街道 is outside your area."]
    assert rows["乌海市物流协会"]["s"] == "invalid"  # 海南区
    assert rows["乌海市女企业家协会"]["s"] == "new"  # 海勃湾区
    register_import_apply(register_import=register_import, by=district_officer)
    assert set(Organisation.objects.values_list("district__name", flat=True)) == {"海勃湾区"}


def test_imports_are_seen_in_the_uploaders_area(district_officer, other_district_officer, city_officer):
    register_import = upload(district_officer, csv(f"甲协会,{CODE_HBW},海勃湾区,,,社会团体"))
    assert register_import in register_imports_for(city_officer)
    assert register_import in register_imports_for(district_officer)
    assert register_import not in register_imports_for(other_district_officer)


# --- the values of a row ----------------------------------------------------------------------------------


def test_places_are_read_in_the_spellings_registers_use(city_officer):
    register_import = upload(
        city_officer,
        csv(
            "甲,91110000MA00000051,海勃湾,新华,,社会团体",  # no 区, no 街道
            f"乙,{CODE_OTHER},,拉僧仲街道,,社会团体",  # district from the street
            f"丙,{CODE_WD},,,,社会团体",  # district from characters 3-8 of the code
            "丁,,海勃湾区,不存在街道,,社会团体",  # unknown street: the district
            "戊,,,,,社会团体",  # nothing to go by
            "己,,月球区,,,社会团体",
        ),
    )
    rows = rows_by_name(register_import)
    assert rows["甲"]["s"] == "new"
    assert rows["乙"]["s"] == "new"
    assert texts(rows["丁"]["w"]) == [
        "“不存在街道” is not a street or town of 海勃湾区; the district is recorded."
    ]
    assert rows["戊"]["s"] == "invalid" and rows["己"]["s"] == "invalid"
    register_import_apply(register_import=register_import, by=city_officer)
    assert Organisation.objects.get(name="甲").region.code == "150302003"
    assert Organisation.objects.get(name="乙").region.code == "150303001"
    assert Organisation.objects.get(name="丙").region.code == "150304"
    assert Organisation.objects.get(name="丁").region.code == "150302"
    street_only = upload(city_officer, csv("庚,,,拉僧仲,,社会团体"))
    assert street_only.summary["rows"][0]["s"] == "new"


def test_the_field_comes_from_the_register_or_from_the_unit_type(city_officer):
    register_import = upload(
        city_officer,
        csv(
            "甲,,海勃湾区,,经济,有限公司",
            "乙,,海勃湾区,,,快递物流",
            "丙,,海勃湾区,,两新,外卖",
            "丁,,海勃湾区,,,看不懂的类型",
            "戊,,海勃湾区,,新就业群体,",
        ),
    )
    rows = rows_by_name(register_import)
    assert [rows[name]["s"] for name in "甲乙丙丁戊"] == ["new", "new", "new", "invalid", "new"]
    assert rows["丙"]["w"] and rows["丁"]["w"]
    register_import_apply(register_import=register_import, by=city_officer)
    kinds = {o.name: (o.field, o.unit_type) for o in Organisation.objects.all()}
    assert kinds == {
        "甲": (SanxinField.ECONOMIC, UnitType.PRIVATE_ENTERPRISE),
        "乙": (SanxinField.EMPLOYMENT, UnitType.EXPRESS),
        "丙": (SanxinField.EMPLOYMENT, UnitType.FOOD_DELIVERY),
        "戊": (SanxinField.EMPLOYMENT, ""),
    }


def test_counts_and_mobiles_are_checked(city_officer):
    register_import = upload(
        city_officer,
        csv(
            "甲,,海勃湾区,,,社会团体,10,20",  # more women than employees
            "乙,,海勃湾区,,,社会团体,10,5,王,12345",  # not a mobile number
            "丙,,海勃湾区,,,社会团体,10,5,李,+86 139-4730-0000",
        ),
    )
    rows = rows_by_name(register_import)
    assert rows["甲"]["s"] == "new"  # kept, without the doubtful count
    assert texts(rows["甲"]["w"]) == [
        "The number of women (20) is greater than the employees or members (10): "
        "the number of women was left empty."
    ]
    assert rows["乙"]["s"] == "new" and "12345" in texts(rows["乙"]["w"])[0]
    register_import_apply(register_import=register_import, by=city_officer)
    jia = Organisation.objects.get(name="甲")
    assert (jia.employees, jia.women) == (10, None)
    assert Organisation.objects.get(name="乙").contact_mobile == ""
    assert Organisation.objects.get(name="丙").contact_mobile == "13947300000"


def test_counts_are_checked_against_the_record_too(city_officer):
    OrganisationFactory(name="甲协会", employees=10, women=5)
    register_import = upload(city_officer, csv("甲协会,,海勃湾区,,,民营企业,,12,王"))
    row = register_import.summary["rows"][0]
    assert row["s"] == "update" and row["d"] == {"contact_name": ["", "王"]}
    assert texts(row["w"]) == [
        "The number of women (12) is greater than the record's employees or members (10): "
        "the record's number of women was kept."
    ]
    register_import_apply(register_import=register_import, by=city_officer)
    record = Organisation.objects.get(name="甲协会")
    assert (record.employees, record.women, record.contact_name) == (10, 5, "王")


def test_fewer_employees_than_the_record_has_women_keeps_the_records_count(city_officer):
    OrganisationFactory(name="甲协会", employees=10, women=5)
    row = upload(city_officer, csv("甲协会,,海勃湾区,,,民营企业,3,")).summary["rows"][0]
    assert row["s"] == "unchanged"
    assert "(3)" in texts(row["w"])[0] and "(5)" in texts(row["w"])[0]


def test_unknown_categories_are_a_warning_and_the_others_are_applied(city_officer):
    register_import = upload(city_officer, csv("甲,,海勃湾区,,,民营企业,,,,,百强民营企业、外星分类"))
    row = register_import.summary["rows"][0]
    assert row["s"] == "new" and "外星分类" in texts(row["w"])[0]
    register_import_apply(register_import=register_import, by=city_officer)
    assert [c.name for c in Organisation.objects.get().categories.all()] == ["百强民营企业"]


def test_a_blank_cell_never_erases_and_a_new_value_updates(city_officer):
    record = OrganisationFactory(
        name="甲协会", uscc=CODE_HBW, contact_name="王", contact_mobile="13947300000", employees=10, women=5
    )
    record.categories.add(Category.objects.get(name="快递行业"))
    register_import = upload(city_officer, csv(f"甲协会,{CODE_HBW},海勃湾区,,,,,6,,,外卖配送"))
    row = register_import.summary["rows"][0]
    assert row["s"] == "update"
    assert row["d"] == {"women": [5, 6], "categories": [["快递行业"], ["外卖配送", "快递行业"]]}
    register_import_apply(register_import=register_import, by=city_officer)
    record.refresh_from_db()
    assert (record.contact_name, record.contact_mobile, record.employees, record.women) == (
        "王", "13947300000", 10, 6,
    )  # fmt: skip
    assert record.region.code == "150302001"  # the register knew only the district: the street stays
    assert sorted(c.name for c in record.categories.all()) == ["外卖配送", "快递行业"]
    assert set(record.value_sources) == {"women", "categories"}
    history = record.history.first()
    assert history.history_type == "~" and history.history_user == city_officer
    assert sorted(link.category.name for link in history.categories.all()) == ["外卖配送", "快递行业"]


# --- columns, files, the flow -----------------------------------------------------------------------------


def test_unknown_columns_wait_for_a_mapping(city_officer):
    data = csv("甲协会,海勃湾区,协会,13947300000", header="单位名称,所属区,单位类型,负责人手机")
    register_import = upload(city_officer, data)
    assert register_import.status == RegisterImport.Status.UPLOADED
    assert register_import.summary["table"]["unknown"] == ["负责人手机"]

    register_import_map(
        register_import=register_import, by=city_officer, mapping={"负责人手机": "contact_mobile"}
    )

    register_import.refresh_from_db()
    assert register_import.status == RegisterImport.Status.PREVIEWED
    assert register_import.mapping == {"负责人手机": "contact_mobile"}
    register_import_apply(register_import=register_import, by=city_officer)
    assert Organisation.objects.get().contact_mobile == "13947300000"


def test_a_gbk_register_is_read(city_officer):
    data = "单位名称,统一社会信用代码,所属区,单位类型\n乌海市甲协会,,海勃湾区,社会团体\n".encode("gbk")
    register_import = upload(city_officer, data)
    assert register_import.summary["table"]["encoding"] == "gb18030"
    assert register_import.summary["rows"][0]["name"] == "乌海市甲协会"


def test_the_template_example_row_is_refused(city_officer):
    row = upload(city_officer, csv("示例,91150302MA01231035,海勃湾区,,,社会团体")).summary["rows"][0]
    assert row["s"] == "invalid" and "template" in texts(row["r"])[0]


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"\x00\x01\x02junk" * 100, "unsupported_type"),
        ("单位名称,统一社会信用代码\n".encode(), "no_rows"),
        ("统一社会信用代码,所属区\n91150302MA01231035,海勃湾区\n".encode(), "no_header"),
    ],
)
def test_a_file_that_cannot_be_read_stores_nothing(city_officer, data, code):
    with pytest.raises(RegisterError) as error:
        upload(city_officer, data)
    assert error.value.code == code
    assert not RegisterImport.objects.exists() and not RegisterSource.objects.exists()


def test_a_file_over_the_limit_is_refused(city_officer, settings):
    settings.UPLOAD_MAX_MB = 1
    with pytest.raises(RegisterError) as error:
        upload(city_officer, csv("甲,,海勃湾区") + b"#" * (1024 * 1024))
    assert error.value.code == "too_large"


def test_a_dry_run_writes_nothing(city_officer):
    counts = register_import_run(
        by=city_officer,
        data=CIVIL_AFFAIRS.read_bytes(),
        file_name="a.csv",
        source_name="民政局",
        dry_run=True,
    )
    assert counts["new"] == 39 and counts["invalid"] == 1
    assert not RegisterImport.objects.exists() and not RegisterSource.objects.exists()
    assert not Organisation.objects.exists()


def test_discarding_deletes_the_file_and_writes_nothing(city_officer, django_capture_on_commit_callbacks):
    register_import = upload(city_officer, CIVIL_AFFAIRS.read_bytes(), source="民政局")
    stored = Path(register_import.file.path)
    assert stored.exists()
    with django_capture_on_commit_callbacks(execute=True):
        register_import_discard(register_import=register_import, by=city_officer)
    register_import.refresh_from_db()
    assert register_import.status == RegisterImport.Status.DISCARDED
    assert not stored.exists() and not register_import.file
    assert "rows" not in register_import.summary
    with pytest.raises(LedgerError):
        register_import_apply(register_import=register_import, by=city_officer)
    assert not Organisation.objects.exists()


def test_the_error_report_holds_the_original_columns_of_the_rows_not_imported(city_officer):
    OrganisationFactory(name="乌海市甲协会", uscc=CODE_HBW)
    register_import = upload(
        city_officer,
        csv(
            f"乌海市甲协会,{CODE_OTHER},海勃湾区,,,社会团体,10,5,王,13947300000",
            "乙,,海勃湾区,,,社会团体,1,9",
            "丙,,海勃湾区,,,社会团体",
        ),
    )
    with translation.override("en"):
        content = register_import_errors_xlsx(register_import=register_import)

    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0] == [*HEADER.split(","), "Row", "Status", "Reason"]
    # The rows not imported, then those imported with a value left empty.
    assert [row[0] for row in values[1:]] == ["乌海市甲协会", "乙"]
    assert values[1][1] == CODE_OTHER and values[1][9] == "13947300000"
    assert values[1][-2] == "Possible duplicate" and CODE_HBW in values[1][-1]
    assert values[2][-3:-1] == [3, "New"] and "(9)" in values[2][-1]


def test_a_name_in_another_district_is_a_possible_duplicate(city_officer):
    record = OrganisationFactory(name="乌海市老年协会", uscc="")  # 海勃湾区
    row = upload(city_officer, csv("乌海市老年协会,,乌达区,,,社会团体")).summary["rows"][0]
    assert row["s"] == "duplicate" and row["o"] == record.pk
    assert "海勃湾区" in texts(row["r"])[0]


def test_a_name_that_comes_back_leaves_the_former_names(city_officer):
    record = OrganisationFactory(name="乌海市甲协会", uscc=CODE_HBW)
    for name in ("乌海市甲商会", "乌海市甲协会"):
        register_import_run(
            by=city_officer, data=csv(f"{name},{CODE_HBW},海勃湾区"), file_name="a.csv", source_name="名录",
            dry_run=False,
        )  # fmt: skip
    record.refresh_from_db()
    assert record.name == "乌海市甲协会" and record.former_names == ["乌海市甲商会"]


def test_a_formula_in_a_register_stays_text_in_the_error_report(city_officer):
    register_import = upload(city_officer, csv('=HYPERLINK("http://example.org"),,月球区'))
    sheet = openpyxl.load_workbook(
        io.BytesIO(register_import_errors_xlsx(register_import=register_import))
    ).active
    cell = sheet.cell(row=2, column=1)
    assert cell.value == '=HYPERLINK("http://example.org")' and cell.data_type == "s"


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_one_register_applied_at_once_give_one_consistent_ledger(city_officer, settings):
    from concurrent.futures import ThreadPoolExecutor

    from django.contrib.contenttypes.models import ContentType
    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("row locks (select_for_update) need PostgreSQL; SQLite serialises writers anyway")
    # Content types cached by earlier tests inside their rolled-back transactions may not exist: this test commits.
    ContentType.objects.clear_cache()
    data = CIVIL_AFFAIRS.read_bytes()
    first, second = (upload(city_officer, data, source="民政局") for _ in range(2))
    twice = [first, second, first]

    def apply(register_import):
        try:
            return register_import_apply(register_import=register_import, by=city_officer)
        except LedgerError as error:
            return str(error)
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(apply, twice))

    counts = [result for result in results if isinstance(result, dict)]
    assert len(counts) == 2 and sum(isinstance(result, str) for result in results) == 1, results
    assert sorted(c["new"] for c in counts) == [0, 39]
    assert sorted(c["unchanged"] for c in counts) == [0, 39]
    assert Organisation.objects.count() == 39
    assert Organisation.history.count() == 39


# --- what an import writes is what the normal save path writes --------------------------------------------

DERIVED = (
    "name",
    "name_normalised",
    "search_text",
    "search_grams",
    "sort_key",
    "district_id",
    "former_names",
)
# Traditional characters, full-width brackets and letters, a polyphonic character in a phrase (银行), digits.
TRICKY_NAMES = ["烏海市愛心協會（ＡＢＣ分會）", "乌海市银行业协会2号", "乌海市重庆火锅店·长乐"]


def test_an_imported_organisation_derives_the_same_columns_as_one_added_by_hand(city_officer):
    lines = [f"{name},,海勃湾区,新华街道,,社会团体" for name in TRICKY_NAMES]
    register_import_run(
        by=city_officer, data=csv(*lines), file_name="a.csv", source_name="名录", dry_run=False
    )
    imported = {o.name: o for o in Organisation.objects.all()}
    assert set(imported) == set(TRICKY_NAMES)

    for name in TRICKY_NAMES:
        by_hand = organisation_create(
            by=city_officer,
            data={"name": name, "field": "social", "region": Region.objects.get(code="150302003")},
        )
        for column in DERIVED:
            assert getattr(imported[name], column) == getattr(by_hand, column), (name, column)


def test_a_renamed_organisation_derives_the_same_columns_as_one_renamed_by_hand(city_officer):
    imported = OrganisationFactory(name="乌海市甲协会", uscc=CODE_HBW, former_names=["乌海市乙协会"])
    by_hand = OrganisationFactory(name="乌海市甲协会", uscc=CODE_HN, former_names=["乌海市乙协会"])
    register_import_run(
        by=city_officer, data=csv(f"烏海市重慶銀行協會,{CODE_HBW},海勃湾区"), file_name="a.csv", source_name="名录",
        dry_run=False,
    )  # fmt: skip
    organisation_update(organisation=by_hand, by=city_officer, data={"name": "烏海市重慶銀行協會"})

    imported.refresh_from_db()
    by_hand.refresh_from_db()
    assert imported.former_names == ["乌海市乙协会", "乌海市甲协会"]
    for column in DERIVED:
        assert getattr(imported, column) == getattr(by_hand, column), column


def test_an_apply_writes_history_categories_and_presences_for_new_and_updated_records(city_officer):
    express, delivery = Category.objects.get(name="快递行业"), Category.objects.get(name="外卖配送")
    record = OrganisationFactory(name="甲协会", uscc=CODE_HBW, employees=10, women=5)
    record.categories.add(express)
    before = record.value_sources
    register_import = upload(
        city_officer,
        csv(
            f"甲协会,{CODE_HBW},海勃湾区,,,,12,,,,外卖配送",
            f"乙协会,{CODE_HN},海南区,,,社会团体,3,1,,,快递行业",
        ),
    )
    register_import_apply(register_import=register_import, by=city_officer)

    record.refresh_from_db()
    new = Organisation.objects.get(name="乙协会")
    assert record.employees == 12 and set(record.categories.all()) == {express, delivery}
    assert set(record.value_sources) == {*before, "employees", "categories"}
    assert record.value_sources["employees"]["import"] == register_import.pk
    assert set(new.value_sources) == {"name", "uscc", "field", "unit_type", "region", "employees", "women",
                                      "categories"}  # fmt: skip
    assert new.district.code == "150303"
    for organisation, kind, categories in ((record, "~", {express, delivery}), (new, "+", {express})):
        history = organisation.history.first()  # the latest
        assert history.history_type == kind
        assert history.history_user == city_officer and history.history_date == record.updated_at
        assert (
            f"#{register_import.pk}" in history.history_change_reason
            and "测试名录" in history.history_change_reason
        )
        assert (history.name, history.employees, history.region_id) == (
            organisation.name, organisation.employees, organisation.region_id,
        )  # fmt: skip
        links = {link.category_id: link.id for link in organisation.categories.through.objects.filter(
            organisation=organisation)}  # fmt: skip
        assert {(c.category_id, c.id) for c in history.categories.all()} == set(links.items())
        assert {c.category for c in history.categories.all()} == categories
    presences = RegisterPresence.objects.filter(source__name="测试名录")
    assert set(presences.values_list("organisation", "first_import", "last_import", "in_latest")) == {
        (record.pk, register_import.pk, register_import.pk, True),
        (new.pk, register_import.pk, register_import.pk, True),
    }
