"""Every coverage figure of the small world (tests/coverage/conftest.py), counted on paper in the comments."""

import datetime as dt

from django.urls import reverse

from coverage.models import SnapshotBatch
from coverage.selectors import dashboard_figures
from coverage.services import snapshot_compute, snapshot_refresh
from tests.coverage.conftest import SHANGHAI

OCT_31 = dt.date(2026, 10, 31)


def _by(lines, label):
    return next(figure for figure in lines if str(figure.label) == label)


def test_figures_as_of_the_end_of_october(small_world, city_officer):
    figures = dashboard_figures(city_officer, snapshot_compute(as_of=OCT_31))
    headline = figures["headline"]
    # Counted: A B C D E I J = 7 (F archived on 10-15, G out of scope, H has no women).
    assert headline.denominator == 7
    # Covered: A (its own), B C D (the industry-wide one); E's was dissolved on 09-30.
    assert headline.covered == 4
    assert headline.rate == 57.1
    # Formed: A's, B's industry-wide one (counts once), G's (its host is out of scope but still a unit) = 3;
    # E's is dissolved, F's host is archived.
    assert headline.formed == 3
    # Party organisations among the counted: A, I, J; of those covered: A.
    assert (headline.party, headline.party_covered, headline.party_rate) == (3, 1, 33.3)
    # Contact cadence: J was due on 10-01; the six others have none due or due later.
    assert headline.contact_kept == 6
    # J's question, asked on 10-05, is open.
    assert headline.open_questions == 1
    assert headline.overdue_steps == 0
    stages = {stage["stage"]: stage["count"] for stage in figures["stages"]}
    # enhancing A; established B C D; surveying E I; liaison named J.
    assert stages == {
        "surveying": 2,
        "liaison_named": 1,
        "preparing": 0,
        "established": 3,
        "consolidating": 0,
        "enhancing": 1,
        "term_due": 0,
    }
    economic = next(f for f in figures["by_field"] if f.params["field"] == "economic")
    employment = next(f for f in figures["by_field"] if f.params["field"] == "employment")
    assert (economic.denominator, economic.covered) == (4, 1)  # A E I J; A
    assert (employment.denominator, employment.covered, employment.rate) == (3, 3, 100.0)
    assert (figures["by_district"][0].label, figures["by_district"][0].denominator) == ("海勃湾区", 6)
    assert (figures["by_district"][1].label, figures["by_district"][1].covered) == ("乌达区", 0)
    category = _by(figures["by_category"], small_world["top100"].name)
    assert (category.denominator, category.covered) == (1, 1)  # A only
    street = _by(figures["by_street"], "凤凰岭街道")
    assert (street.denominator, street.covered) == (6, 4)


def test_an_organisation_archived_mid_month_counts_before_its_closing_day(small_world, city_officer):
    figures = dashboard_figures(city_officer, snapshot_compute(as_of=dt.date(2026, 10, 14)))
    # F is still in the ledger on 10-14 and covered by its own branch: 8 counted, A B C D F covered.
    assert (figures["headline"].denominator, figures["headline"].covered) == (8, 5)
    # and before E's branch was dissolved (09-30), E is covered too.
    figures = dashboard_figures(city_officer, snapshot_compute(as_of=dt.date(2026, 9, 15)))
    assert (figures["headline"].denominator, figures["headline"].covered) == (8, 6)
    # before B's industry-wide federation (05-01): A E F covered only.
    figures = dashboard_figures(city_officer, snapshot_compute(as_of=dt.date(2026, 4, 15)))
    assert figures["headline"].covered == 3
    assert figures["headline"].formed == 3  # A's, E's, F's


def test_a_rate_never_exceeds_a_hundred_percent(small_world, city_officer):
    figures = dashboard_figures(city_officer, snapshot_compute(as_of=OCT_31))
    for figure in [
        *figures["by_field"],
        *figures["by_district"],
        *figures["by_street"],
        *figures["by_category"],
    ]:
        assert figure.rate is None or figure.rate <= 100


def test_a_district_officer_sees_their_district_and_the_city_all(small_world, district_officer, city_officer):
    batch = snapshot_compute(as_of=OCT_31)
    mine = dashboard_figures(district_officer, batch)
    assert (mine["headline"].denominator, mine["headline"].covered) == (6, 4)
    assert [str(f.label) for f in mine["by_district"]] == ["海勃湾区"]
    assert not mine["all_districts"]
    everything = dashboard_figures(city_officer, batch)
    assert everything["all_districts"]
    assert [str(f.label) for f in everything["by_district"]] == ["海勃湾区", "乌达区"]


