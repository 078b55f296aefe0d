"""Many Face rows fast: copies of a few really generated drawings under fresh seeds."""

from __future__ import annotations

import itertools
import uuid

import pytest
from django.utils import timezone

from facegallery.gallery.models import Face, GenerationBatch
from facegallery.generation.services.batches import face_generate_batch, generator_model_get
from facegallery.voting.ratelimit import rate_limit_reset

_templates: list[Face] = []  # strokes of real faces, drawn once per test session
_seeds = itertools.count(10**13)


def _real_faces() -> list[Face]:
    if not _templates:
        batch = GenerationBatch.objects.create(
            generator=generator_model_get("face"), count=3, temperature=0.3,
            dispatched_at=timezone.now(),
        )  # fmt: skip
        face_generate_batch(batch_id=batch.pk)
        _templates.extend(Face.objects.filter(seed__gte=batch.pk * 1024).order_by("pk")[:3])
        Face.objects.filter(pk__in=[f.pk for f in _templates]).delete()
    return _templates


def make_faces(count: int = 1, **fields) -> list[Face]:
    """`count` visible faces (unless fields say otherwise), oldest first."""
    generator = generator_model_get("face")
    rows = []
    for i in range(count):
        template = _real_faces()[i % 3]
        rows.append(
            Face(
                generator=generator,
                seed=next(_seeds),
                temperature=0.3,
                strokes=bytes(template.strokes),
                num_points=template.num_points,
                num_strokes=template.num_strokes,
                **fields,
            )
        )
    return Face.objects.bulk_create(rows)


@pytest.fixture(autouse=True)
def fresh_rate_limits(settings):
    """Fresh limiter state for each test: a new hash salt gives new voter/IP counters, and
    the circuit breaker forgets any Redis outage simulated by an earlier test."""
    settings.VOTER_HASH_SALT = f"test-{uuid.uuid4().hex}"
    rate_limit_reset()
    yield
    rate_limit_reset()
