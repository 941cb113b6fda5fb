"""The navigation bar: entries a user may use, a group's entries gathered into one menu."""

from django.test import RequestFactory

from federation.context_processors import navigation


def _bar(user, path="/staff/"):
    request = RequestFactory().get(path)
    request.user = user
    return navigation(request)["nav_items"]


def test_staff_see_the_ledger_and_formation_as_menus_with_the_current_page_marked(people, world):
    bar = _bar(people["district_officer"], "/ledger/organisations/")
    menus = {str(item["label"]): item for item in bar if "children" in item}
    ledger = next(
        item for item in bar if any(c["url"] == "/ledger/organisations/" for c in item.get("children", ()))
    )
    assert ledger["active"] and [c["url"] for c in ledger["children"]][0] == "/ledger/organisations/"
    assert any(c["url"] == "/formation/review/" for menu in menus.values() for c in menu["children"])
    assert all("children" not in item or len(item["children"]) > 1 for item in bar)


def test_a_group_with_one_entry_the_user_may_use_shows_it_alone(people):
    bar = _bar(people["liaison"], "/my/")
    urls = [item["url"] for item in bar]
    assert "/questions/faq/" in urls  # the only entry of its group a contact may use
    assert not any("children" in item for item in bar)
    assert not any(url.startswith("/ledger/") for url in urls)
