"""History that is real: an organisation counts from the day it was founded or registered when the ledger knows
it, not from the day it was typed in; the dashboard says from which day the ledger's records were entered."""

import datetime as dt

from django.urls import reverse

from branches.models import Organisation
from coverage.selectors import dashboard_figures
from coverage.services import snapshot_compute
from tests.branches.factories import OrganisationFactory
from tests.coverage.conftest import _branch


def test_an_organisation_counts_from_its_founding_day_and_its_link_lists_it(
    small_world, client_as, city_officer
):
    # entered in the ledger today (2026-11-28), founded in 2019, its women's federation set up in 2025
    veteran = OrganisationFactory(name="乌海市老字号商贸有限公司", women=40, founded_on=dt.date(2019, 3, 5))
    _branch(veteran, established=dt.date(2025, 6, 1))
    late = OrganisationFactory(name="乌海市后来者科技有限公司", women=12, founded_on=dt.date(2026, 12, 1))
    unknown = OrganisationFactory(name="乌海市无日期商行", women=5)

    def counted(day):
        figures = dashboard_figures(city_officer, snapshot_compute(as_of=day))["headline"]
        return figures.covered, figures.denominator

    # a year ago only the veteran existed: the others were neither founded nor entered yet
    assert counted(dt.date(2025, 10, 31)) == (1, 1)
    assert counted(dt.date(2025, 3, 31)) == (0, 1)  # before its women's federation
    # today: the ten of the small world (entered 2026-01-01), the veteran and the one without a date
    covered, denominator = counted(dt.date(2026, 11, 28))
    assert denominator == 7 + 2 and covered == 4 + 1
    assert not Organisation.objects.filter(pk=late.pk, founded_on__lte=dt.date(2026, 11, 28)).exists()

    response = client_as(city_officer).get(reverse("coverage:dashboard"), {"as_of": "2025-10-31"})
    html = response.content.decode()
    assert "2026-01-01" in html  # the ledger's records were entered from then on: said beside the figures
    listed = client_as(city_officer).get(
        reverse("branches:organisation_list"), {"status": "all", "as_of": "2025-10-31", "coverage": "covered"}
    )
    assert [o.pk for o in listed.context["page"].rows] == [veteran.pk]
    assert unknown.founded_on is None


def test_every_table_the_figures_read_keeps_its_marking_trigger(db):
    """Later migrations may rebuild a table (SQLite drops its triggers then): migrate puts them back."""
    from django.apps import apps
    from django.db import connection

    from coverage.triggers import counted_tables

    tables = counted_tables(apps)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT tbl_name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'coverage_mark_%'"
            )
        else:
            cursor.execute(
                "SELECT event_object_table FROM information_schema.triggers WHERE trigger_name LIKE 'coverage_mark_%'"
            )
        with_trigger = {row[0] for row in cursor.fetchall()}
    assert set(tables) <= with_trigger, sorted(set(tables) - with_trigger)
