"""The simulation's measures: the oracle ceiling with the numbers admitted, the gap closed."""

from __future__ import annotations

import math

import pytest

from facegallery.generation.services.simulation_shares import (
    Share,
    gap_closed,
    oracle_ceiling,
    oracle_on_base,
)


def test_the_ceiling_is_what_a_perfect_filter_admitting_as_many_faces_would_show():
    assert oracle_ceiling(liked=30, admitted=40) == 0.75  # every liked face, then others
    assert oracle_ceiling(liked=50, admitted=40) == 1.0  # enough liked faces to fill it
    assert math.isnan(oracle_ceiling(liked=3, admitted=0))


def test_the_gap_closed_runs_from_the_floor_to_the_ceiling():
    assert gap_closed(floor=0.2, shown=0.2, ceiling=0.8) == 0.0
    assert gap_closed(floor=0.2, shown=0.8, ceiling=0.8) == 1.0
    assert gap_closed(floor=0.2, shown=0.5, ceiling=0.8) == pytest.approx(0.5)
    assert gap_closed(floor=0.2, shown=0.1, ceiling=0.8) == pytest.approx(-1 / 6)  # worse
    assert math.isnan(gap_closed(floor=0.4, shown=0.4, ceiling=0.4))  # nothing to win


def test_a_share_counts_floor_shown_and_ceiling_from_the_draws():
    share = Share(taste="top", drawn=1000, admitted=370, liked_drawn=200, liked_admitted=111)
    assert (share.floor, share.shown) == (0.2, 0.3)
    assert share.ceiling == pytest.approx(200 / 370)
    assert share.gap_closed == pytest.approx((0.3 - 0.2) / (200 / 370 - 0.2))
    assert share.as_dict()["gap_closed"] == share.gap_closed


def test_the_oracle_on_the_base_admits_the_share_the_tuned_arm_admitted():
    base = Share(taste="top", drawn=1000, admitted=400, liked_drawn=250, liked_admitted=150)
    tuned = Share(taste="top", drawn=500, admitted=150, liked_drawn=300, liked_admitted=140)
    # 30% of the base's 1,000 draws: 300 admitted, of which at best its 250 liked ones.
    assert oracle_on_base(base, tuned) == pytest.approx(250 / 300)
    fewer = Share(taste="top", drawn=500, admitted=50, liked_drawn=300, liked_admitted=50)
    assert oracle_on_base(base, fewer) == 1.0  # 100 admitted: all of them liked
    assert math.isnan(oracle_on_base(base, Share("top", 0, 0, 0, 0)))
