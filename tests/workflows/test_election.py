"""The congress step's election rules (docs/domain.md, "Formation"), each violation a precise sentence."""

from __future__ import annotations

import pytest
from django.utils import translation

from workflows.election import candidates_needed, election_check, quorum_needed


@pytest.fixture(autouse=True)
def _in_english():
    """The messages are asserted in the English source text."""
    with translation.override("en"):
        yield


ROWS = [
    {"name": "张丽", "for": 28, "against": 1, "abstain": 1},
    {"name": "李娜", "for": 27, "against": 2, "abstain": 1},
    {"name": "王静", "for": 26, "against": 2, "abstain": 2},
    {"name": "赵敏", "for": 25, "against": 3, "abstain": 2},
    {"name": "刘洋", "for": 24, "against": 3, "abstain": 3},
    {"name": "陈红", "for": 10, "against": 15, "abstain": 5},
]
GOOD = {
    "expected": 32,
    "present": 30,
    "ballots_issued": 30,
    "ballots_returned": 30,
    "ballots_valid": 30,
    "ballots_overmarked": 0,
    "seats": 5,
    "votes": ROWS,
}


def test_a_proper_vote_passes_and_elects_the_five_with_a_majority_of_those_expected():
    outcome = election_check(GOOD)
    assert outcome.valid, outcome.problems
    assert outcome.elected == ["张丽", "李娜", "王静", "赵敏", "刘洋"]


@pytest.mark.parametrize(
    ("expected", "numerator", "denominator", "needed"),
    [(30, 2, 3, 21), (32, 2, 3, 22), (31, 2, 3, 21), (30, 1, 2, 16), (31, 1, 2, 16)],
)
def test_quorum_is_strictly_more_than_the_fraction(expected, numerator, denominator, needed):
    assert quorum_needed(expected, numerator, denominator) == needed


def test_a_vote_missing_the_quorum_is_refused_with_the_numbers():
    outcome = election_check(
        {**GOOD, "present": 21, "ballots_issued": 21, "ballots_returned": 21, "ballots_valid": 21}
    )
    assert any(
        "Quorum not reached: 21 present of 32 expected" in p and "at least 22" in p for p in outcome.problems
    )


def test_the_quorum_threshold_comes_from_the_template():
    vote = {**GOOD, "present": 17, "ballots_issued": 17, "ballots_returned": 17, "ballots_valid": 17}
    assert any("Quorum" in p for p in election_check(vote).problems)
    assert not any("Quorum" in p for p in election_check(vote, numerator=1, denominator=2).problems)


def test_more_ballots_returned_than_issued_voids_the_vote():
    outcome = election_check({**GOOD, "ballots_returned": 31})
    assert any("31 ballots returned is more than the 30 issued" in p for p in outcome.problems)


def test_a_competitive_election_needs_more_candidates_than_seats_and_the_ratio():
    assert candidates_needed(5, 0) == 6
    assert candidates_needed(5, 20) == 6
    assert candidates_needed(15, 20) == 18
    outcome = election_check({**GOOD, "votes": ROWS[:5]})
    assert any("5 candidates for 5 seats" in p and "at least 6" in p for p in outcome.problems)


def test_overmarked_ballots_counted_as_valid_are_caught():
    outcome = election_check({**GOOD, "ballots_valid": 28, "ballots_overmarked": 3})
    assert any("add up to more than the 30 returned" in p for p in outcome.problems)
    stuffed = [{**row, "for": 29} for row in ROWS]
    outcome = election_check({**GOOD, "votes": stuffed})
    assert any("174 votes for in all is more than 30 valid ballots × 5 seats" in p for p in outcome.problems)


def test_a_candidate_needs_more_than_half_of_those_expected_not_of_those_present():
    rows = [{**row, "for": 16 if row["name"] == "刘洋" else row["for"]} for row in ROWS]
    outcome = election_check({**GOOD, "votes": rows})  # 16 of 32 expected is not more than half
    assert "刘洋" not in outcome.elected
    assert any("Only 4 candidates received more than half of the 32 expected" in p for p in outcome.problems)
    rows = [{**row, "for": 17 if row["name"] == "刘洋" else row["for"]} for row in ROWS]
    assert "刘洋" in election_check({**GOOD, "votes": rows}).elected


def test_one_candidates_votes_cannot_exceed_the_valid_ballots():
    rows = [{**ROWS[0], "against": 5}, *ROWS[1:]]
    outcome = election_check({**GOOD, "votes": rows})
    assert any(
        "张丽: 34 votes for, against and abstaining is more than the 30 valid ballots" in p
        for p in outcome.problems
    )
