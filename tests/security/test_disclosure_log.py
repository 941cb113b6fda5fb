"""The audit page of personal-data reveals and exports: filters, CSV download (itself recorded), query count."""

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from federation import audit
from federation.models import DisclosureLog
from federation.services import disclosure_record

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
LOG = reverse("federation:disclosure_log")
EXPORT = reverse("federation:disclosure_log_export")


def recorded(user, kind, what, at, **extra) -> DisclosureLog:
    entry = disclosure_record(user=user, kind=kind, what=what, **extra)
    with audit.maintenance():  # the log is append-only: backdating is the tests' own maintenance
        DisclosureLog.objects.filter(pk=entry.pk).update(at=at)
    return entry


@pytest.fixture
def log(city_officer, district_officer):
    """Three reveals and exports by two officers on 9, 10 (late evening, Beijing time) and 11 November."""
    return {
        "early": recorded(city_officer, "reveal", "联系人手机号 早", dt.datetime(2026, 11, 9, 9, tzinfo=SHANGHAI)),
        "late": recorded(
            district_officer, "export", "台账导出 晚", dt.datetime(2026, 11, 10, 23, 30, tzinfo=SHANGHAI),
            params={"q": "化工"}, row_count=12,
        ),
        "next": recorded(city_officer, "export", "台账导出 次日", dt.datetime(2026, 11, 11, 8, tzinfo=SHANGHAI)),
    }  # fmt: skip


def shown(response) -> set[str]:
    return {entry.what for entry in response.context["page"]}


def test_admin_filters_the_log_by_person_kind_and_days(client_as, admin_user, city_officer, log):
    client = client_as(admin_user)
    assert shown(client.get(LOG)) == {"联系人手机号 早", "台账导出 晚", "台账导出 次日"}
    assert shown(client.get(LOG, {"person": city_officer.pk})) == {"联系人手机号 早", "台账导出 次日"}
    assert shown(client.get(LOG, {"kind": "export"})) == {"台账导出 晚", "台账导出 次日"}
    # days are Beijing days, both ends included: 23:30 on the 10th belongs to the 10th
    assert shown(client.get(LOG, {"date_from": "2026-11-10", "date_to": "2026-11-10"})) == {"台账导出 晚"}
    assert shown(client.get(LOG, {"date_from": "2026-11-11"})) == {"台账导出 次日"}
    both = client.get(LOG, {"person": city_officer.pk, "kind": "export", "date_to": "2026-11-30"})
    assert shown(both) == {"台账导出 次日"}
    page = both.content.decode()
    assert f'<option value="{city_officer.pk}" selected>' in page and 'value="2026-11-30"' in page


def test_a_malformed_day_is_explained_and_the_other_filters_still_apply(client_as, admin_user, log):
    response = client_as(admin_user).get(LOG, {"date_from": "11/10/2026", "kind": "reveal"})
    assert response.status_code == 200
    assert response.context["form"].errors["date_from"]
    assert shown(response) == {"联系人手机号 早"}


def test_the_csv_holds_the_filtered_entries_and_its_download_is_recorded(
    client_as, admin_user, district_officer, log
):
    response = client_as(admin_user).get(EXPORT, {"person": district_officer.pk, "date_from": "2026-11-10"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment;")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert header[:5] == ["时间", "操作人", "单位", "类型", "内容"]
    assert len(rows) == 1
    assert rows[0][0] == "2026-11-10 23:30:00" and rows[0][4] == "台账导出 晚"
    assert rows[0][5] == "12" and rows[0][6] == "q=化工"
    download = DisclosureLog.objects.get(user=admin_user)
    assert download.kind == "export" and download.row_count == 1
    assert download.params == {"person": str(district_officer), "date_from": "2026-11-10"}


def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_defused(client_as, admin_user, city_officer):
    recorded(
        city_officer, "export", '=HYPERLINK("http://example.org")', dt.datetime(2026, 11, 9, tzinfo=SHANGHAI)
    )
    text = b"".join(client_as(admin_user).get(EXPORT).streaming_content).decode("utf-8")
    assert "'=HYPERLINK" in text


def test_only_admins_download_the_log_and_a_refusal_records_nothing(client_as, city_officer, log):
    assert client_as(city_officer).get(EXPORT).status_code == 403
    assert DisclosureLog.objects.count() == 3


@pytest.mark.parametrize("entries", [5, 50])
def test_the_page_costs_the_same_queries_with_5_or_50_entries(
    client_as, admin_user, city_officer, district_officer, entries, django_assert_max_num_queries
):
    for n in range(entries):
        disclosure_record(user=[city_officer, district_officer][n % 2], kind="reveal", what=f"手机号{n}")
    client = client_as(admin_user)
    client.get(LOG)  # the session and the navigation are loaded once, as on any later page
    with django_assert_max_num_queries(7):
        response = client.get(LOG, {"kind": "reveal", "date_to": "2099-12-31"})
    assert len(response.context["page"]) == entries
