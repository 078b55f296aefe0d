"""Label building: soft labels, vote weights, the min-votes threshold, exploration weighting."""

from __future__ import annotations

import numpy as np
import pytest

from facegallery.scoring.services.labels import MIN_PROPENSITY, is_holdout, labels_build


def _build(**overrides):
    args = dict(
        face_ids=np.array([1, 2, 3, 4]),
        interesting=np.array([3, 0, 1, 12]),
        boring=np.array([1, 1, 0, 0]),
        admission_probability=np.array([1.0, 1.0, 0.1, 1.0]),
        min_votes=1, weight_cap=10, holdout_percent=0,
    )  # fmt: skip
    return labels_build(**{**args, **overrides})


def test_soft_labels_are_the_share_of_interesting_votes():
    labels = _build()
    assert labels.labels.tolist() == [0.75, 0.0, 1.0, 1.0]


def test_faces_with_too_few_votes_are_left_out():
    labels = _build(min_votes=2)
    assert labels.face_ids.tolist() == [1, 4]


def test_weights_grow_with_votes_up_to_the_cap():
    labels = _build(weight_cap=10)
    assert labels.weights[0] == 4.0 and labels.weights[1] == 1.0
    assert labels.weights[3] == 10.0  # 12 votes, capped


def test_explored_faces_weigh_by_their_inverse_admission_probability():
    labels = _build()
    assert labels.weights[2] == pytest.approx(1 / 0.1)
    tiny = _build(admission_probability=np.array([1.0, 1.0, 1e-6, 1.0]))
    assert tiny.weights[2] == pytest.approx(1 / MIN_PROPENSITY)  # bounded variance


def test_inverse_propensity_weights_undo_the_filters_selection_bias():
    # A population where a filter shows faces above a score threshold always and the rest
    # with probability 0.1 (exploration); visitors like high scorers more. The weighted mean
    # label over shown faces estimates the population's; the unweighted one is biased.
    rng = np.random.default_rng(0)
    score = rng.random(200_000)
    liked = rng.random(score.size) < 0.2 + 0.6 * score
    above = score > 0.7
    shown = above | (rng.random(score.size) < 0.1)
    propensity = np.where(above, 1.0, 0.1)
    labels = _build(
        face_ids=np.flatnonzero(shown), interesting=liked[shown].astype(float),
        boring=(~liked[shown]).astype(float), admission_probability=propensity[shown],
    )  # fmt: skip
    truth = liked.mean()
    weighted = np.average(labels.labels, weights=labels.weights)
    assert abs(weighted - truth) < 0.01
    assert abs(labels.labels.mean() - truth) > 0.1


def test_the_holdout_is_a_fixed_share_chosen_by_face_id():
    ids = np.arange(1, 20_001)
    held = is_holdout(ids, 20)
    assert 0.18 < held.mean() < 0.22
    assert (is_holdout(ids[::-1], 20) == held[::-1]).all()  # by id, not by position
    labels = _build(holdout_percent=50)
    assert labels.holdout.tolist() == is_holdout(np.array([1, 2, 3, 4]), 50).tolist()
