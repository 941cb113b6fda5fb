"""Browser-test helpers: viewports, signing in through the real form, screenshots under var/screenshots/."""

from pathlib import Path

import pytest

SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "var" / "screenshots"
VIEWPORTS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 390, "height": 844}}


# A browser test runs at a desktop's width; one that looks at the phone's layout (its menu, a liaison's page, a
# screenshot people read) runs at both. assert_fits_width measures a desktop's page at a phone's width as well.
BOTH_VIEWPORTS = pytest.mark.parametrize("viewport", list(VIEWPORTS), indirect=True)


@pytest.fixture(params=["desktop"])
def viewport(request, page):
    page.set_viewport_size(VIEWPORTS[request.param])
    return request.param


@pytest.fixture
def shoot(page, viewport):
    """Save a full-page screenshot named after what it shows and the viewport."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(name: str) -> Path:
        path = SCREENSHOTS / f"{name}-{viewport}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def sign_in_as(page, live_server, settings):
    def sign_in(user):
        page.goto(f"{live_server.url}/accounts/login/")
        page.fill("input[name=username]", user.username)
        page.fill("input[name=password]", settings.DEMO_PASSWORD)
        page.click("main form button[type=submit]")
        page.wait_for_load_state("networkidle")

    return sign_in


def assert_fits_width(page):
    """Nothing on the page makes it scroll sideways, at its width and, when wider, at a phone's."""
    size = page.viewport_size
    _assert_no_overflow(page, size)
    phone = VIEWPORTS["phone"]
    if size and size["width"] > phone["width"]:
        page.set_viewport_size(phone)
        try:
            _assert_no_overflow(page, phone)
        finally:
            page.set_viewport_size(size)


def _assert_no_overflow(page, size):
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 1, f"page is {overflow}px wider than the viewport ({size})"
