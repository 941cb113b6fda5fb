"""The election rules checked on the congress step (docs/domain.md, "Formation"); thresholds come from the template.

- quorum: present > numerator/denominator of those expected (2/3 by default; older rules 1/2)
- a candidate is elected with more than half of the expected attendance voting for
- executive elections are competitive (差额): more candidates than seats, by the template's extra ratio; the
  same rule (`competitive_problem`) is checked where the candidates are nominated (酝酿候选人), and the
  template says whether breaking it refuses the step or warns and lets it be handed in
- ballots returned > ballots issued → the vote is void; a ballot naming more people than seats is invalid
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

COUNTS = ("expected", "present", "ballots_issued", "ballots_returned", "ballots_valid", "ballots_overmarked")


REFUSE, WARN = "refuse", "warn"
# the step where the candidates are proposed, by its code (stable across versions, like "request")
NOMINATION_STEP = "candidates"


@dataclass
class ElectionOutcome:
    problems: list[str] = field(default_factory=list)
    elected: list[str] = field(default_factory=list)
    # rules the template only warns about: shown, and handed in once the user says so
    warnings: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems


def _number(answers: dict, name: str) -> int:
    value = answers.get(name)
    return value if isinstance(value, int) else 0


def quorum_needed(expected: int, numerator: int, denominator: int) -> int:
    """The smallest attendance that is *more than* numerator/denominator of those expected."""
    return expected * numerator // denominator + 1


def candidates_needed(seats: int, extra_percent: int) -> int:
    """The fewest candidates for a competitive election: more than the seats, and the extra ratio."""
    return max(seats + 1, math.ceil(seats * (100 + extra_percent) / 100))


def competitive_problem(candidates: int, seats: int, extra_percent: int) -> str:
    """The 差额 rule: why `candidates` are too few for `seats`, or "" when they are enough."""
    wanted = candidates_needed(seats, extra_percent)
    if candidates >= wanted:
        return ""
    return _(
        "%(candidates)s candidates for %(seats)s seats: a competitive election needs at least "
        "%(wanted)s candidates."
    ) % {"candidates": candidates, "seats": seats, "wanted": wanted}


def planned_seats(earlier: dict[str, dict]) -> int | None:
    """The seats to elect as the earlier steps set them: the approval's (批复), else the request's (请示).
    The congress step's own seats field is filled in from the same answer."""
    for code, name in (("approval", "approved_seats"), ("request", "seats")):
        value = (earlier.get(code) or {}).get(name)
        if isinstance(value, int) and value > 0:
            return value
    return None


def _named(rows) -> list[dict]:
    return [row for row in rows or [] if isinstance(row, dict) and row.get("name")]


def nomination_check(
    candidates: list, *, seats: int | None, extra_percent: int = 0, competitive: str = REFUSE
) -> ElectionOutcome:
    """The candidate list against the 差额 rule, as the congress step checks it; a problem or a warning
    as the template says. Without seats from the earlier steps there is nothing to compare with."""
    outcome = ElectionOutcome()
    if seats:
        problem = competitive_problem(len(_named(candidates)), seats, extra_percent)
        if problem:
            (outcome.warnings if competitive == WARN else outcome.problems).append(problem)
    return outcome


def election_check(
    answers: dict,
    *,
    numerator: int = 2,
    denominator: int = 3,
    extra_percent: int = 0,
    competitive: str = REFUSE,
):
    """Every rule the vote breaks, each as a precise sentence, and who is elected."""
    outcome = ElectionOutcome()
    expected, present = _number(answers, "expected"), _number(answers, "present")
    issued, returned = _number(answers, "ballots_issued"), _number(answers, "ballots_returned")
    valid, overmarked = _number(answers, "ballots_valid"), _number(answers, "ballots_overmarked")
    seats = _number(answers, "seats")
    rows = _named(answers.get("votes"))
    problems = outcome.problems

    if present > expected:
        problems.append(
            _("%(present)s present is more than the %(expected)s expected.")
            % {"present": present, "expected": expected}
        )
    needed = quorum_needed(expected, numerator, denominator)
    if present < needed:
        problems.append(
            _(
                "Quorum not reached: %(present)s present of %(expected)s expected; more than "
                "%(numerator)s/%(denominator)s means at least %(needed)s. The election is void."
            )
            % {
                "present": present,
                "expected": expected,
                "numerator": numerator,
                "denominator": denominator,
                "needed": needed,
            }
        )
    if returned > issued:
        problems.append(
            _("%(returned)s ballots returned is more than the %(issued)s issued: the vote is void.")
            % {"returned": returned, "issued": issued}
        )
    if issued > present:
        problems.append(
            _("%(issued)s ballots issued is more than the %(present)s people present.")
            % {"issued": issued, "present": present}
        )
    if valid + overmarked > returned:
        problems.append(
            _(
                "Valid ballots (%(valid)s) and ballots naming more people than seats (%(overmarked)s) add up "
                "to more than the %(returned)s returned."
            )
            % {"valid": valid, "overmarked": overmarked, "returned": returned}
        )
    problem = competitive_problem(len(rows), seats, extra_percent)
    if problem:
        (outcome.warnings if competitive == WARN else problems).append(problem)
    total_for = 0
    for row in rows:
        votes_for = _int(row.get("for"))
        total_for += votes_for
        cast = votes_for + _int(row.get("against")) + _int(row.get("abstain"))
        if cast > valid:
            problems.append(
                _(
                    "%(name)s: %(cast)s votes for, against and abstaining is more than the %(valid)s valid ballots."
                )
                % {"name": row["name"], "cast": cast, "valid": valid}
            )
    if seats and total_for > valid * seats:
        problems.append(
            _(
                "%(total)s votes for in all is more than %(valid)s valid ballots × %(seats)s seats: ballots "
                "naming more people than seats are invalid and must not be counted."
            )
            % {"total": total_for, "valid": valid, "seats": seats}
        )

    majority = expected // 2 + 1
    passing = sorted(
        (row for row in rows if _int(row.get("for")) >= majority), key=lambda row: -_int(row.get("for"))
    )
    outcome.elected = [row["name"] for row in passing[:seats]]
    if rows and seats and len(passing) < seats:
        problems.append(
            _(
                "Only %(count)s candidates received more than half of the %(expected)s expected (at least "
                "%(majority)s votes for) — fewer than the %(seats)s seats. Hold another vote for the seats "
                "left and enter its result."
            )
            % {"count": len(passing), "expected": expected, "majority": majority, "seats": seats}
        )
    return outcome


def _int(value) -> int:
    try:
        return max(int(value), 0)
    except (TypeError, ValueError):
        return 0
