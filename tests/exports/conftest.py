"""Export fixtures: copies of real generated faces in a small dataset with votes (the
expected values are in expected.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pytest
from django.utils import timezone

from facegallery.gallery.models import Face, FaceStatus
from generator.strokes import stroke3_to_bytes
from tests.exports.expected import expected_majority
from tests.factories import Drawing, FaceFactory, VoteFactory, real_drawings, votes_insert

COPIES = 40
# A drawing the sampler ended at once: every format must cope with a face without points.
BLANK = Drawing(stroke3_to_bytes(np.zeros((0, 3), dtype=np.int16)), 0, 0, temperature=0.5)


@dataclass
class Dataset:
    faces: list[Face]

    def exported(self, **filters) -> list[Face]:
        """Faces the default export (majority, visible + filtered) would hold, by id."""
        faces = Face.objects.filter(status__in=[FaceStatus.VISIBLE, FaceStatus.FILTERED])
        return [f for f in faces.filter(**filters).order_by("id") if expected_majority(f)]


@pytest.fixture
def dataset(db) -> Dataset:
    """40 faces a day apart, the eighth blank, with votes of visitors and users (and one
    voided and one pending vote each), two hidden and one filtered."""
    drawings = [BLANK if i == 7 else drawn for i, drawn in enumerate(real_drawings() * 8)]
    faces = FaceFactory.create_batch(COPIES, drawings=drawings, temperature=0.5)
    now = timezone.now()
    votes = []
    for k, face in enumerate(faces):
        Face.objects.filter(pk=face.pk).update(created=now - timedelta(days=k))
        votes += VoteFactory.build_batch(k % 4, face=face, label="interesting")
        votes += VoteFactory.build_batch((k * 3) % 5, face=face, label="boring", signed_in=True)
        # A voided vote never counts and is never exported.
        votes.append(VoteFactory.build(face=face, voter="anon:spammer", voided=True))
        # A fresh voter's pending vote is not counted yet, so it is not in the dataset either.
        votes.append(
            VoteFactory.build(face=face, voter="anon:newcomer", counted=False, trusted=False)
        )
    votes_insert(votes)
    Face.objects.filter(pk__in=[faces[3].pk, faces[9].pk]).update(status=FaceStatus.HIDDEN)
    Face.objects.filter(pk=faces[10].pk).update(status=FaceStatus.FILTERED)
    return Dataset(faces=list(Face.objects.order_by("pk")))
