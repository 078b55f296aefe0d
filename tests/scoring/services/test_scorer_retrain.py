"""Retraining: the promotion rule, pins, and failures that never replace the active scorer."""

from __future__ import annotations

import math

import numpy as np
import pytest

from facegallery.gallery.models import Face
from facegallery.scoring.models import ScorerVersion
from facegallery.scoring.services.labels import is_holdout
from facegallery.scoring.services.training import promotion_decide, scorer_retrain
from facegallery.scoring.services.versions import (
    ScorerVersionError,
    scorer_version_pin,
    scorer_version_unpin,
)
from facegallery.voting.models import Label
from facegallery.voting.services import vote_cast
from generator.scorer_metrics import auc_difference_interval
from tests.factories import store_scorer


def decide(candidate, incumbent, *, difference=None, more_data=True, has=True, pinned=False):
    return promotion_decide(
        candidate_auc=candidate, incumbent_auc=incumbent, has_incumbent=has,
        incumbent_pinned=pinned, difference=difference, more_data=more_data,
    )  # fmt: skip


def test_a_candidate_clearly_better_on_the_same_faces_replaces_the_active_scorer():
    ok, reason = decide(0.8, 0.7, difference=(0.04, 0.16))
    assert ok and reason.startswith("better")


def test_a_tie_within_noise_goes_to_the_candidate_that_learned_from_more_votes():
    ok, reason = decide(0.69, 0.70, difference=(-0.03, 0.01), more_data=True)
    assert ok and "tie" in reason and "more votes" in reason
    ok, reason = decide(0.71, 0.70, difference=(-0.02, 0.04), more_data=False)
    assert not ok and "tie" in reason


@pytest.mark.parametrize(
    "candidate, incumbent, difference, has, pinned",
    [
        (0.6, 0.7, (-0.15, -0.05), True, False),  # clearly worse on the same faces
        (0.7, 0.7, None, True, False),  # no interval: a plain tie keeps the active one
        (0.9, 0.7, (0.1, 0.3), True, True),  # pinned by a moderator
        (math.nan, None, None, False, False),  # no held-out AUC
        (None, None, None, False, False),
        (0.45, None, None, False, False),  # first scorer, worse than chance
    ],
)
def test_a_candidate_that_does_not_win_is_not_promoted(
    candidate, incumbent, difference, has, pinned
):
    ok, reason = decide(candidate, incumbent, difference=difference, has=has, pinned=pinned)
    assert not ok and reason


def test_the_paired_interval_sees_a_real_difference_and_calls_noise_noise():
    rng = np.random.default_rng(0)
    y = (rng.random(400) < 0.4).astype(np.float64)
    w = np.ones(400)
    good = y + rng.normal(0, 0.5, 400)  # separates the labels
    also_good = good + rng.normal(0, 0.05, 400)  # the same scorer, give or take noise
    bad = rng.normal(0, 1, 400)
    low, high = auc_difference_interval(y, w, good, bad)
    assert 0 < low < high
    low, high = auc_difference_interval(y, w, good, also_good)
    assert low < 0 < high


def test_an_unusable_active_scorer_loses_to_a_better_than_chance_one():
    ok, _ = decide(0.6, None)
    assert ok


def _vote_by_strokes(faces: list[Face], liked) -> None:
    for face in faces:
        label = Label.INTERESTING if liked(face.num_strokes) else Label.BORING
        vote_cast(face_id=face.pk, voter="tester", label=label)


def test_retraining_stores_a_version_with_metrics_and_activates_the_first(fast_scoring, many_faces):
    _vote_by_strokes(many_faces, lambda n: n >= 6)
    result = scorer_retrain(force=True)
    assert result.version is not None
    row = ScorerVersion.objects.get(version=result.version)
    assert result.promoted and row.is_active
    assert row.training_faces + row.holdout_faces == len(many_faces)
    assert row.auc is not None and row.log_loss is not None and row.calibration_error is not None
    assert row.auc > 0.5 and row.log_loss > 0 and row.calibration_error >= 0
    assert row.votes_seen == len(many_faces) and "num_strokes" in row.features_used
    assert len(row.config["score_quantiles"]) == 101
    # 120 draws at each of 0.2 and 0.6: a threshold per temperature band as well.
    assert sorted(row.config["band_quantiles"]) == ["12", "4"]
    assert all(len(q) == 101 for q in row.config["band_quantiles"].values())


def test_a_worse_candidate_is_stored_but_the_active_scorer_stays(fast_scoring, many_faces):
    # Held-out faces are voted by the stroke count (which the active scorer learned), the
    # training faces at random: the candidate learns noise and must lose on the same faces.
    held = is_holdout(np.array([f.pk for f in many_faces]), fast_scoring.SCORER_HOLDOUT_PERCENT)
    for k, (face, h) in enumerate(zip(many_faces, held, strict=True)):
        liked = face.num_strokes >= 6 if h else k % 2 == 0
        vote_cast(face_id=face.pk, voter="v", label=Label.INTERESTING if liked else Label.BORING)
    good = store_scorer(version=1, labels_of=lambda n: float(n >= 6))
    result = scorer_retrain(force=True)
    good.refresh_from_db()
    assert result.version is not None
    candidate = ScorerVersion.objects.get(version=result.version)
    assert not result.promoted and not candidate.is_active
    assert good.is_active and candidate.incumbent_version == 1
    assert candidate.incumbent_auc is not None and candidate.auc is not None
    assert candidate.incumbent_auc > candidate.auc


def test_a_pinned_version_is_not_replaced_by_retraining(fast_scoring, many_faces):
    _vote_by_strokes(many_faces, lambda n: n >= 6)
    pinned = store_scorer(version=1, labels_of=lambda n: 0.5)
    scorer_version_pin(version=1)
    result = scorer_retrain(force=True)
    pinned.refresh_from_db()
    assert not result.promoted and pinned.is_active and pinned.pinned
    assert result.version is not None
    assert "pinned" in ScorerVersion.objects.get(version=result.version).note


def test_a_failed_training_run_changes_nothing(fast_scoring, many_faces):
    _vote_by_strokes(many_faces, lambda n: n >= 6)
    active = store_scorer(version=1, labels_of=lambda n: float(n >= 6))
    Face.objects.filter(pk=many_faces[0].pk).update(strokes=b"\xff\xff\xff")  # corrupted row
    with pytest.raises(ValueError):
        scorer_retrain(force=True)
    assert list(ScorerVersion.objects.values_list("version", "is_active")) == [(1, True)]
    assert active.pk == ScorerVersion.objects.get(is_active=True).pk


def test_retraining_waits_for_enough_new_votes(fast_scoring, many_faces, settings):
    settings.SCORER_RETRAIN_MIN_NEW_VOTES = 10_000
    _vote_by_strokes(many_faces, lambda n: n >= 6)
    assert scorer_retrain().version is None
    assert not ScorerVersion.objects.exists()


def test_pinning_an_older_version_rolls_back_and_unpinning_releases_it(drawn_faces):
    store_scorer(version=1, labels_of=lambda n: float(n >= 6), active=False)
    store_scorer(version=2, labels_of=lambda n: float(n >= 5), active=True)
    scorer_version_pin(version=1)
    assert list(ScorerVersion.objects.filter(is_active=True).values_list("version", "pinned")) == [
        (1, True)
    ]
    scorer_version_unpin()
    assert ScorerVersion.objects.get(is_active=True).pinned is False
    with pytest.raises(ScorerVersionError):
        scorer_version_pin(version=99)
