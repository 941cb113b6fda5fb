"""After a newer dataset release: the admin finds the retired divisions in the region list and the code change
to confirm in the operation log, on a desktop and a 390 px phone."""

import pytest

from tests.browser.conftest import assert_fits_width
from tests.federation.test_divisions import dataset_copy, load, newer_release

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_admin_finds_what_a_newer_release_retired_and_what_to_confirm(
    page, sign_in_as, admin_user, live_server, shoot, viewport, tmp_path
):
    release = dataset_copy(tmp_path / "release", "1503")
    load("150300", "--source", release)
    newer_release(release)
    load("150300", "--source", release)
    sign_in_as(admin_user)

    page.goto(f"{live_server.url}/admin/federation/region/?retired_on__isempty=0")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert "乌达经济开发区" in rows.first.inner_text()
    assert_fits_width(page)
    shoot("admin-regions-retired")

    page.goto(f"{live_server.url}/logs/operations/?action=division.code_change")
    text = page.locator("main").inner_text()
    assert "滨海街道" in text and "--confirm 150304012=150304013" in text
    assert_fits_width(page)
    shoot("operation-log-code-change")
