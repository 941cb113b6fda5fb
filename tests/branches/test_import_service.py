"""The register import service: the sample registers, registers of one source over time, columns, files and the
flow; the helpers the other import tests share (test_import_classify, test_import_write)."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from branches.errors import LedgerError
from branches.models import (
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
)
from federation.identifiers import uscc_validate
from jobs.context import speedups
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
    written before the next row is read). The outcome must not depend on where batches end. The web process's
    way (no second thread) is what tests/jobs and the views' tests take."""
    if request.param == "a batch a row":
        monkeypatch.setattr("branches.services.imports.classify.LOOKUP_BATCH", 1)
        monkeypatch.setattr("branches.services.imports.pgcopy.LOOKUP_BATCH", 1)
    with speedups():  # as a job in the worker runs them: on PostgreSQL the database writes on a second thread
        yield


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
