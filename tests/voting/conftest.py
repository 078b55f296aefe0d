"""Voting fixtures: faces made through the real generation service."""

from __future__ import annotations

import pytest
from django.utils import timezone

from facegallery.gallery.models import Face, GenerationBatch
from facegallery.generation.services.batches import face_generate_batch, generator_model_get


@pytest.fixture
def faces(transactional_db) -> list[Face]:
    batch = GenerationBatch.objects.create(
        generator=generator_model_get("face"), count=4, temperature=0.3,
        dispatched_at=timezone.now(),
    )  # fmt: skip
    face_generate_batch(batch_id=batch.pk)
    return list(Face.objects.order_by("pk"))
