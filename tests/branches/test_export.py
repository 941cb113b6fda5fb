"""Ledger export: the list's filters, XLSX and CSV, no formula injection, masked mobiles, every export on record."""

import csv
import datetime as dt
import io
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from branches.models import Branch, BranchKind, BranchMember, Liaison, SanxinField, Stage, Way
from branches.selectors import organisations_for
from branches.services.exports import LEDGER_COLUMNS, cell_neutralise
from federation.models import DisclosureLog, Region
from tests.branches.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

URL = reverse("branches:organisation_export")
HEADERS = [
    "序号", "单位名称", "统一社会信用代码", "三新领域", "单位类型", "行业", "所属区", "街道（乡镇）", "职工数",
    "女职工数", "是否建立党组织", "是否建立工会", "组织形式", "组建方式", "阶段", "成立时间", "批复文号",
    "联系人", "联系电话", "执委人数", "届次", "届满时间", "活动", "成立（登记）日期",
]  # fmt: skip
MOBILE = "13947301234"


def wuda_street():
    return Region.objects.get(code="150304002")  # 三道坎街道, 乌达区


def csv_rows(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def xlsx_rows(response) -> list[list]:
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def by_name(rows: list[list], name: str) -> list:
    return next(row for row in rows[1:] if row[1] == name)


def test_the_layout_has_the_ledger_columns_in_order():
    assert len(LEDGER_COLUMNS) == len(HEADERS) == 24


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+86 139", "'+86 139"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("乌海市商会", "乌海市商会"),
        (42, 42),
    ],
)
def test_cell_neutralise_prefixes_formula_triggers_only(value, expected):
    assert cell_neutralise(value) == expected


