"""Which women's organisation to set up: the rules of docs/domain.md in their sourced order, thresholds from the settings."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from branches.models import BranchKind, LedgerSettings, UnitType, Way

SCATTERED_OUTLETS = {UnitType.EXPRESS, UnitType.FOOD_DELIVERY, UnitType.RIDE_HAILING}


class Place:
    """What kind of unit it is beyond the ledger's unit types (the questionnaire asks)."""

    TOWNSHIP = "township"  # township, street, village or community
    ORGAN = "organ"  # government organ or public institution
    UNIT = "unit"  # an enterprise or social organisation


@dataclass(frozen=True)
class Recommendation:
    rule: int
    form: str
    way: str
    reason: str | Promise
    alternatives: tuple[str, ...] = ()

    @property
    def form_label(self) -> str | Promise:
        return BranchKind(self.form).label

    @property
    def way_label(self) -> str | Promise:
        return Way(self.way).label

    @property
    def alternative_labels(self) -> list[str | Promise]:
        return [BranchKind(form).label for form in self.alternatives]


def form_recommend(
    *,
    unit_type: str = "",
    women: int | None = None,
    party_org: bool | None = None,
    place: str = Place.UNIT,
    scattered_outlets: bool | None = None,
    settings: LedgerSettings | None = None,
) -> Recommendation:
    """The first rule that matches, with the reason in words; staff may choose otherwise."""
    settings = settings or LedgerSettings.current()
    if scattered_outlets is None:
        scattered_outlets = unit_type in SCATTERED_OUTLETS
    if place == Place.TOWNSHIP:
        return Recommendation(
            1,
            BranchKind.FEDERATION,
            Way.STANDALONE,
            _("Townships, streets, villages and communities set up a federation."),
        )
    if place == Place.ORGAN:
        return Recommendation(
            2,
            BranchKind.COMMITTEE,
            Way.STANDALONE,
            _("Government organs and public institutions set up a women's committee."),
        )
    if unit_type == UnitType.WOMEN_SOCIAL:
        return Recommendation(
            3,
            BranchKind.FEDERATION,
            Way.STANDALONE,
            _("A women-led social organisation sets up a federation."),
        )
    if scattered_outlets:
        return Recommendation(
            4,
            BranchKind.FEDERATION,
            Way.INDUSTRY,
            _(
                "Scattered outlets of one industry are covered by an industry-wide federation, led by the industry's "
                "party committee."
            ),
        )
    if unit_type == UnitType.BUSINESS_DISTRICT:
        return Recommendation(
            5,
            BranchKind.FEDERATION,
            Way.AREA,
            _("A business district, building or park sets up an area-based federation."),
        )
    if party_org and women is not None and women >= settings.women_for_federation:
        return Recommendation(
            6,
            BranchKind.FEDERATION,
            Way.STANDALONE,
            _("A unit with a party organisation and at least %(count)s women sets up its own federation.")
            % {"count": settings.women_for_federation},
            alternatives=(BranchKind.COMMITTEE,),
        )
    if women is not None and women >= settings.women_for_committee:
        return Recommendation(
            7,
            BranchKind.COMMITTEE,
            Way.STANDALONE,
            _("With %(low)s or more women (and no case above), a women's committee or a women's group.")
            % {"low": settings.women_for_committee},
            alternatives=(BranchKind.GROUP,),
        )
    return Recommendation(
        7,
        BranchKind.LIAISON,
        Way.FALLBACK,
        _(
            "With fewer than %(low)s women (or the number unknown), name a liaison, or be covered by the community federation."
        )
        % {"low": settings.women_for_committee},
        alternatives=(BranchKind.COMMUNITY,),
    )
