"""Vote mode's queue: which face a voter labels next (the loop's labelling policy)."""

from __future__ import annotations

import random
from collections.abc import Iterable

from django.db.models import Exists, OuterRef

from facegallery.gallery.models import UNVOTED_POOL, Face, FaceOrigin, FaceStatus
from facegallery.scoring.for_you import for_you
from facegallery.scoring.selectors import not_held_out, uncertain_face_pick
from facegallery.voting.models import Vote

FOR_YOU_QUEUE_SHARE = 0.25  # of a ready visitor's vote-mode faces, from its "For you" order


def _for_you_pick(*, voter: str, exclude_ids: list[int]) -> Face | None:
    """The first visible face of the voter's "For you" order not skipped this visit (never a
    held-out face: see selectors.not_held_out)."""
    skipped = set(exclude_ids)
    ids = [face_id for face_id in for_you(voter=voter).face_ids[:50] if face_id not in skipped]
    visible = Face.objects.filter(not_held_out(), status=FaceStatus.VISIBLE)
    faces = visible.filter(pk__in=ids[:10]).in_bulk()
    return next((faces[face_id] for face_id in ids[:10] if face_id in faces), None)


def face_get_next_for_voting(*, voter: str, exclude_ids: Iterable[int] = ()) -> Face | None:
    """The next visible face to show `voter` in vote mode, or None when none is left.

    Never a face the voter has a vote on (voided ones included: it was theirs) nor one in
    `exclude_ids` (skipped this visit). Faces nobody has voted on yet (the pool that
    generation keeps topped up, index face_pool) come first, because their first labels
    teach the scorer most; then any other face. Within each group the pick starts at a
    random shuffle_key (index face_visible_shuffle) and wraps around, so concurrent voters
    spread over the faces instead of all labelling the same one. At most four indexed
    queries; in front of them, part of the queue goes to the visitor's own "For you" order
    (once it has one) and part to the faces the scorer is least sure of.
    """
    exclude_ids = list(exclude_ids)
    # A visitor with enough votes gets part of its queue from its own "For you" order.
    if random.random() < FOR_YOU_QUEUE_SHARE:
        mine = _for_you_pick(voter=voter, exclude_ids=exclude_ids)
        if mine is not None:
            return mine
    # Active learning: part of the queue goes to the faces the scorer is least sure of.
    uncertain = uncertain_face_pick(voter=voter, exclude_ids=exclude_ids)
    if uncertain is not None:
        return uncertain
    already_voted = Vote.objects.filter(face=OuterRef("pk"), voter=voter)
    candidates = (
        Face.objects.filter(status=FaceStatus.VISIBLE)
        .exclude(pk__in=list(exclude_ids))
        .exclude(Exists(already_voted))
    )
    # Primed faces ("more like this", "finish my drawing") teach the scorer nothing (their
    # votes are not labels: generation/services/priming.py), so they wait with the rest.
    groups = (candidates.filter(UNVOTED_POOL, origin=FaceOrigin.GENERATED), candidates)
    start = random.random()
    for group in groups:
        face = (
            group.filter(shuffle_key__gte=start).order_by("shuffle_key").first()
            or group.filter(shuffle_key__lt=start).order_by("-shuffle_key").first()
        )
        if face is not None:
            return face
    return None
