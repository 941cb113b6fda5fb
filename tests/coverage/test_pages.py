"""The pages: report, XLSX, the staff home panel, the job and the command, the query count."""

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from openpyxl import load_workbook

from branches.models import Organisation
from coverage.models import CoverageChange, SnapshotBatch
from coverage.services import snapshots_monthly
from federation.celery import app as celery_app
from federation.models import DisclosureLog
from tests.branches.factories import OrganisationFactory
from tests.coverage.conftest import _branch


def test_the_xlsx_report_has_the_same_figures_and_is_logged(small_world, client_as, city_officer):
    client = client_as(city_officer)
    response = client.get(reverse("coverage:report_export"), {"month": "2026-10"})
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    summary = list(workbook.worksheets[0].iter_rows(values_only=True))
    # title, headers, total: 7 counted, 4 covered, 57.1 %, 3 formed
    assert summary[2][:5] == ("合计", 7, 4, 57.1, 3) or summary[2][1:5] == (7, 4, 57.1, 3)
    assert len(workbook.sheetnames) == 8  # summary, field, category, district, street, stage, funnel, ledger
    ledger = list(workbook.worksheets[-1].iter_rows(values_only=True))
    assert len(ledger) == 1 + 7  # the header and the seven counted organisations
    log = DisclosureLog.objects.get()
    assert log.row_count == 7 and log.user == city_officer


def test_the_printable_report_shows_the_month(small_world, client_as, district_officer):
    response = client_as(district_officer).get(reverse("coverage:report"), {"month": "2026-10"})
    assert response.status_code == 200
    assert response.context["headline"].denominator == 6
    assert response.context["as_of"] == dt.date(2026, 10, 31)


def test_the_staff_home_shows_the_coverage_headline(small_world, client_as, district_officer):
    response = client_as(district_officer).get(reverse("federation:staff_home"))
    assert "coverage/_home_coverage.html" in [t.name for t in response.templates]


def test_the_monthly_job_is_idempotent(small_world):
    first = snapshots_monthly(today=dt.date(2026, 11, 28))
    assert first == {"2026-10-31": "computed", "2026-11-28": "computed"}
    batches = list(SnapshotBatch.objects.values_list("as_of", "computed_at"))
    assert snapshots_monthly(today=dt.date(2026, 11, 28)) == {"2026-10-31": "kept", "2026-11-28": "kept"}
    assert list(SnapshotBatch.objects.values_list("as_of", "computed_at")) == batches


def test_the_command_recomputes_a_past_month(small_world, capsys):
    call_command("coverage_snapshot", "--month", "2026-09")
    assert SnapshotBatch.objects.filter(as_of=dt.date(2026, 9, 30)).exists()


def _dashboard_queries(client, django_assert_max_num_queries, limit):
    client.get(reverse("coverage:dashboard"))  # computes today's figures once
    with django_assert_max_num_queries(limit) as captured:
        assert client.get(reverse("coverage:dashboard")).status_code == 200
    return len(captured)


@pytest.mark.parametrize("person", ["city_officer", "district_officer"])
def test_the_dashboards_queries_do_not_grow_with_the_data(
    small_world, client_as, request, person, django_assert_max_num_queries
):
    client = client_as(request.getfixturevalue(person))
    small = _dashboard_queries(client, django_assert_max_num_queries, 25)
    for number in range(40):
        host = OrganisationFactory(name=f"乌海市覆盖加测{number}", women=number % 7)
        if number % 3 == 0:
            _branch(host, established=dt.date(2026, 8, 1))
    assert _dashboard_queries(client, django_assert_max_num_queries, small) == small


def test_a_change_shows_on_the_dashboard_at_once_where_counting_is_quick(
    small_world, client_as, city_officer
):
    client = client_as(city_officer)
    assert client.get(reverse("coverage:dashboard")).context["headline"].covered == 4
    _branch(small_world["orgs"]["J"], established=dt.date(2026, 11, 20))
    response = client.get(reverse("coverage:dashboard"))
    assert response.context["headline"].covered == 5
    assert response.context["page"].current
    assert 'data-state="current"' in response.content.decode()
    assert not CoverageChange.objects.exists()  # the marks the change left were consumed with the count


@pytest.fixture
def slow_counting(settings):
    """Counting is slow here (a large installation): pages hand out-of-date figures to the worker."""
    settings.COVERAGE_INLINE_MS = 0


