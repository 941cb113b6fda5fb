"""Two officers saving the same organisation at the same instant.

organisation_update locks the row and applies the fields it is given to the row as it is then, so two saves
of different fields both land, one after the other, each with its history. (The edit page posts every field,
so there the later save still puts back the values its form was loaded with: the ledger has no version check
on organisations.)
"""

from __future__ import annotations

import pytest

from branches.models import Organisation
from branches.services.organisations import organisation_update
from federation.models import OperationLog
from tests.branches.factories import OrganisationFactory

from .conftest import together

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_officers_saving_different_fields_at_once_both_land_with_history(district_officer, city_officer):
    organisation = OrganisationFactory(name="乌海市海勃湾区同时编辑商会", employees=80, women=30)
    loaded = [Organisation.objects.get(pk=organisation.pk) for _ in range(2)]  # two edit pages open

    outcomes = together(
        lambda: organisation_update(
            organisation=loaded[0],
            by=district_officer,
            data={"address": "海勃湾区新华街1号"},
            reason="走访核实",
        ),
        lambda: organisation_update(
            organisation=loaded[1],
            by=city_officer,
            data={"name": "乌海市海勃湾区同时编辑联合商会", "women": 35},
        ),
    )

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    organisation.refresh_from_db()
    assert organisation.address == "海勃湾区新华街1号"
    assert (organisation.name, organisation.women, organisation.employees) == (
        "乌海市海勃湾区同时编辑联合商会",
        35,
        80,
    )
    assert organisation.former_names == ["乌海市海勃湾区同时编辑商会"]
    assert organisation.history.count() == 3  # created, then one version per save
    logged = OperationLog.objects.filter(action="organisation.update", object_id=str(organisation.pk))
    assert sorted(log.actor_id for log in logged) == sorted([district_officer.pk, city_officer.pk])
