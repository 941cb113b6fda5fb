"""The form helper: the rules of docs/domain.md in order, the rule that matched, thresholds from the settings."""

import pytest

from branches.models import LedgerSettings
from branches.services.recommend import Place, form_recommend

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kwargs", "rule", "form", "way"),
    [
        ({"place": Place.TOWNSHIP, "women": 3}, 1, "federation", "standalone"),
        ({"place": Place.ORGAN, "women": 200}, 2, "committee", "standalone"),
        ({"unit_type": "women_social", "women": 4}, 3, "federation", "standalone"),
        ({"unit_type": "express", "women": 80, "party_org": True}, 4, "federation", "industry"),
        ({"unit_type": "business_district"}, 5, "federation", "area"),
        ({"unit_type": "private_enterprise", "women": 50, "party_org": True}, 6, "federation", "standalone"),
        ({"unit_type": "private_enterprise", "women": 300, "party_org": False}, 7, "committee", "standalone"),
        ({"unit_type": "private_enterprise", "women": 49, "party_org": True}, 7, "committee", "standalone"),
        ({"unit_type": "association", "women": 10}, 7, "committee", "standalone"),
        ({"unit_type": "association", "women": 9}, 7, "liaison", "fallback"),
        ({"unit_type": "association", "women": None}, 7, "liaison", "fallback"),
    ],
)
def test_the_first_matching_rule_decides(kwargs, rule, form, way):
    recommendation = form_recommend(**kwargs)
    assert (recommendation.rule, recommendation.form, recommendation.way) == (rule, form, way)
    assert str(recommendation.reason)


def test_a_large_enterprise_may_choose_a_committee_instead():
    assert form_recommend(unit_type="private_enterprise", women=60, party_org=True).alternatives == (
        "committee",
    )


def test_thresholds_come_from_the_admins_settings():
    settings = LedgerSettings.current()
    settings.women_for_federation = 30
    settings.save()
    assert form_recommend(unit_type="private_enterprise", women=30, party_org=True).rule == 6
    assert "30" in str(form_recommend(unit_type="private_enterprise", women=30, party_org=True).reason)
