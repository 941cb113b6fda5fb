"""The browser helpers of tests/browser serve the security tests too."""

from tests.browser.conftest import sign_in_as, viewport  # noqa: F401 (fixtures)
