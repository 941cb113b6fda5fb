"""The ledger's search and list at scale: the bigram index changes no result, the total is capped, and a
page costs the same queries at any size. Run on SQLite and on PostgreSQL (DATABASE_URL): the results must be
the same on both."""

import importlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from branches import selectors
from branches.models import Organisation
from branches.names import name_normalise, query_grams, search_grams
from branches.selectors import USCC_PREFIX, organisation_search, search_condition
from branches.services.organisations import organisation_update
from federation.identifiers import uscc_normalise
from tests.branches.factories import OrganisationFactory

pytestmark = pytest.mark.django_db

QUERIES = [
    "商会",  # two Chinese characters: the common search
    "商會",  # traditional
    "海市",
    "乌海市总商会",
    "会",  # one character: `contains` alone
    "whsax",  # pinyin initials, a prefix of whsaxxh
    "ＷＨＳＡＸ",  # full-width, upper case
    "sh",
    "91150302",  # a credit code's prefix
    "9115",
    "青年商会",  # a former name
    "xh|乌海",  # across two names of one organisation: matched today, so matched still
    "协会 乌",  # spaces are dropped by normalisation
    "无此组织",
]


@pytest.fixture
def ledger(wuhai, city_officer):
    OrganisationFactory(name="乌海市爱心协会", uscc="")
    OrganisationFactory(name="乌海市总商会", uscc="51150302MJY000001A")
    OrganisationFactory(name="海勃湾区工商联商会", uscc="51150302MJY000002B")
    OrganisationFactory(name="烏海市茶葉商會", uscc="91150303MA0000003C")
    OrganisationFactory(name="乌海市会展中心有限公司", uscc="91150302MA0000004D")
    OrganisationFactory(name="Wuhai SH Trading 有限公司", uscc="")
    renamed = OrganisationFactory(name="乌海市青年商会", uscc="")
    organisation_update(organisation=renamed, by=city_officer, data={"name": "乌海市青年创业协会"})


def expected(query: str) -> set[str]:
    """The rule the search answers, in plain Python: the search text contains the normalised query, or the
    credit code starts with the query's code."""
    normalised, code = name_normalise(query.strip()), uscc_normalise(query.strip())
    return {
        o.name
        for o in Organisation.objects.all()
        if (normalised and normalised in o.search_text)
        or (USCC_PREFIX.match(code) and o.uscc.startswith(code))
    }


@pytest.mark.parametrize("query", QUERIES)
def test_search_finds_exactly_what_contains_finds(ledger, city_officer, query):
    found = set(organisation_search(user=city_officer, filters={"q": query}).values_list("name", flat=True))
    assert found == expected(query)


def test_the_examples_find_what_a_person_expects(ledger, city_officer):
    def names(query):
        return set(
            organisation_search(user=city_officer, filters={"q": query}).values_list("name", flat=True)
        )

    assert names("商会") == {"乌海市总商会", "海勃湾区工商联商会", "烏海市茶葉商會", "乌海市青年创业协会"}
    assert names("商會") == names("商会")
    assert names("whsax") == {"乌海市爱心协会"}
    assert names("青年商会") == {"乌海市青年创业协会"}
    assert names("91150302") == {"乌海市会展中心有限公司"}
    assert len(names("会")) == 6  # all but the one with an English name


def test_postgresql_narrows_by_the_bigram_index_and_sqlite_by_contains(city_officer):
    sql = str(Organisation.objects.filter(search_condition("商会")).query)
    assert ("string_to_array" in sql) == (connection.vendor == "postgresql")
    assert "LIKE" in sql.upper()  # the exact condition stays, whatever narrowed the rows first
    assert "string_to_array" not in str(Organisation.objects.filter(search_condition("会")).query)


def test_bigrams_cover_names_former_names_and_initials_but_not_separators():
    grams = search_grams("乌海市爱心协会 whsaxxh|乌海市青年商会 whsqnsh").split(" ")
    assert {"乌海", "商会", "wh", "xx", "qn"} <= set(grams)
    assert not any(" " in gram or "|" in gram for gram in grams) and len(grams) == len(set(grams))
    assert query_grams("商会") == ["商会"] and query_grams("会") == []
    assert query_grams("xh|乌海") == []  # may match across two names: `contains` alone answers


