"""Merging two records that each have a women's organisation and a liaison: the page counts what hangs on each,
asks which women's organisation and which liaison are kept, and moves the rest, on a desktop and a 390 px
phone."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from branches.models import Branch, ContactLog, Liaison
from branches.services.branches import branch_create
from branches.services.contacts import contact_add, liaison_add
from tests.branches.factories import OrganisationFactory
from tests.browser.conftest import assert_fits_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_merge_page_asks_which_womens_organisation_and_liaison_are_kept(
    page, sign_in_as, district_officer, live_server, shoot, viewport
):
    officer = district_officer
    keep = OrganisationFactory(name="乌海市巾帼家政服务中心")
    duplicate = OrganisationFactory(name="乌海市巾帼家政服务中心（原）")
    for organisation, liaison, branch in (
        (keep, "王芳", ("巾帼家政服务中心妇委会", "committee")),
        (duplicate, "李娜", ("巾帼家政服务中心妇联", "federation")),
    ):
        liaison_add(
            by=officer,
            organisation=organisation,
            name=liaison,
            post="办公室主任",
            mobile="13904731234",
            consent=True,
        )
        contact_add(
            by=officer,
            organisation=organisation,
            contacted_on=timezone.localdate(),
            channel="phone",
            summary="电话联系",
        )
        branch_create(by=officer, organisation=organisation, data={"name": branch[0], "form": branch[1]})
    sign_in_as(officer)
    page.goto(f"{live_server.url}/ledger/organisations/{keep.pk}/merge/?other={duplicate.pk}")
    expect(page.locator("legend", has_text="保留哪一个")).to_be_visible()
    expect(page.locator("legend", has_text="保留哪一位")).to_be_visible()
    assert page.locator("input[name=keep_branch]").count() == 2
    assert page.locator("input[name=keep_liaison]").count() == 2
    assert_fits_width(page)
    shoot("organisation-merge-choices")

    federation = Branch.objects.get(name="巾帼家政服务中心妇联")
    page.check(f"#keep-branch-{federation.pk}")
    page.check(f"#keep-liaison-{next(item for item in Liaison.objects.all() if item.name == '王芳').pk}")
    page.click("form button[type=submit]:has-text('合并')")
    page.wait_for_load_state("networkidle")
    expect(page.locator("h1")).to_have_text(keep.name)
    expect(page.locator("main")).to_contain_text("巾帼家政服务中心妇联")
    assert set(ContactLog.objects.values_list("organisation_id", flat=True)) == {keep.pk}
    assert list(Liaison.objects.filter(active=True).values_list("name", flat=True)) == ["王芳"]
    assert Branch.objects.get(name="巾帼家政服务中心妇委会").dissolved_on == timezone.localdate()
