"""The week's reminders page and a portal step's reminder line, on a desktop and a 390 px phone; on the phone
the unread count shows without opening the menu."""

import datetime as dt

import pytest
import time_machine
from playwright.sync_api import expect

from federation.models import Notification
from tests.branches.test_reminders_upcoming import MONDAY, SHANGHAI
from tests.branches.test_reminders_upcoming import week as week  # noqa: F401 (the fixture)
from tests.browser.conftest import BOTH_VIEWPORTS, assert_fits_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def monday_morning():
    with time_machine.travel(dt.datetime.combine(MONDAY, dt.time(8), tzinfo=SHANGHAI), tick=True):
        yield


def test_officer_reads_the_weeks_reminders(
    page, sign_in_as, live_server, week, monday_morning, shoot, viewport
):
    sign_in_as(week["officer"])
    page.goto(f"{live_server.url}/ledger/reminders/upcoming/")
    expect(page.locator("h1")).to_have_text("本周提醒")
    expect(page.locator("main")).to_contain_text("回访已逾期（应于 2026-11-20 回访）")
    expect(page.locator("main")).to_contain_text("将于 2026-12-06 截止")
    assert page.locator("main section.card").count() >= 4  # Monday, Tuesday, Thursday, Friday
    assert_fits_width(page)
    shoot("reminders-upcoming")
    page.goto(f"{live_server.url}/")
    expect(page.locator("#late-contacts-title")).to_have_text("我的逾期联系")
    expect(page.locator("main")).to_contain_text("约定走访")  # the follow-up overdue since 20 November
    assert_fits_width(page)
    shoot("staff-home-overdue-contacts")


@BOTH_VIEWPORTS
def test_liaison_sees_when_a_step_will_be_reminded_and_the_unread_count(
    page, sign_in_as, live_server, week, world, shoot, viewport
):
    with time_machine.travel(dt.datetime.combine(MONDAY, dt.time(10), tzinfo=SHANGHAI), tick=True):
        Notification.objects.create(
            recipient=world["people"]["liaison"], kind="question.answered", title="您的问题已答复", body="……"
        )
        sign_in_as(world["people"]["liaison"])
        page.goto(f"{live_server.url}/portal/steps/{week['step'].pk}/")
        expect(page.locator(".step-reminder")).to_contain_text("截止日期前 3 天（12月3日）会提醒您。")
        assert_fits_width(page)
        shoot("portal-step-reminder")
        if viewport == "phone":
            bell = page.locator(".nav-inbox-phone")
            expect(bell).to_be_visible()
            expect(bell.locator(".badge")).to_have_text("1")
            expect(page.locator("#main-nav")).not_to_be_visible()  # the menu stays closed
        else:
            expect(page.locator(".nav-inbox-phone")).to_be_hidden()
