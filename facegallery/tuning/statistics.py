"""The rollout's comparison of two arms (pure maths, no Django): the interesting share of
each arm's votes with a Wilson interval, and Newcombe's interval of their difference.

Newcombe (1998), "Interval estimation for the difference between independent proportions",
method 10: the difference's bounds are built from each share's Wilson interval, so they stay
inside [-1, 1] and behave with few votes or shares near 0 or 1, where the normal (Wald)
interval is too narrow. Votes are treated as independent draws; one face's votes are not
quite (a face that many like collects many likes), so the interval is somewhat optimistic,
one reason the rule below asks for many votes and a 99% level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from facegallery.gallery.ranking import wilson_lower_bound

# Two-sided 99%: the rule is looked at every few minutes while votes come in (repeated looks
# at one experiment), so a stricter level than 95% keeps the chance small that a candidate
# no better than the control wins on a lucky stretch.
Z_99 = 2.5758293035489004


def wilson_interval(positive: int, total: int, z: float = Z_99) -> tuple[float, float]:
    """The Wilson score interval of a share (0, 1) without votes."""
    if total <= 0:
        return 0.0, 1.0
    low = wilson_lower_bound(positive, total, z)
    high = 1.0 - wilson_lower_bound(total - positive, total, z)  # the interval is symmetric
    return low, high


@dataclass(frozen=True)
class Arm:
    """Counted votes on the faces one arm drew since its rollout began."""

    interesting: int
    boring: int

    @property
    def votes(self) -> int:
        return self.interesting + self.boring

    @property
    def share(self) -> float | None:
        return self.interesting / self.votes if self.votes else None

    def interval(self, z: float = Z_99) -> tuple[float, float]:
        return wilson_interval(self.interesting, self.votes, z)


def difference_interval(candidate: Arm, control: Arm, z: float = Z_99) -> tuple[float, float]:
    """Newcombe's hybrid score interval of candidate share minus control share; (-1, 1)
    while either arm has no votes."""
    if not candidate.votes or not control.votes:
        return -1.0, 1.0
    p1, p2 = candidate.interesting / candidate.votes, control.interesting / control.votes
    l1, u1 = candidate.interval(z)
    l2, u2 = control.interval(z)
    difference = p1 - p2
    low = difference - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = difference + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return max(low, -1.0), min(high, 1.0)


class Verdict:
    PROMOTE = "promote"
    REJECT = "reject"
    WAIT = "wait"


def rollout_verdict(
    *, candidate: Arm, control: Arm, min_votes: int, max_votes: int, z: float = Z_99
) -> tuple[str, str]:
    """(Verdict, why) for a rollout: promote when the difference's lower bound is above zero
    with at least `min_votes` on each arm; reject when its upper bound is below zero (with as
    many), or when the candidate collected `max_votes` without winning; else wait."""
    low, high = difference_interval(candidate, control, z)
    figures = (
        f"candidate {candidate.interesting}/{candidate.votes} interesting, control "
        f"{control.interesting}/{control.votes}; difference {low:+.3f} to {high:+.3f}"
    )
    if min(candidate.votes, control.votes) >= min_votes:
        if low > 0:
            return Verdict.PROMOTE, f"won: {figures}"
        if high < 0:
            return Verdict.REJECT, f"lost: {figures}"
    if candidate.votes >= max_votes:
        return Verdict.REJECT, f"no win after {candidate.votes} votes: {figures}"
    return Verdict.WAIT, figures
