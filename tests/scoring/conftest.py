"""Scoring fixtures: small training settings, and many faces copied from real drawings."""

from __future__ import annotations

import pytest

from facegallery.gallery.models import Face, FaceStatus
from tests.factories import FaceFactory


@pytest.fixture
def fast_scoring(settings):
    """No NLL feature (a decoder pass a face) and small minimums, so tests train in seconds."""
    settings.SCORER_USE_NLL = False
    settings.SCORER_MIN_TRAINING_FACES = 20
    settings.SCORER_HOLDOUT_PERCENT = 25
    return settings


@pytest.fixture
def many_faces(drawn_faces) -> list[Face]:
    """240 visible faces: the 48 real drawings and four copies of each."""
    FaceFactory.create_batch(len(drawn_faces) * 4, drawings=drawn_faces)
    return list(Face.objects.filter(status=FaceStatus.VISIBLE).order_by("pk"))