def test_the_snapshot_is_idempotent_and_replaced(small_world):
    first = snapshot_compute(as_of=OCT_31)
    rows = first.rows.count()
    again = snapshot_compute(as_of=OCT_31)
    assert again.pk == first.pk and again.rows.count() == rows


def todays(today):
    """Today's figures as the refresh job leaves them."""
    snapshot_refresh(as_of=today, today=today)
    return SnapshotBatch.objects.get(as_of=today)


def test_todays_figures_follow_a_change(small_world, city_officer):
    today = dt.date(2026, 11, 28)
    before = todays(today)
    assert dashboard_figures(city_officer, before)["headline"].covered == 4
    from tests.coverage.conftest import _branch

    _branch(small_world["orgs"]["J"], established=dt.date(2026, 11, 20))
    after = todays(today)
    assert dashboard_figures(city_officer, after)["headline"].covered == 5


def test_every_drill_down_link_lands_on_the_organisations_it_counts(small_world, client_as, city_officer):
    client = client_as(city_officer)
    response = client.get(reverse("coverage:dashboard"), {"as_of": "2026-10-31"})
    assert response.status_code == 200
    context = response.context
    checked = 0
    for figure in [context["headline"], *context["by_field"], *context["by_district"], *context["by_street"],
                   *context["by_category"]]:  # fmt: skip
        for name, link in figure.links.items():
            expected = {"uncovered": figure.uncovered}.get(name)
            expected = getattr(figure, name) if expected is None else expected
            listed = client.get(link)
            assert listed.status_code == 200
            assert listed.context["total"] == expected, (figure.label, name, link)
            checked += 1
    for stage in context["stages"]:
        assert client.get(stage["link"]).context["total"] == stage["count"], stage
    assert checked > 30


def test_a_bad_date_is_said_and_today_shown(small_world, client_as, city_officer):
    client = client_as(city_officer)
    for bad in ["2026-13-45", "tomorrow", "2099-01-01", "1900-01-01"]:
        response = client.get(reverse("coverage:dashboard"), {"as_of": bad})
        assert response.status_code == 200
        assert response.context["as_of"] == dt.date(2026, 11, 28)
        assert list(response.context["messages"])
    response = client.get(reverse("coverage:report"), {"month": "2026-99"})
    assert response.status_code == 200 and response.context["month"] == dt.date(2026, 11, 1)


def test_a_past_days_stage_is_read_back_from_the_stage_changes(small_world, city_officer):
    from branches.models import StageChange

    changes = [
        # J: surveying → liaison named on 10-10 (its stage now): on 10-05 it was surveying, on 10-31 named
        ("J", "surveying", "liaison_named", dt.datetime(2026, 10, 10, 9, 0, tzinfo=SHANGHAI)),
        # A: established on 03-01, consolidating on 11-05, enhancing on 11-20: on 10-31 established
        ("A", "preparing", "established", dt.datetime(2026, 3, 1, 9, 0, tzinfo=SHANGHAI)),
        ("A", "established", "consolidating", dt.datetime(2026, 11, 5, 9, 0, tzinfo=SHANGHAI)),
        ("A", "consolidating", "enhancing", dt.datetime(2026, 11, 20, 9, 0, tzinfo=SHANGHAI)),
    ]
    for name, old, new, at in changes:
        change = StageChange.objects.create(
            organisation=small_world["orgs"][name], from_stage=old, to_stage=new
        )
        StageChange.objects.filter(pk=change.pk).update(at=at)

    def stages(day):
        figures = dashboard_figures(city_officer, snapshot_compute(as_of=day))
        return {stage["stage"]: stage["count"] for stage in figures["stages"] if stage["count"]}

    assert stages(OCT_31) == {"surveying": 2, "liaison_named": 1, "established": 4}
    # on 10-05 F (archived 10-15, never moved) is counted too: E I J F surveying
    assert stages(dt.date(2026, 10, 5)) == {"surveying": 4, "established": 4}
    # by category: A (百强) was established on 10-31
    figures = dashboard_figures(city_officer, snapshot_compute(as_of=OCT_31))
    category = _by(figures["by_category"], small_world["top100"].name)
    assert category.stage_established == 1 and category.stage_enhancing == 0
    # the ledger's stage filter as of the day lists the same organisations
    from django.test import Client

    client = Client()
    client.force_login(city_officer)
    listed = client.get(reverse("branches:organisation_list"), {"as_of": "2026-10-31", "stage": "established",
                                                                 "coverage": "target", "status": "all"})  # fmt: skip
    assert listed.context["total"] == 4
