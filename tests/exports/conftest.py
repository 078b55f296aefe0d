"""Export fixtures: a few real generated faces, copied into a small dataset with votes.

Expected values in the tests are computed from these rows with the project's own stroke
decoder and plain Python, never with the export code under test.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from facegallery.gallery.models import Face, FaceStatus, GenerationBatch
from facegallery.generation.services.batches import face_generate_batch, generator_model_get
from facegallery.voting.models import Vote
from facegallery.voting.services import face_counters_refresh
from generator.strokes import stroke3_from_bytes, stroke3_to_bytes

COPIES = 40


def expected_split(face_id: int, ratio=(80, 10, 10)) -> str:
    bucket = int.from_bytes(hashlib.sha256(str(face_id).encode()).digest()[:8], "big") % 100
    return "train" if bucket < ratio[0] else "valid" if bucket < ratio[0] + ratio[1] else "test"


def expected_majority(face: Face) -> str | None:
    if face.interesting_count == face.boring_count:
        return None
    return "interesting" if face.interesting_count > face.boring_count else "boring"


def strokes_of(face: Face) -> np.ndarray:
    return stroke3_from_bytes(bytes(face.strokes))


@dataclass
class Dataset:
    faces: list[Face]

    def exported(self, **filters) -> list[Face]:
        """Faces the default export (majority, visible + filtered) would hold, by id."""
        faces = Face.objects.filter(status__in=[FaceStatus.VISIBLE, FaceStatus.FILTERED])
        return [f for f in faces.filter(**filters).order_by("id") if expected_majority(f)]


@pytest.fixture(scope="session")
def templates(django_db_setup, django_db_blocker) -> list[tuple[bytes, int, int]]:
    """(strokes, points, strokes) of 5 faces drawn once by the real generation service."""
    with django_db_blocker.unblock():
        batch = GenerationBatch.objects.create(
            generator=generator_model_get("face"), count=5, temperature=0.3,
            dispatched_at=timezone.now(),
        )  # fmt: skip
        face_generate_batch(batch_id=batch.pk)
        faces = Face.objects.filter(seed__in=batch.seeds)
        drawn = [(bytes(f.strokes), f.num_points, f.num_strokes) for f in faces.order_by("pk")]
        faces.delete()
        batch.delete()
    return drawn


@pytest.fixture
def dataset(db, templates) -> Dataset:
    generator = generator_model_get("face")
    empty = (stroke3_to_bytes(np.zeros((0, 3), dtype=np.int16)), 0, 0)
    copies = [
        Face(
            generator=generator, seed=10**9 + i, temperature=0.5,
            strokes=drawn[0], num_points=drawn[1], num_strokes=drawn[2],
        )
        for i in range(COPIES)
        for drawn in [empty if i == 7 else templates[i % len(templates)]]
    ]  # fmt: skip
    Face.objects.bulk_create(copies)
    faces = list(Face.objects.order_by("pk"))
    now = timezone.now()
    votes = []
    for k, face in enumerate(faces):
        Face.objects.filter(pk=face.pk).update(created=now - timedelta(days=k))
        interesting, boring = k % 4, (k * 3) % 5
        votes += [
            Vote(face=face, voter=f"anon:{v:032x}", label="interesting") for v in range(interesting)
        ]
        votes += [Vote(face=face, voter=f"user:{v}", label="boring") for v in range(boring)]
        # A voided vote never counts and is never exported.
        votes.append(Vote(face=face, voter="anon:spammer", label="interesting", voided=True))
    Vote.objects.bulk_create(votes)
    face_counters_refresh(face_ids=[f.pk for f in faces])
    Face.objects.filter(pk__in=[faces[3].pk, faces[9].pk]).update(status=FaceStatus.HIDDEN)
    Face.objects.filter(pk=faces[10].pk).update(status=FaceStatus.FILTERED)
    return Dataset(faces=list(Face.objects.order_by("pk")))
