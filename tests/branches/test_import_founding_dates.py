"""Organisations carry the date they were founded or registered: read from a register's 成立日期 (or 登记日期 …)
in the spellings registers use, shown on the organisation's page, edited on its form."""

from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation

from branches.models import Organisation
from branches.registers import parse_date
from branches.services.imports import reason_text, register_import_apply, register_import_upload
from tests.branches.factories import OrganisationFactory


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True, params=["one batch", "a batch a row"])
def _batches(request, monkeypatch):
    if request.param == "a batch a row":
        monkeypatch.setattr("branches.services.imports.classify.LOOKUP_BATCH", 1)
        monkeypatch.setattr("branches.services.imports.pgcopy.LOOKUP_BATCH", 1)


def upload(user, data: bytes, name: str = "register.csv"):
    return register_import_upload(by=user, data=data, file_name=name, source_name="市场监管局名录")


@pytest.mark.parametrize(
    "text",
    ["2019年3月5日", "2019年03月05日", "2019-03-05", "2019/3/5", "2019.3.5", "20190305", "2019-03-05 00:00:00",
     "2019-03-05T09:30:00", "43529", "２０１９年３月５日"],
)  # fmt: skip
def test_the_usual_spellings_of_a_date_are_read(text):
    assert parse_date(text) == dt.date(2019, 3, 5)


@pytest.mark.parametrize("text", ["2019-02-30", "2019年3月", "去年", "1899-12-31", "2999-01-01", "3/5/2019"])
def test_what_is_not_a_founding_date_is_refused(text):
    with pytest.raises(ValueError):
        parse_date(text)


@pytest.mark.parametrize("header", ["成立日期", "登记日期", "注册日期", "成立时间"])
def test_a_register_founding_date_reaches_the_ledger(city_officer, header):
    data = f"单位名称,所属区,单位类型,{header}\n乌海市甲协会,海勃湾区,社会团体,2019年3月5日\n".encode()
    register_import = upload(city_officer, data)
    register_import_apply(register_import=register_import, by=city_officer)

    organisation = Organisation.objects.get(name="乌海市甲协会")
    assert organisation.founded_on == dt.date(2019, 3, 5)
    assert organisation.value_sources["founded_on"]["source"] == "市场监管局名录"
    assert organisation.history.first().founded_on == dt.date(2019, 3, 5)


def test_excel_date_cells_are_read_as_dates(city_officer):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["单位名称", "所属区", "单位类型", "登记日期"])
    sheet.append(["乌海市乙协会", "海勃湾区", "社会团体", dt.date(2018, 11, 20)])
    sheet.append(["乌海市丙协会", "海勃湾区", "社会团体", dt.datetime(2020, 1, 2, 8, 30)])  # noqa: DTZ001
    buffer = io.BytesIO()
    workbook.save(buffer)
    register_import = upload(city_officer, buffer.getvalue(), "名录.xlsx")
    register_import_apply(register_import=register_import, by=city_officer)

    founded = dict(Organisation.objects.values_list("name", "founded_on"))
    assert founded == {"乌海市乙协会": dt.date(2018, 11, 20), "乌海市丙协会": dt.date(2020, 1, 2)}


def test_an_unreadable_date_is_left_empty_and_the_row_kept(city_officer):
    data = "单位名称,所属区,单位类型,成立日期\n乌海市丁协会,海勃湾区,社会团体,去年春天\n".encode()
    row = upload(city_officer, data).summary["rows"][0]
    assert row["s"] == "new"
    with translation.override("zh-hans"):
        assert [reason_text(entry) for entry in row["w"]] == ["“成立日期”不是日期（“去年春天”），已留空。"]


def test_a_record_gains_its_founding_date_and_the_preview_shows_it(city_officer):
    record = OrganisationFactory(name="乌海市戊公司", founded_on=None)
    data = "单位名称,所属区,单位类型,成立日期\n乌海市戊公司,海勃湾区,民营企业,2015/6/1\n".encode()
    register_import = upload(city_officer, data)
    row = register_import.summary["rows"][0]
    assert row["s"] == "update" and row["d"] == {"founded_on": [None, "2015-06-01"]}

    register_import_apply(register_import=register_import, by=city_officer)
    record.refresh_from_db()
    assert record.founded_on == dt.date(2015, 6, 1)


def test_the_founding_date_is_shown_and_edited_on_the_organisation_pages(client, city_officer):
    organisation = OrganisationFactory(name="乌海市己协会", founded_on=dt.date(2016, 8, 8))
    client.force_login(city_officer)
    page = client.get(reverse("branches:organisation_detail", args=[organisation.pk])).text
    assert "成立（登记）日期" in page and "2016-08-08" in page

    url = reverse("branches:organisation_edit", args=[organisation.pk])
    form = client.get(url).text
    assert 'name="founded_on"' in form and 'value="2016-08-08"' in form
    seen = re.search(r'name="seen" value="([^"]+)"', form).group(1)
    saved = client.post(
        url,
        {"name": organisation.name, "field": organisation.field, "unit_type": organisation.unit_type,
         "region": organisation.region_id, "employees": "120", "women": "60", "in_scope": "on", "seen": seen,
         "founded_on": "2017-09-09"},
    )  # fmt: skip
    assert saved.status_code == 302
    organisation.refresh_from_db()
    assert organisation.founded_on == dt.date(2017, 9, 9)
