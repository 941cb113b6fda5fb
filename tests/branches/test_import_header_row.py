"""A register whose header row is not recognised is kept: the uploader points at the header row among the first
rows and says what each column holds; the register remembers it, and its next file is matched without asking."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from branches.errors import LedgerError
from branches.models import Organisation, RegisterImport, RegisterSource
from branches.registers import RegisterError, read_register
from branches.services.imports import (
    register_import_apply,
    register_import_head,
    register_import_header,
    register_import_upload,
)

# Headers the app does not know but one (类型): a title row, then 企业全称 / 注册地 / 代码 / 人数 / 类型 and a column
# without a header.
REGISTER = (
    "2024年个体私营企业名录,,,,,\n"
    "企业全称,注册地,代码,人数,类型,\n"
    "乌海市甲商贸有限公司,海勃湾区,,12,民营企业,备注一\n"
    "乌海市乙物流有限公司,乌达区,,30,民营企业,\n"
).encode()
COLUMNS = {0: "name", 1: "district", 3: "employees", 4: "unit_type"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def upload(user, data: bytes = REGISTER, source: str = "市场监管局名录") -> RegisterImport:
    return register_import_upload(by=user, data=data, file_name="名录.csv", source_name=source)


def test_the_reader_hands_over_the_first_rows_when_it_finds_no_header():
    with pytest.raises(RegisterError) as error:
        read_register(REGISTER, "名录.csv")
    assert error.value.code == "no_header"
    assert [number for number, _texts in error.value.head] == [1, 2, 3, 4]
    assert error.value.head[1][1] == ["企业全称", "注册地", "代码", "人数", "类型", ""]


def test_the_reader_takes_the_header_row_it_is_told_and_names_blank_headers_by_their_column():
    table = read_register(REGISTER, "名录.csv", header_row=2, mapping={"企业全称": "name", "列F": "address"})
    assert table.header_row == 2
    assert table.headers == ["企业全称", "注册地", "代码", "人数", "类型", "列F"]
    assert [row.values for row in table.rows] == [
        {"name": "乌海市甲商贸有限公司", "unit_type": "民营企业", "address": "备注一"},
        {"name": "乌海市乙物流有限公司", "unit_type": "民营企业", "address": ""},
    ]


def test_a_file_without_a_known_header_is_kept_for_its_uploader_to_point_at_it(city_officer):
    register_import = upload(city_officer)

    assert register_import.status == RegisterImport.Status.UPLOADED
    assert register_import.summary["table"]["needs_header"] is True
    assert "乌海市甲商贸有限公司" not in str(register_import.summary)  # the rows are read again, never kept
    head = register_import_head(register_import)
    assert [number for number, _texts in head] == [1, 2, 3, 4] and len(head[0][1]) == 6

    register_import = register_import_header(
        register_import=register_import, by=city_officer, header_row=2, columns=COLUMNS
    )
    assert register_import.status == RegisterImport.Status.PREVIEWED
    assert register_import.summary["counts"]["new"] == 2
    register_import_apply(register_import=register_import, by=city_officer)
    assert dict(Organisation.objects.values_list("name", "employees")) == {
        "乌海市甲商贸有限公司": 12,
        "乌海市乙物流有限公司": 30,
    }


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        ({1: "district"}, "unit name"),
        ({0: "name", 1: "name"}, "one column"),
        ({0: "nonsense"}, "from the list"),
    ],
)
def test_the_columns_must_name_the_unit_once_and_come_from_the_list(city_officer, columns, message):
    register_import = upload(city_officer)
    with pytest.raises(LedgerError):
        register_import_header(
            register_import=register_import, by=city_officer, header_row=2, columns=columns
        )
    register_import.refresh_from_db()
    assert register_import.header_row is None and register_import.status == RegisterImport.Status.UPLOADED


def test_the_register_remembers_the_matching_and_its_next_file_is_read_without_asking(city_officer):
    first = upload(city_officer)
    first = register_import_header(register_import=first, by=city_officer, header_row=2, columns=COLUMNS)
    register_import_apply(register_import=first, by=city_officer)
    assert RegisterSource.objects.get(name="市场监管局名录").mapping == {
        "企业全称": "name", "注册地": "district", "代码": "", "人数": "employees", "类型": "unit_type", "列F": "",
    }  # fmt: skip

    later = REGISTER.replace("乌海市甲商贸有限公司".encode(), "乌海市丙商贸有限公司".encode())
    second = upload(city_officer, later)
    assert second.status == RegisterImport.Status.PREVIEWED  # the header was found by the remembered names
    assert second.summary["table"]["remembered"] == ["企业全称", "注册地", "人数", "类型"]
    assert second.summary["counts"]["new"] == 1

    other = upload(city_officer, later, source="另一份名录")  # another register does not know them
    assert other.status == RegisterImport.Status.UPLOADED


def test_the_page_shows_the_first_rows_and_takes_the_header_row_and_columns(client, city_officer):
    register_import = upload(city_officer)
    client.force_login(city_officer)
    url = reverse("branches:import_detail", args=[register_import.pk])
    page = client.get(url).text
    assert "哪一行是表头？" in page and "乌海市甲商贸有限公司" in page
    assert 'name="header_row"' in page and 'name="column_5"' in page
    assert '<option value="unit_type" selected>' in page  # 类型 is a known header: offered as the unit type

    refused = client.post(reverse("branches:import_header", args=[register_import.pk]), {"header_row": "2"})
    assert refused.status_code == 200 and "请选择哪一列是单位名称" in refused.text

    response = client.post(
        reverse("branches:import_header", args=[register_import.pk]),
        {"header_row": "2", "column_0": "name", "column_1": "district", "column_4": "unit_type"},
    )
    assert response.status_code == 302
    register_import.refresh_from_db()
    assert register_import.status == RegisterImport.Status.PREVIEWED and register_import.header_row == 2


def test_a_district_officer_cannot_point_at_the_header_of_a_city_import(
    client, city_officer, district_officer
):
    register_import = upload(city_officer)
    client.force_login(district_officer)
    response = client.post(reverse("branches:import_header", args=[register_import.pk]), {"header_row": "2"})
    assert response.status_code == 404


def test_the_upload_page_keeps_a_file_without_a_known_header(client, city_officer):
    client.force_login(city_officer)
    response = client.post(
        reverse("branches:import_upload"), {"source": "名录", "file": SimpleUploadedFile("a.csv", REGISTER)}
    )
    assert response.status_code == 302
    assert RegisterImport.objects.get().summary["table"]["needs_header"] is True