def test_the_migration_fills_bigrams_as_the_services_do():
    migration = importlib.import_module("branches.migrations.0005_search_indexes")
    for text in ["乌海市爱心协会 whsaxxh|乌海市青年商会 whsqnsh", "a b", "", "会 h"]:
        assert migration._search_grams(text) == search_grams(text)


def test_services_keep_the_bigrams_of_the_name_and_former_names(ledger):
    organisation = Organisation.objects.get(name="乌海市青年创业协会")
    assert organisation.search_grams == search_grams(organisation.search_text)
    assert {"商会", "创业"} <= set(organisation.search_grams.split(" "))


def shown(msgid: str, **params) -> str:
    """One of the page's own strings as the page shows it (in the default language)."""
    with translation.override("zh-hans"):
        return escape(translation.gettext(msgid) % params)


def test_the_total_stops_counting_past_the_cap(client, ledger, city_officer, monkeypatch):
    monkeypatch.setattr(selectors, "TOTAL_CAP", 5)
    client.force_login(city_officer)
    response = client.get(reverse("branches:organisation_list"))
    assert response.context["total"] == 5 and response.context["total_capped"]
    assert shown("More than %(count)s organisations", count="5") in response.content.decode()
    exact = client.get(reverse("branches:organisation_list"), {"q": "商会"})
    assert exact.context["total"] == 4 and not exact.context["total_capped"]


def test_the_total_is_right_on_an_empty_page_past_the_end(client, ledger, city_officer):
    client.force_login(city_officer)
    last = client.get(reverse("branches:organisation_list"), {"q": "商会"}).context["page"].last_pk
    response = client.get(reverse("branches:organisation_list"), {"q": "商会", "after": last})
    assert response.context["page"].rows == [] and response.context["total"] == 4


def test_nothing_found_says_none(client, ledger, city_officer):
    client.force_login(city_officer)
    response = client.get(reverse("branches:organisation_list"), {"q": "无此组织"})
    assert response.context["total"] == 0 and not response.context["total_capped"]


@pytest.mark.parametrize(
    "params",
    [{}, {"q": "企业"}, {"q": "企"}, {"last": "1"}, {"q": "企业", "sort": "-women"}, {"not_in_latest": "on"}],
)
def test_a_page_costs_the_same_queries_with_10_or_300_organisations(client, city_officer, params):
    client.force_login(city_officer)
    url = reverse("branches:organisation_list")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url, params).status_code == 200
        return len(captured)

    for n in range(10):
        OrganisationFactory(name=f"乌海市第{n:03d}号企业有限公司")
    queries()  # the first page a process serves to an area also asks for the area's regions (then remembered)
    few = queries()
    for n in range(10, 300):
        OrganisationFactory(name=f"乌海市第{n:03d}号企业有限公司")
    assert queries() == few <= 9


# --- register imports write organisations in bulk: the bigrams must follow -----------------------------------

IMPORT_HEADER = "单位名称,统一社会信用代码,所属区,街道,类别,单位类型"
CODE = "91150302MA0000001H"  # made up, passes the check


def imported(city_officer, name: str) -> Organisation:
    from branches.services.imports import register_import_run

    data = f"{IMPORT_HEADER}\n{name},{CODE},海勃湾区,,,社会团体\n".encode()
    register_import_run(by=city_officer, data=data, file_name="r.csv", source_name="名录", dry_run=False)
    return Organisation.objects.get(uscc=CODE)


def test_an_imported_organisation_is_found_by_its_bigrams(city_officer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    organisation = imported(city_officer, "乌海市青年商会")
    assert organisation.search_grams == search_grams(organisation.search_text) != ""
    assert list(organisation_search(user=city_officer, filters={"q": "商会"})) == [organisation]


def test_an_organisation_renamed_by_an_import_is_found_by_its_new_name(city_officer, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    imported(city_officer, "乌海市青年商会")
    organisation = imported(city_officer, "乌海市青年创业协会")
    assert organisation.former_names == ["乌海市青年商会"]
    assert organisation.search_grams == search_grams(organisation.search_text)
    assert list(organisation_search(user=city_officer, filters={"q": "创业"})) == [organisation]
