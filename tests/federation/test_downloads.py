"""The helpers every download shares, and the log filters read through forms."""

import pytest
from django.http import HttpResponse
from django.urls import reverse

from federation.downloads import attachment, cell_neutralise
from federation.models import LoginEvent


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+86 138", "'+86 138"),
        ("-1", "'-1"),
        ("@cmd", "'@cmd"),
        ("\tx", "'\tx"),
        ("乌海市", "乌海市"),
        ("", ""),
        (-1, -1),
        (None, None),
    ],
)
def test_cell_neutralise_prefixes_texts_a_spreadsheet_would_run_and_leaves_the_rest(value, expected):
    assert cell_neutralise(value) == expected


def test_an_attachment_is_saved_under_its_name_and_kept_by_no_cache():
    response = attachment(HttpResponse(b"x"), "乌海市 服务.xlsx")
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"


def test_a_public_attachment_leaves_caching_alone():
    response = attachment(HttpResponse(b"x"), "template.xlsx", private=False)
    assert response["Content-Disposition"] == 'attachment; filename="template.xlsx"'
    assert not response.has_header("Cache-Control")


def test_the_personal_data_log_download_is_private_and_neutralises_formulas(client_as, admin_user):
    client = client_as(admin_user)
    client.get(reverse("federation:disclosure_log_export"))  # the first download is on record
    response = client.get(reverse("federation:disclosure_log_export"))
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"].startswith("attachment;")
    text = b"".join(response.streaming_content).decode()
    assert text.startswith("\ufeff") and len(text.splitlines()) == 2


def test_the_login_log_filters_by_outcome_and_ignores_an_unknown_one(client_as, admin_user):
    LoginEvent.objects.create(username="wrong-one", success=False)
    LoginEvent.objects.create(username="right-one", success=True)
    client = client_as(admin_user)
    failed = client.get(reverse("federation:login_log"), {"outcome": "failed"})
    assert [event.username for event in failed.context["page"]] == ["wrong-one"]
    assert failed.context["outcome"] == "failed"
    unknown = client.get(reverse("federation:login_log"), {"outcome": "maybe", "q": "one"})
    assert {event.username for event in unknown.context["page"]} == {"wrong-one", "right-one"}
    assert unknown.context["outcome"] == ""
