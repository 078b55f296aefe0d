"""The rollout's statistics: Wilson intervals, Newcombe's interval of a difference, and the
promotion rule."""

from __future__ import annotations

import pytest

from facegallery.gallery.ranking import Z_95
from facegallery.tuning.statistics import (
    Arm,
    Verdict,
    difference_interval,
    rollout_verdict,
    wilson_interval,
)


def test_a_wilson_interval_holds_the_share_and_stays_within_zero_and_one():
    for positive, total in [(0, 10), (3, 10), (10, 10), (500, 1000)]:
        low, high = wilson_interval(positive, total)
        assert 0.0 <= low <= positive / total <= high <= 1.0


def test_without_votes_a_share_could_be_anything():
    assert wilson_interval(0, 0) == (0.0, 1.0)
    assert difference_interval(Arm(0, 0), Arm(5, 5)) == (-1.0, 1.0)


def test_newcombes_interval_matches_his_worked_example():
    # Newcombe (1998), table II, example (a): 56/70 against 48/80, method 10.
    low, high = difference_interval(Arm(56, 14), Arm(48, 32), z=Z_95)
    assert low == pytest.approx(0.0524, abs=5e-4)
    assert high == pytest.approx(0.3339, abs=5e-4)


def test_the_interval_narrows_as_votes_come_in():
    few = difference_interval(Arm(6, 4), Arm(5, 5))
    many = difference_interval(Arm(600, 400), Arm(500, 500))
    assert many[1] - many[0] < (few[1] - few[0]) / 5


def test_a_candidate_that_is_clearly_liked_more_is_promoted():
    verdict, reason = rollout_verdict(
        candidate=Arm(300, 200), control=Arm(200, 300), min_votes=100, max_votes=5000
    )
    assert verdict == Verdict.PROMOTE
    assert reason.startswith("won")


def test_a_clear_lead_on_too_few_votes_waits():
    verdict, _ = rollout_verdict(
        candidate=Arm(30, 0), control=Arm(0, 30), min_votes=100, max_votes=5000
    )
    assert verdict == Verdict.WAIT


def test_a_candidate_that_is_clearly_liked_less_is_rejected():
    verdict, reason = rollout_verdict(
        candidate=Arm(200, 300), control=Arm(300, 200), min_votes=100, max_votes=5000
    )
    assert verdict == Verdict.REJECT
    assert reason.startswith("lost")


def test_a_tie_waits_until_the_candidate_has_its_maximum_of_votes_then_is_rejected():
    control = Arm(250, 250)
    waiting = rollout_verdict(
        candidate=Arm(250, 249), control=control, min_votes=100, max_votes=600
    )
    assert waiting[0] == Verdict.WAIT
    verdict, reason = rollout_verdict(
        candidate=Arm(300, 300), control=control, min_votes=100, max_votes=600
    )
    assert verdict == Verdict.REJECT
    assert reason.startswith("no win after 600 votes")