def test_xlsx_export_has_the_header_row_and_writes_a_formula_name_as_text(client_as, city_officer):
    OrganisationFactory(name='=HYPERLINK("http://evil.example/","点我")', employees=10, women=3)
    OrganisationFactory(
        name="乌海市宏达化工有限公司",
        uscc="91150302MA01231035",
        party_org=True,
        founded_on=dt.date(2019, 3, 5),
    )
    response = client_as(city_officer).get(URL, {"format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook.active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert len(rows[0]) == 24 and rows[0][1] and rows[0][0]
    evil = next(row for row in sheet.iter_rows(min_row=2) if "HYPERLINK" in str(row[1].value))
    assert evil[1].data_type == "s"
    assert evil[1].value == '\'=HYPERLINK("http://evil.example/","点我")'
    hongda = by_name(rows, "乌海市宏达化工有限公司")
    assert hongda[2] == "91150302MA01231035"
    assert hongda[6] == "海勃湾区" and hongda[7] == "凤凰岭街道"
    assert hongda[8] == 120 and hongda[9] == 60  # counts stay numbers
    assert [row[0] for row in rows[1:]] == [1, 2]
    assert hongda[14] == str(Stage.SURVEYING.label)  # the organisation's own stage, with or without a branch
    # No women's organisation, no liaison, no register contact, no activities yet: the rest stays empty.
    assert all(value in (None, "") for number, value in enumerate(hongda[12:23], start=12) if number != 14)
    assert hongda[23] == dt.datetime(2019, 3, 5)  # noqa: DTZ001 - the founding date, a date cell


def test_headers_are_chinese_in_the_zh_hans_interface(client_as, city_officer):
    OrganisationFactory()
    rows = csv_rows(client_as(city_officer).get(URL, {"format": "csv"}))
    assert rows[0] == HEADERS


def test_csv_export_starts_with_the_bom_and_neutralises_formulas(client_as, city_officer):
    OrganisationFactory(name="=1+2", contact_name="@联系人")
    response = client_as(city_officer).get(URL, {"format": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = csv_rows(response)
    assert len(rows) == 2 and len(rows[0]) == 24
    assert rows[1][1] == "'=1+2" and rows[1][17] == "'@联系人"


def test_control_characters_that_xlsx_cannot_hold_are_dropped(client_as, city_officer):
    OrganisationFactory(name="乌海市\x01测试\x1f公司", industry="\x0b=1")
    rows = xlsx_rows(client_as(city_officer).get(URL, {"format": "XLSX"}))
    assert rows[1][1] == "乌海市测试公司" and rows[1][5] == "'=1"


def test_file_name_is_chinese_with_the_date_rfc_5987(client_as, city_officer):
    import time_machine

    with time_machine.travel("2026-11-28 10:00 +0800", tick=False):
        response = client_as(city_officer).get(URL, {"format": "xlsx"})
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename*=utf-8''")
    assert quote("乌海市") in disposition and disposition.endswith("_2026-11-28.xlsx")


def test_a_viewer_gets_masked_mobiles_even_asking_for_full_ones(client_as, city_viewer):
    OrganisationFactory(name="乌海市甲公司", contact_name="王丽", contact_mobile=MOBILE)
    rows = csv_rows(client_as(city_viewer).get(URL, {"format": "csv", "reveal": "1"}))
    assert by_name(rows, "乌海市甲公司")[18] == "139****1234"
    log = DisclosureLog.objects.get()
    assert log.kind == DisclosureLog.Kind.EXPORT and log.params["reveal"] == "0" and log.row_count == 1


def test_an_officer_gets_masked_mobiles_unless_asking(client_as, city_officer):
    OrganisationFactory(name="乌海市甲公司", contact_mobile=MOBILE)
    rows = xlsx_rows(client_as(city_officer).get(URL, {"format": "xlsx"}))
    assert by_name(rows, "乌海市甲公司")[18] == "139****1234"


def test_an_officer_asking_for_full_mobiles_gets_them_and_the_export_is_recorded(client_as, city_officer):
    OrganisationFactory(name="乌海市甲公司", contact_mobile=MOBILE, field=SanxinField.ECONOMIC)
    OrganisationFactory(name="乌海市乙公司", field=SanxinField.ECONOMIC)
    OrganisationFactory(name="乌海市丙协会", field=SanxinField.SOCIAL)
    haibowan = Region.objects.get(code="150302")
    response = client_as(city_officer).get(
        URL, {"format": "xlsx", "reveal": "1", "field": "economic", "district": haibowan.pk}
    )
    rows = xlsx_rows(response)
    assert by_name(rows, "乌海市甲公司")[18] == MOBILE
    assert {row[1] for row in rows[1:]} == {"乌海市甲公司", "乌海市乙公司"}
    log = DisclosureLog.objects.get()
    assert log.user == city_officer and log.unit == city_officer.unit
    assert log.kind == DisclosureLog.Kind.EXPORT and log.row_count == 2
    assert log.params == {"field": "economic", "district": "海勃湾区", "format": "xlsx", "reveal": "1"}
    assert log.at is not None


def test_every_export_is_recorded_even_with_masked_mobiles(client_as, city_officer):
    OrganisationFactory()
    client_as(city_officer).get(URL, {"format": "csv", "q": "测试"})
    log = DisclosureLog.objects.get()
    assert log.params == {"q": "测试", "format": "csv", "reveal": "0"} and log.row_count == 1


def test_a_district_officers_export_holds_only_their_district(client_as, district_officer):
    OrganisationFactory(name="海勃湾区的单位")
    OrganisationFactory(name="乌达区的单位", region=wuda_street())
    wuda = Region.objects.get(code="150304")
    for params in ({"format": "csv"}, {"format": "csv", "district": wuda.pk}):
        rows = csv_rows(client_as(district_officer).get(URL, params))
        assert [row[1] for row in rows[1:]] == ["海勃湾区的单位"]


def test_archived_organisations_follow_the_status_filter(client_as, city_officer):
    from django.utils import timezone

    OrganisationFactory(name="在册单位")
    OrganisationFactory(name="已归档单位", archived_at=timezone.now())
    assert [r[1] for r in csv_rows(client_as(city_officer).get(URL, {"format": "csv"}))[1:]] == ["在册单位"]
    rows = csv_rows(client_as(city_officer).get(URL, {"format": "csv", "status": "archived"}))
    assert [row[1] for row in rows[1:]] == ["已归档单位"]


def test_a_contact_is_refused(client_as, liaison):
    assert client_as(liaison).get(URL, {"format": "csv"}).status_code == 403
    assert not DisclosureLog.objects.exists()


def test_an_unknown_format_is_a_clear_400(client_as, city_officer):
    response = client_as(city_officer).get(URL, {"format": "pdf"})
    assert response.status_code == 400
    assert "pdf" in response.content.decode() and "csv" in response.content.decode()
    assert not DisclosureLog.objects.exists()


def test_post_is_refused(client_as, city_officer):
    assert client_as(city_officer).post(URL, {"format": "csv"}).status_code == 405


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_the_number_of_queries_does_not_grow_with_the_rows(
    client_as, city_officer, export_format, django_assert_max_num_queries
):
    client = client_as(city_officer)
    park = OrganisationFactory(field=SanxinField.SOCIAL)
    area = branch(park, "园区妇联", way=Way.AREA, members=[("园区主席", BranchMember.Post.CHAIR, MOBILE)])
    counts = []
    # the first request a process serves to an area also asks for the area's regions (then remembered)
    list(organisations_for(city_officer)[:1])
    for new_rows in (5, 195):  # 5 rows, then 200: with women's organisations, their members and liaisons
        for number in range(new_rows):
            organisation = OrganisationFactory(contact_mobile=MOBILE)
            area.covers.add(organisation)
            Liaison.objects.create(organisation=organisation, name=f"联络员{number}", mobile=MOBILE)
            if number % 2:
                branch(organisation, f"妇联{number}", established_on=dt.date(2024, 1, 1), members=[
                    ("主席", BranchMember.Post.CHAIR, MOBILE), ("委员", BranchMember.Post.EXECUTIVE, MOBILE)])  # fmt: skip
        with django_assert_max_num_queries(15), CaptureQueriesContext(connection) as queries:
            response = client.get(URL, {"format": export_format, "field": "economic", "reveal": "1"})
            content = b"".join(response.streaming_content)
        assert response.status_code == 200 and content
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert list(DisclosureLog.objects.order_by("id").values_list("row_count", flat=True)) == [5, 200]


# --- The women's-organisation columns -----------------------------------------------------------------

FORM, WAY, STAGE, ESTABLISHED, APPROVAL, PERSON, PHONE, SEATS, TERM, TERM_ENDS, ACTIVITIES = range(12, 23)


def branch(organisation, name, *, covers=(), members=(), **fields):
    """A women's organisation set up in `organisation`, covering it and `covers`, with (name, post, mobile)."""
    created = Branch.objects.create(
        name=name,
        organisation=organisation,
        region=organisation.region,
        **{"form": BranchKind.FEDERATION, **fields},
    )
    created.covers.set([organisation, *covers])
    for order, (member, post, mobile) in enumerate(members):
        BranchMember.objects.create(branch=created, name=member, post=post, mobile=mobile, order=order)
    return created


def test_an_organisation_shows_its_own_active_womens_organisation_and_its_chair(client_as, city_officer):
    park = OrganisationFactory(name="乌海市某产业园")
    company = OrganisationFactory(name="乌海市甲公司", stage=Stage.ESTABLISHED, contact_name="王丽",
                                  contact_mobile="13900000000")  # fmt: skip
    Liaison.objects.create(organisation=company, name="赵静", mobile="13811112222")
    branch(company, "甲公司妇联", way=Way.STANDALONE, established_on=dt.date(2024, 3, 8),
           approval_number="乌妇字〔2024〕12号", seats=7, term_number=2, term_ends_on=dt.date(2029, 3, 8),
           members=[("张敏", BranchMember.Post.VICE_CHAIR, "13700001111"),
                    ("李红", BranchMember.Post.CHAIR, MOBILE)])  # fmt: skip
    # An area-wide one set up later covers the company too: its own still comes first.
    branch(park, "产业园妇联", covers=[company], way=Way.AREA, established_on=dt.date(2025, 6, 1),
           members=[("孙芳", BranchMember.Post.CHAIR, "13600002222")])  # fmt: skip
    branch(company, "甲公司原妇委会", form=BranchKind.COMMITTEE, established_on=dt.date(2026, 1, 1),
           dissolved_on=dt.date(2026, 2, 1))  # fmt: skip

    rows = csv_rows(client_as(city_officer).get(URL, {"format": "csv"}))
    row = by_name(rows, "乌海市甲公司")
    assert row[FORM] == str(BranchKind.FEDERATION.label) and row[WAY] == str(Way.STANDALONE.label)
    assert row[STAGE] == str(Stage.ESTABLISHED.label)
    assert row[ESTABLISHED] == "2024-03-08" and row[APPROVAL] == "乌妇字〔2024〕12号"
    assert [row[SEATS], row[TERM], row[TERM_ENDS], row[ACTIVITIES]] == ["7", "2", "2029-03-08", ""]
    assert row[PERSON] == "李红" and row[PHONE] == "139****1234"  # the chair, not the liaison or the register
    park_row = by_name(rows, "乌海市某产业园")
    assert park_row[WAY] == str(Way.AREA.label) and park_row[PERSON] == "孙芳"


def test_a_covered_organisation_shows_the_most_recently_established_active_one(client_as, city_officer):
    company = OrganisationFactory(name="乌海市乙公司")
    for number, (way, established, dissolved) in enumerate([
        (Way.AREA, dt.date(2022, 5, 1), None),
        (Way.INDUSTRY, dt.date(2025, 5, 1), dt.date(2026, 1, 1)),  # the most recent, but dissolved
        (Way.JOINT, dt.date(2023, 5, 1), None),
        (Way.FALLBACK, None, None),
    ]):  # fmt: skip
        branch(OrganisationFactory(), f"联合妇联{number}", covers=[company], form=BranchKind.COMMITTEE, way=way,
               established_on=established, dissolved_on=dissolved)  # fmt: skip
    row = by_name(csv_rows(client_as(city_officer).get(URL, {"format": "csv"})), "乌海市乙公司")
    assert row[FORM] == str(BranchKind.COMMITTEE.label) and row[WAY] == str(Way.JOINT.label)
    assert row[ESTABLISHED] == "2023-05-01"


def test_the_contact_falls_back_from_the_head_to_a_liaison_to_the_register(client_as, city_officer):
    director = OrganisationFactory(name="有主任的单位")
    branch(director, "妇委会", form=BranchKind.COMMITTEE,
           members=[("钱委员", BranchMember.Post.EXECUTIVE, "13500000001"),
                    ("周主任", BranchMember.Post.DIRECTOR, "13500000002")])  # fmt: skip
    headless = OrganisationFactory(name="没有主席的单位", contact_name="登记人", contact_mobile="13500000009")
    branch(headless, "妇女小组", form=BranchKind.GROUP,
           members=[("吴委员", BranchMember.Post.EXECUTIVE, "13500000003")])  # fmt: skip
    Liaison.objects.create(organisation=headless, name="郑联络", mobile="13500000004", active=False)
    Liaison.objects.create(organisation=headless, name="冯联络", mobile="13500000005")
    Liaison.objects.create(organisation=headless, name="陈联络", mobile="13500000006")
    register = OrganisationFactory(
        name="只有登记联系人的单位", contact_name="登记人", contact_mobile="13500000007"
    )
    Liaison.objects.create(organisation=register, name="卫联络", mobile="13500000008", active=False)

    rows = csv_rows(client_as(city_officer).get(URL, {"format": "csv", "reveal": "1"}))
    assert by_name(rows, "有主任的单位")[PERSON : PHONE + 1] == ["周主任", "13500000002"]
    assert by_name(rows, "没有主席的单位")[PERSON : PHONE + 1] == [
        "冯联络",
        "13500000005",
    ]  # listed first on its page
    assert by_name(rows, "只有登记联系人的单位")[PERSON : PHONE + 1] == ["登记人", "13500000007"]
    masked = csv_rows(client_as(city_officer).get(URL, {"format": "csv"}))
    assert by_name(masked, "有主任的单位")[PHONE] == "135****0002"
    assert by_name(masked, "没有主席的单位")[PHONE] == "135****0005"


def test_xlsx_keeps_dates_and_counts_of_the_womens_organisation_typed(client_as, city_officer):
    company = OrganisationFactory(name="乌海市丙公司")
    branch(
        company, "丙公司妇联", established_on=dt.date(2024, 3, 8), seats=7, term_ends_on=dt.date(2029, 3, 8)
    )
    row = by_name(xlsx_rows(client_as(city_officer).get(URL, {"format": "xlsx"})), "乌海市丙公司")
    assert row[ESTABLISHED].date() == dt.date(2024, 3, 8) and row[TERM_ENDS].date() == dt.date(2029, 3, 8)
    assert row[SEATS] == 7 and row[TERM] == 1
    assert row[APPROVAL] is None and row[PERSON] is None  # empty texts stay empty cells
