"""A register is imported as a careful clerk would: a doubtful secondary value is left empty with a warning and
the row is kept; only a row that names no organisation (no name, a failing code nobody accepted) is refused."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from branches.models import Organisation
from branches.services.imports import (
    reason_text,
    register_import_apply,
    register_import_errors_xlsx,
    register_import_upload,
)
from tests.branches.factories import OrganisationFactory

HEADER = "单位名称,统一社会信用代码,所属区,单位类型,从业人员数,女性人数,联系人,联系电话"
FAILING_CODE = "51150302MJ7667704A"  # fails the check digit


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True, params=["one batch", "a batch a row"])
def _batches(request, monkeypatch):
    if request.param == "a batch a row":
        monkeypatch.setattr("branches.services.imports.classify.LOOKUP_BATCH", 1)
        monkeypatch.setattr("branches.services.imports.pgcopy.LOOKUP_BATCH", 1)


def upload(user, *lines: str, header: str = HEADER):
    data = ("\n".join([header, *lines]) + "\n").encode()
    return register_import_upload(by=user, data=data, file_name="register.csv", source_name="测试名录")


def rows_by_name(register_import) -> dict[str, dict]:
    return {row["name"]: row for row in register_import.summary["rows"]}


def texts(entries, language: str = "zh-hans") -> list[str]:
    with translation.override(language):
        return [reason_text(entry) for entry in entries]


LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def test_more_women_than_employees_keeps_the_outlet_without_the_womens_count(city_officer):
    register_import = upload(city_officer, "乌海市甲快递网点,,海勃湾区,快递物流,11,14,王,13947300000")
    row = register_import.summary["rows"][0]

    assert row["s"] == "new"
    assert texts(row["w"]) == ["女性人数（14）大于职工（会员）人数（11），女性人数已留空。"]
    register_import_apply(register_import=register_import, by=city_officer)
    outlet = Organisation.objects.get(name="乌海市甲快递网点")
    assert (outlet.employees, outlet.women, outlet.contact_mobile) == (11, None, "13947300000")


def test_eight_of_sixty_outlets_with_doubtful_counts_all_reach_the_ledger(city_officer):
    lines = [
        f"乌海市快递网点{number},,海勃湾区,快递物流,{10 if number % 8 else 5},{6 if number % 8 else 9}"
        for number in range(1, 61)
    ]
    register_import = upload(city_officer, *lines)

    assert register_import.summary["counts"]["new"] == 60
    assert register_import.summary["applied_warnings"] == 7  # every eighth: 9 women among 5
    counts = register_import_apply(register_import=register_import, by=city_officer)
    assert counts["new"] == 60 and Organisation.objects.count() == 60
    assert Organisation.objects.filter(women__isnull=True).count() == 7


@pytest.mark.parametrize(
    ("cells", "warning"),
    [
        ("-3,1", "“从业人员数”是负数（-3），已留空。"),
        ("约50,1", "“从业人员数”不是数字（“约50”），已留空。"),
        ("10,1,王,12345", "联系电话"),
    ],
)
def test_a_doubtful_value_is_left_empty_with_a_warning_in_the_users_language(city_officer, cells, warning):
    row = upload(city_officer, f"乙协会,,海勃湾区,社会团体,{cells}").summary["rows"][0]

    assert row["s"] == "new"
    (text,) = texts(row["w"])
    assert warning in text or warning == "联系电话" and "12345" in text
    assert not LATIN_WORD.search(text.replace("12345", "")), text  # no English inside the Chinese


def test_the_warnings_read_in_english_for_an_english_reader(city_officer):
    row = upload(city_officer, "丙协会,,海勃湾区,社会团体,-3,1").summary["rows"][0]
    assert texts(row["w"], "en") == ["从业人员数 is negative (-3) and was left empty."]


def test_a_row_without_a_name_is_still_refused(city_officer):
    row = upload(city_officer, ",,海勃湾区,社会团体,10,1").summary["rows"][0]
    assert row["s"] == "invalid"
    assert texts(row["r"]) == ["“单位名称”为空。"]


def test_a_failing_credit_code_is_refused_unless_the_ledger_accepted_it_with_a_reason(city_officer):
    register_import = upload(city_officer, f"丁协会,{FAILING_CODE},海勃湾区,社会团体,30,10")
    row = register_import.summary["rows"][0]
    assert row["s"] == "invalid"

    accepted = OrganisationFactory(name="丁协会", uscc=FAILING_CODE, uscc_override="登记证书上即为此代码")
    register_import = upload(city_officer, f"丁协会,{FAILING_CODE},海勃湾区,社会团体,30,10")
    row = register_import.summary["rows"][0]
    assert row["s"] == "update" and row["o"] == accepted.pk
    assert FAILING_CODE in texts(row["w"])[0]
    register_import_apply(register_import=register_import, by=city_officer)
    accepted.refresh_from_db()
    assert (accepted.employees, accepted.women, accepted.uscc) == (30, 10, FAILING_CODE)


def test_the_error_report_lists_rows_kept_with_a_value_left_empty(city_officer):
    register_import = upload(
        city_officer, "戊协会,,海勃湾区,社会团体,11,14", "己协会,,海勃湾区,社会团体,11,4"
    )
    register_import_apply(register_import=register_import, by=city_officer)
    register_import.refresh_from_db()
    with translation.override("zh-hans"):
        content = register_import_errors_xlsx(register_import=register_import)

    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    values = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert [row[0] for row in values[1:]] == ["戊协会"]
    assert values[1][-2] == "新增" and "女性人数（14）" in values[1][-1]


def test_the_result_page_shows_the_warning_and_offers_the_report(client, city_officer):
    register_import = upload(city_officer, "庚协会,,海勃湾区,社会团体,11,14")
    client.force_login(city_officer)
    page = client.get(reverse("branches:import_detail", args=[register_import.pk]))
    assert "女性人数（14）大于职工（会员）人数（11）" in page.text
    assert "需核对的行" in page.text


# --- headers and values written in traditional characters or full-width forms -------------------------------


def test_a_register_written_in_traditional_characters_imports(city_officer):
    header = "單位名稱,統一社會信用代碼,所屬區,街道,單位類型,從業人員數,女性人數,聯繫電話"
    register_import = upload(
        city_officer,
        "烏海市愛心協會,,海勃灣區,新華街道,社會團體,20,12,13947300000",
        "烏海市順達快遞網點,,烏達區,,快遞物流,8,3,",
        header=header,
    )

    assert register_import.summary["table"]["mapping"] == {
        "單位名稱": "name", "統一社會信用代碼": "uscc", "所屬區": "district", "街道": "street",
        "單位類型": "unit_type", "從業人員數": "employees", "女性人數": "women", "聯繫電話": "contact_mobile",
    }  # fmt: skip
    assert register_import.summary["counts"]["new"] == 2
    register_import_apply(register_import=register_import, by=city_officer)
    love = Organisation.objects.get(name="烏海市愛心協會")
    assert (love.region.name, love.unit_type, love.field, love.women) == (
        "新华街道",
        "association",
        "social",
        12,
    )
    assert Organisation.objects.get(name="烏海市順達快遞網點").district.name == "乌达区"


def test_full_width_headers_are_recognised(city_officer):
    header = "单位名称（全称）,所属区　,单位类型＊,从业人员数（人）"
    register_import = upload(city_officer, "辛协会,海勃湾区,社会团体,１２", header=header)
    assert register_import.summary["table"]["mapping"] == {
        "单位名称（全称）": "name", "所属区": "district", "单位类型＊": "unit_type", "从业人员数（人）": "employees",
    }  # fmt: skip
    assert register_import.summary["counts"]["new"] == 1


# --- what a row says without a column for it: inferred, and marked so --------------------------------------


def code(prefix: str, serial: str = "MA0000001") -> str:
    """A made-up credit code that passes the check: kind `prefix`, registered in 海勃湾区."""
    from federation.identifiers import uscc_check_char

    first17 = f"{prefix}150302{serial}"
    return first17 + uscc_check_char(first17)


@pytest.mark.parametrize(
    ("unit_type", "uscc", "expected"),
    [
        (None, "51150302MJ0000001", ("social", "uscc")),
        (None, "52150302MJ0000001", ("social", "uscc")),
        (None, "53150302MJ0000001", ("social", "uscc")),
        (None, "59150302MJ0000001", ("social", "uscc")),
        (None, "91150302MA0000001", ("economic", "uscc")),
        (None, "92150302MA0000001", ("economic", "uscc")),
        (None, "93150302MA0000001", ("economic", "uscc")),
        ("express", "91150302MA0000001", ("employment", "unit_type")),
        ("food_delivery", "", ("employment", "unit_type")),
        ("ride_hailing", "92150302MA0000001", ("employment", "unit_type")),
        ("association", "91150302MA0000001", ("economic", "uscc")),  # the code says more than the type
        ("association", "", ("social", "unit_type")),
        (None, "11150302MB0000001", None),  # an organ: not one of the three fields
        (None, "", None),
    ],
)
def test_the_field_is_inferred_from_the_unit_type_then_the_credit_code(unit_type, uscc, expected):
    from branches.services.imports.infer import field_infer

    assert field_infer(unit_type=unit_type, uscc=uscc) == expected


def test_a_row_without_a_field_takes_it_from_its_credit_code_marked_as_inferred(city_officer):
    header = "单位名称,统一社会信用代码,所属区"
    register_import = upload(
        city_officer, f"乌海市壬协会,{code('51', 'MJ0000001')},海勃湾区", f"乌海市癸公司,{code('91')},海勃湾区",
        header=header,
    )  # fmt: skip
    rows = rows_by_name(register_import)
    assert rows["乌海市壬协会"]["s"] == "new"
    assert rows["乌海市壬协会"]["i"] == {"field": {"how": "inferred", "from": "uscc"}}

    register_import_apply(register_import=register_import, by=city_officer)
    society, company = (
        Organisation.objects.get(name="乌海市壬协会"),
        Organisation.objects.get(name="乌海市癸公司"),
    )
    assert (society.field, company.field) == ("social", "economic")
    assert society.value_sources["field"] == {
        "source": "测试名录", "import": register_import.pk, "at": society.value_sources["field"]["at"],
        "how": "inferred", "from": "uscc",
    }  # fmt: skip
    assert "how" not in society.value_sources["name"]


def test_an_express_outlet_is_a_new_employment_group_in_the_express_category(city_officer):
    header = "单位名称,统一社会信用代码,所属区,单位类型"
    register_import = upload(
        city_officer, f"乌海市顺达快递网点,{code('91')},海勃湾区,快递物流", header=header
    )
    register_import_apply(register_import=register_import, by=city_officer)

    outlet = Organisation.objects.get(name="乌海市顺达快递网点")
    assert outlet.field == "employment"
    assert [category.name for category in outlet.categories.all()] == ["快递行业"]
    assert outlet.value_sources["field"]["from"] == "unit_type"
    assert outlet.value_sources["categories"]["how"] == "inferred"


def test_inference_never_changes_a_record_but_adds_the_category_it_lacks(city_officer):
    from branches.models import SanxinField as Fields

    record = OrganisationFactory(name="乌海市顺达快递网点", field=Fields.ECONOMIC, unit_type="express")
    header = "单位名称,所属区,单位类型"
    register_import = upload(city_officer, "乌海市顺达快递网点,海勃湾区,快递物流", header=header)
    row = register_import.summary["rows"][0]
    assert row["s"] == "update" and list(row["d"]) == ["categories"]
    assert row["i"] == {"categories": {"how": "inferred", "from": "unit_type"}}

    register_import_apply(register_import=register_import, by=city_officer)
    record.refresh_from_db()
    assert record.field == "economic"  # a person or a register said so: a guess does not overrule it
    assert [category.name for category in record.categories.all()] == ["快递行业"]


def test_the_categories_of_unit_types_are_an_admins_table(admin_client, city_officer):
    from branches.models import Category, UnitTypeCategory

    assert admin_client.get(reverse("admin:branches_unittypecategory_changelist")).status_code == 200
    top = Category.objects.get(name="商圈楼宇园区")
    UnitTypeCategory.objects.filter(unit_type="women_social").delete()
    UnitTypeCategory.objects.create(unit_type="women_social", category=top)
    header = "单位名称,所属区,单位类型"
    register_import = upload(city_officer, "乌海市巾帼协会,海勃湾区,女性社会组织", header=header)
    register_import_apply(register_import=register_import, by=city_officer)
    assert list(Organisation.objects.get(name="乌海市巾帼协会").categories.all()) == [top]


def test_the_organisation_page_says_which_values_were_inferred(client, city_officer):
    header = "单位名称,统一社会信用代码,所属区,单位类型"
    register_import = upload(
        city_officer, f"乌海市顺达快递网点,{code('91')},海勃湾区,快递物流", header=header
    )
    register_import_apply(register_import=register_import, by=city_officer)
    client.force_login(city_officer)
    outlet = Organisation.objects.get(name="乌海市顺达快递网点")
    page = client.get(reverse("branches:organisation_detail", args=[outlet.pk])).text
    assert "由单位类型推断" in page


# --- a CSV file under a workbook's name ---------------------------------------------------------------------


def test_a_csv_file_named_xlsx_is_read_and_the_preview_says_so(client, city_officer):
    data = "单位名称,所属区,单位类型\n乌海市甲协会,海勃湾区,社会团体\n".encode("gb18030")
    register_import = register_import_upload(
        by=city_officer, data=data, file_name="名录.xlsx", source_name="名录"
    )

    assert register_import.summary["counts"]["new"] == 1
    table = register_import.summary["table"]
    assert (table["file_type"], table["named_as"], table["encoding"]) == ("csv", ".xlsx", "gb18030")
    client.force_login(city_officer)
    page = client.get(reverse("branches:import_detail", args=[register_import.pk])).text
    assert "名为 .xlsx" in page and "CSV" in page


def test_a_real_workbook_is_not_said_to_be_csv(client, city_officer):
    workbook = openpyxl.Workbook()
    workbook.active.append(["单位名称", "所属区"])
    workbook.active.append(["乌海市乙协会", "海勃湾区"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    register_import = register_import_upload(
        by=city_officer, data=buffer.getvalue(), file_name="名录.xlsx", source_name="名录"
    )
    assert register_import.summary["table"]["named_as"] == ""


def test_the_preview_says_which_values_a_new_record_will_take_without_the_row_giving_them(
    client, city_officer
):
    header = "单位名称,统一社会信用代码,所属区,单位类型"
    register_import = upload(
        city_officer, f"乌海市顺达快递网点,{code('91')},海勃湾区,快递物流", header=header
    )
    client.force_login(city_officer)
    page = client.get(reverse("branches:import_detail", args=[register_import.pk])).text
    assert "领域：由单位类型推断" in page and "类别：由单位类型推断" in page


def test_the_default_categories_of_unit_types_are_seeded_and_removed_by_their_migration(city_officer):
    import importlib

    from django.apps import apps

    from branches.models import UnitTypeCategory

    migration = importlib.import_module("branches.migrations.0010_unit_type_categories")
    seeded = set(UnitTypeCategory.objects.values_list("unit_type", "category__name"))
    assert ("express", "快递行业") in seeded and ("women_social", "女性社会组织") in seeded
    migration.backward(apps, None)
    assert not UnitTypeCategory.objects.exists()
    migration.forward(apps, None)
    migration.forward(apps, None)  # running it again adds nothing
    assert set(UnitTypeCategory.objects.values_list("unit_type", "category__name")) == seeded
