"""The register import's classification: how a row is matched to the ledger, whose area it lies in, and how
its values are read."""

from __future__ import annotations

from django.utils import translation

from branches.models import (
    Category,
    Organisation,
    SanxinField,
    UnitType,
)
from branches.services.imports import (
    register_import_apply,
    register_imports_for,
)
from federation.models import Region
from tests.branches.factories import OrganisationFactory
from tests.branches.test_import_service import (  # noqa: F401  (autouse fixtures)
    CIVIL_AFFAIRS,
    CODE_HBW,
    CODE_HN,
    CODE_OTHER,
    CODE_WD,
    _batches,
    _media,
    csv,
    rows_by_name,
    texts,
    upload,
)

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
