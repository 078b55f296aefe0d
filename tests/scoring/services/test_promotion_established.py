"""Promotion is judged on held-out votes from established voters only: fresh identities, the
cheapest thing an attacker has, can neither vouch for a scorer nor sink one."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from facegallery.gallery.models import Face
from facegallery.scoring.models import ScorerVersion
from facegallery.scoring.selectors import vote_counts_fetch, vote_id_max
from facegallery.scoring.services.labels import ROBUST_WEIGHTS, is_holdout
from facegallery.scoring.services.training import scorer_retrain
from facegallery.voting.models import Label, Voter
from tests.factories import VoteFactory

pytestmark = pytest.mark.django_db
FRESH_PER_FACE = 10


def liked(face: Face) -> bool:
    return face.num_strokes >= 6


def label(value: bool) -> str:
    return Label.INTERESTING if value else Label.BORING


def vote_everything(faces: list[Face], percent: int, *, held_out: str) -> list[Face]:
    """Established voters (one a face) vote every face by the taste; on the held-out faces
    FRESH_PER_FACE fresh voters, each from its own network, vote the opposite: `held_out`
    "against" them, or "only" (the established voters leave those faces alone). Returns the
    held-out faces."""
    held = is_holdout(np.array([f.pk for f in faces]), percent)
    held_faces = [face for face, h in zip(faces, held, strict=True) if h]
    for face, h in zip(faces, held, strict=True):
        if not (h and held_out == "only"):
            VoteFactory.create(face=face, voter=f"anon:est{face.pk}", label=label(liked(face)))
        if h:
            votes = VoteFactory.create_batch(
                FRESH_PER_FACE, face=face, label=label(not liked(face))
            )
            Voter.objects.bulk_create(
                [Voter(key=v.voter, ip_prefix_hash="", minted_at=v.created,
                       first_vote_at=v.created, last_vote_at=v.created) for v in votes]
            )  # fmt: skip
    return held_faces


def test_fresh_voters_on_held_out_faces_cannot_sink_a_good_scorer(fast_scoring, many_faces):
    held = vote_everything(many_faces, fast_scoring.SCORER_HOLDOUT_PERCENT, held_out="against")
    # Were fresh votes weighed like any other, the held-out labels would say the opposite.
    everyone_counts = replace(ROBUST_WEIGHTS, fresh_weight=1.0)
    counts = vote_counts_fetch(max_vote_id=vote_id_max(), weights=everyone_counts)
    everyone = dict(
        zip(
            counts.face_ids.tolist(),
            counts.interesting / (counts.interesting + counts.boring),
            strict=True,
        )
    )
    assert np.mean([(everyone[f.pk] > 0.5) == liked(f) for f in held]) < 0.5
    result = scorer_retrain(force=True)
    assert result.promoted and result.auc is not None and result.auc > 0.7
    assert result.version is not None
    version = ScorerVersion.objects.get(version=result.version)
    assert version.holdout_faces == len(held) and version.max_vote_id == vote_id_max()


def test_held_out_faces_voted_only_by_fresh_voters_judge_nothing(fast_scoring, many_faces):
    vote_everything(many_faces, fast_scoring.SCORER_HOLDOUT_PERCENT, held_out="only")
    result = scorer_retrain(force=True)
    assert result.version is None and "0 held out" in result.reason
    assert not ScorerVersion.objects.exists()
