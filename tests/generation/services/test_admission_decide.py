"""The admission filter (admission_decide) with real scorers and real drawings."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from facegallery.core import decoders
from facegallery.gallery.models import Face, FaceStatus, GenerationSettings
from facegallery.generation.services.admission import (
    admission_cache_clear,
    admission_decide,
    expected_admit_rate,
)
from facegallery.generation.services.batches import face_generate_batch
from facegallery.scoring.models import ScorerVersion
from generator.sampling import sample_faces
from tests.factories import GenerationBatchFactory, store_scorer

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh_drawings() -> list[np.ndarray]:
    return sample_faces(decoders.decoder_get("face"), list(range(500, 700)), 0.4, batch_size=200)


def _settings(keep: float, explore: float) -> None:
    row, _ = GenerationSettings.objects.get_or_create(pk=1)
    row.keep_share, row.explore_share, row.filter_enabled = keep, explore, True
    row.save()


def test_without_a_scorer_every_face_is_admitted_unflagged(fresh_drawings):
    decisions = admission_decide(drawings=fresh_drawings, temperature=0.4)
    assert {d.status for d in decisions} == {FaceStatus.VISIBLE}
    assert not any(d.explored for d in decisions)
    assert expected_admit_rate(enabled=True) == 1.0


def test_it_keeps_the_top_share_and_explores_the_rest(drawn_faces, fresh_drawings):
    store_scorer(version=1, labels_of=lambda strokes: float(strokes >= 6))
    _settings(keep=0.3, explore=0.2)
    decisions = admission_decide(
        drawings=fresh_drawings, temperature=0.4, rng=np.random.default_rng(1)
    )
    scores = np.array([d.score for d in decisions])
    above = np.array([d.admission_probability == 1.0 for d in decisions])
    shown = np.array([d.status == FaceStatus.VISIBLE for d in decisions])
    explored = np.array([d.explored for d in decisions])
    assert {d.scorer_version for d in decisions} == {1}
    # Every face above the threshold is shown and outscores every face below it.
    assert shown[above].all() and scores[above].min() >= scores[~above].max()
    # Below it, only explored faces are shown, each with its admission probability stored.
    assert (shown[~above] == explored[~above]).all() and not explored[above].any()
    assert {d.admission_probability for d, a in zip(decisions, above, strict=True) if not a} == {
        0.2
    }
    assert 0.05 < explored[~above].mean() < 0.4
    # The threshold is calibrated on these very draws (no earlier ones at 0.4): 30% of them.
    assert above.mean() == pytest.approx(0.3, abs=0.01)
    assert expected_admit_rate(enabled=True) == pytest.approx(0.3 + 0.2 * 0.7)
    assert expected_admit_rate(enabled=False) == 1.0


def test_switched_off_the_filter_admits_everything(drawn_faces, fresh_drawings):
    store_scorer(version=1, labels_of=lambda strokes: float(strokes >= 6))
    GenerationSettings.objects.update_or_create(pk=1, defaults={"filter_enabled": False})
    decisions = admission_decide(drawings=fresh_drawings, temperature=0.4)
    assert all(d.status == FaceStatus.VISIBLE and d.scorer_version is None for d in decisions)


@pytest.mark.fault("scorer-corrupt")
@pytest.mark.parametrize("artifact", [b"", b"not a torch file", b"PK\x03\x04broken zip"])
def test_a_corrupted_or_missing_artifact_admits_everything_with_a_warning(
    drawn_faces, fresh_drawings, caplog, artifact
):
    row = store_scorer(version=7, labels_of=lambda strokes: float(strokes >= 6))
    ScorerVersion.objects.filter(pk=row.pk).update(artifact=artifact)
    with caplog.at_level(logging.WARNING, logger="facegallery.generation.services.admission"):
        decisions = admission_decide(drawings=fresh_drawings, temperature=0.4)
    assert all(d.status == FaceStatus.VISIBLE and not d.explored for d in decisions)
    assert any("v7" in record.getMessage() for record in caplog.records)


def test_a_config_that_does_not_match_the_weights_falls_back_too(drawn_faces, caplog):
    row = store_scorer(version=8, labels_of=lambda strokes: float(strokes >= 6))
    ScorerVersion.objects.filter(pk=row.pk).update(config={**row.config, "hidden": 5})
    drawings = sample_faces(decoders.decoder_get("face"), [1, 2, 3], 0.3)
    with caplog.at_level(logging.WARNING):
        decisions = admission_decide(drawings=drawings, temperature=0.3)
    assert [d.status for d in decisions] == [FaceStatus.VISIBLE] * 3
    assert "v8" in caplog.text


@pytest.mark.fault("scorer-corrupt")
def test_the_worker_still_fills_the_gallery_when_the_active_artifact_is_corrupted(
    drawn_faces, caplog
):
    row = store_scorer(version=9, labels_of=lambda strokes: float(strokes >= 6))
    ScorerVersion.objects.filter(pk=row.pk).update(artifact=b"\x00" * 64)
    batch = GenerationBatchFactory.create(count=16, temperature=0.35)
    with caplog.at_level(logging.WARNING):
        result = face_generate_batch(batch_id=batch.pk)
    assert result.admitted == result.generated == 16
    new = Face.objects.filter(temperature=0.35)
    assert new.filter(status=FaceStatus.VISIBLE).count() == 16
    assert "v9" in caplog.text


def test_filtered_faces_are_inserted_but_not_shown(drawn_faces):
    store_scorer(version=1, labels_of=lambda strokes: float(strokes >= 6))
    _settings(keep=0.2, explore=0.0)
    batch = GenerationBatchFactory.create(count=40, temperature=0.45)
    result = face_generate_batch(batch_id=batch.pk)
    new = Face.objects.filter(temperature=0.45)
    assert new.count() == result.generated == 40
    assert new.filter(status=FaceStatus.FILTERED).count() == 40 - result.admitted > 0
    assert not new.filter(scorer_version__isnull=True).exists()


def test_the_threshold_follows_the_scores_of_recent_draws_at_the_temperature(
    drawn_faces, fresh_drawings
):
    store_scorer(version=1, labels_of=lambda strokes: float(strokes >= 6))
    _settings(keep=0.3, explore=0.0)
    first = admission_decide(drawings=fresh_drawings, temperature=0.4)
    scores = np.array([d.score for d in first])
    # Earlier draws at 0.4 that this version scored higher than any of these (the scores
    # drifted up): the threshold moves up with them, and fewer of these faces pass.
    high = float(scores.max())
    Face.objects.filter(pk__in=[f.pk for f in drawn_faces]).update(
        scorer_version=1, temperature=0.4, score=min(high + 0.01, 1.0)
    )
    later = admission_decide(drawings=fresh_drawings, temperature=0.4)
    assert [d.score for d in later] == pytest.approx(scores.tolist())
    passed = np.mean([d.status == FaceStatus.VISIBLE for d in later])
    assert passed < 0.3
    # Another temperature has no history: its own batch sets it, 30% again.
    other = admission_decide(drawings=fresh_drawings, temperature=0.7)
    assert np.mean([d.status == FaceStatus.VISIBLE for d in other]) == pytest.approx(0.3, abs=0.01)


def test_a_small_batch_without_history_uses_the_training_time_quantiles(
    drawn_faces, fresh_drawings
):
    stored = store_scorer(version=1, labels_of=lambda strokes: float(strokes >= 6))
    ScorerVersion.objects.filter(pk=stored.pk).update(
        config={**stored.config, "score_quantiles": [2.0] * 101}  # no probability reaches it
    )
    admission_cache_clear()  # a worker loads a version once: this one changed in place
    _settings(keep=0.3, explore=0.0)
    few = admission_decide(drawings=fresh_drawings[:20], temperature=0.4)
    assert {d.status for d in few} == {FaceStatus.FILTERED}


def test_a_small_batch_without_history_uses_its_temperature_bands_quantiles(
    drawn_faces, fresh_drawings
):
    stored = store_scorer(version=1, labels_of=lambda strokes: float(strokes >= 6))
    bands = {"8": [2.0] * 101}  # 0.40-0.44: no probability reaches its threshold
    ScorerVersion.objects.filter(pk=stored.pk).update(
        config={**stored.config, "score_quantiles": [-1.0] * 101, "band_quantiles": bands}
    )
    admission_cache_clear()  # a worker loads a version once: this one changed in place
    _settings(keep=0.3, explore=0.0)
    in_band = admission_decide(drawings=fresh_drawings[:20], temperature=0.42)
    assert {d.status for d in in_band} == {FaceStatus.FILTERED}
    elsewhere = admission_decide(drawings=fresh_drawings[:20], temperature=0.7)  # no band
    assert {d.status for d in elsewhere} == {FaceStatus.VISIBLE}
