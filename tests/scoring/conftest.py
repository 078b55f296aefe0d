"""Scoring fixtures: faces from the real generation service, copied into many rows."""

from __future__ import annotations

import numpy as np
import pytest
from django.utils import timezone

from facegallery.gallery.models import Face, FaceStatus, GenerationBatch
from facegallery.generation.services.batches import face_generate_batch, generator_model_get
from facegallery.scoring.models import ScorerVersion
from facegallery.scoring.selectors import FEATURE_FIELDS
from facegallery.scoring.services.features import face_feature_batch
from generator.scorer import ScorerConfig, artifact_bytes, predict, score_quantiles, train_scorer


@pytest.fixture
def fast_scoring(settings):
    """No NLL feature (a decoder pass a face) and small minimums, so tests train in seconds."""
    settings.SCORER_USE_NLL = False
    settings.SCORER_MIN_TRAINING_FACES = 20
    settings.SCORER_ENCODER_MIN_FACES = 10**6
    settings.SCORER_HOLDOUT_PERCENT = 25
    return settings


@pytest.fixture
def drawn_faces(db) -> list[Face]:
    """48 real faces at two temperatures (the real generation pipeline, filter inactive)."""
    generator = generator_model_get("face")
    for temperature in (0.2, 0.6):
        batch = GenerationBatch.objects.create(
            generator=generator, count=24, temperature=temperature, dispatched_at=timezone.now()
        )
        face_generate_batch(batch_id=batch.pk)
    return list(Face.objects.order_by("pk"))


@pytest.fixture
def many_faces(drawn_faces) -> list[Face]:
    """240 visible faces: the real drawings copied under new seeds."""
    copies = [
        Face(
            generator_id=face.generator_id, seed=10_000 + k, temperature=face.temperature,
            strokes=face.strokes, num_points=face.num_points, num_strokes=face.num_strokes,
        )
        for k, face in enumerate(drawn_faces * 4)
    ]  # fmt: skip
    Face.objects.bulk_create(copies)
    return list(Face.objects.filter(status=FaceStatus.VISIBLE).order_by("pk"))


def store_scorer(*, version: int, labels_of, active: bool = True, quantiles=True) -> ScorerVersion:
    """A real scorer trained on all faces with labels from `labels_of(num_strokes)`."""
    config = ScorerConfig(use_nll=False, epochs=30)
    rows = list(Face.objects.order_by("pk").values(*FEATURE_FIELDS, "num_strokes"))
    batch = face_feature_batch(config=config, rows=rows)
    labels = np.array([labels_of(r["num_strokes"]) for r in rows], np.float64)
    net = train_scorer(config, batch, labels, np.ones(len(rows)))
    if quantiles:
        config.score_quantiles = score_quantiles(predict(net, batch))
    return ScorerVersion.objects.create(
        version=version, artifact=artifact_bytes(net), config=config.as_dict(),
        features_used=config.features_used(), auc=0.5, training_faces=len(rows),
        holdout_faces=0, votes_seen=0, is_active=active, promoted=active,
    )  # fmt: skip