def test_a_page_hands_the_refresh_to_the_worker_and_says_how_old_its_figures_are(
    small_world, client_as, city_officer, settings, slow_counting, django_capture_on_commit_callbacks,
    monkeypatch,
):  # fmt: skip
    from coverage import tasks

    client = client_as(city_officer)
    client.get(reverse("coverage:dashboard"))  # the first figures ever: computed in the request, once
    computed = SnapshotBatch.objects.get().computed_at
    _branch(small_world["orgs"]["J"], established=dt.date(2026, 11, 20))
    celery_app.conf.task_always_eager = False  # a worker listens (put back after the test)
    sent = []
    monkeypatch.setattr(tasks.snapshot_refresh, "delay", sent.append)  # the broker is outside
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(reverse("coverage:dashboard"))
        client.get(reverse("federation:staff_home"))
        client.get(reverse("coverage:report"))
    assert sent == ["2026-11-28"]  # once for the change, however many pages ask
    html = response.content.decode()
    assert not response.context["page"].current and response.context["batch"].computed_at == computed
    assert 'data-state="refreshing"' in html and 'http-equiv="refresh"' in html
    assert "10:00" in html  # the time the figures shown were counted
    assert SnapshotBatch.objects.get().computed_at == computed

    # an export now would disagree with its own ledger sheet: refused, nothing disclosed
    export = client.get(reverse("coverage:report_export"), {"month": "2026-11"})
    assert export.status_code == 302 and not DisclosureLog.objects.exists()

    assert tasks.snapshot_refresh("2026-11-28") == "computed"  # what the worker runs
    response = client.get(reverse("coverage:dashboard"))
    assert response.context["page"].current and response.context["headline"].covered == 5


def test_without_a_worker_slow_figures_are_counted_when_someone_asks(
    small_world, client_as, city_officer, slow_counting
):
    client = client_as(city_officer)
    client.get(reverse("coverage:dashboard"))
    _branch(small_world["orgs"]["J"], established=dt.date(2026, 11, 20))
    response = client.get(reverse("coverage:dashboard"))
    assert 'data-state="stale"' in response.content.decode()
    assert not response.context["page"].current
    refreshed = client.post(reverse("coverage:refresh"), {"as_of": "2026-11-28", "back": "dashboard"})
    assert refreshed.status_code == 302 and refreshed["Location"].endswith("?as_of=2026-11-28")
    response = client.get(refreshed["Location"])
    assert response.context["page"].current and response.context["headline"].covered == 5
    assert client.post(reverse("coverage:refresh"), {"as_of": "nonsense"}).status_code == 302


def test_a_past_days_figures_are_counted_again_after_a_change(small_world, client_as, city_officer):
    client = client_as(city_officer)
    october = {"as_of": "2026-10-31"}
    assert client.get(reverse("coverage:dashboard"), october).context["headline"].denominator == 7
    # an organisation found to have women after all
    Organisation.objects.filter(pk=small_world["orgs"]["H"].pk).update(women=3)
    client.get(reverse("coverage:dashboard"))  # today's count consumes the change and flags October's
    assert SnapshotBatch.objects.get(as_of=dt.date(2026, 10, 31)).stale
    response = client.get(reverse("coverage:dashboard"), october)
    assert response.context["headline"].denominator == 8 and response.context["page"].current


def test_the_refresh_task_recomputes_only_what_changed(small_world):
    from coverage.tasks import snapshot_refresh

    assert snapshot_refresh() == "computed"
    assert snapshot_refresh() == "kept"
    _branch(small_world["orgs"]["J"], established=dt.date(2026, 11, 20))
    assert snapshot_refresh() == "computed"
    assert snapshot_refresh() == "kept"


def test_a_drilled_down_ledger_shows_what_it_is_filtered_by(small_world, client_as, city_officer):
    response = client_as(city_officer).get(
        reverse("branches:organisation_list"),
        {"status": "all", "as_of": "2026-10-31", "coverage": "covered", "stage": "established"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "2026-10-31" in html and 'name="as_of"' in html
    assert '<option value="covered" selected>' in html
    assert '<option value="established" selected>' in html
    assert "?status=all&amp;coverage=covered&amp;stage=established" in html  # the link back to today
    bad = client_as(city_officer).get(reverse("branches:organisation_list"), {"as_of": "2026-99-99"})
    assert bad.status_code == 200 and 'name="as_of"' not in bad.content.decode()
