"""Reads for voting: a voter's labels on faces."""

from __future__ import annotations

from collections.abc import Iterable

from facegallery.voting.models import Vote


def vote_labels_for_faces(*, voter: str | None, face_ids: Iterable[int]) -> dict[int, str]:
    """{face id: label} of the voter's (non-voided) votes among `face_ids`."""
    ids = list(face_ids)
    if not voter or not ids:
        return {}
    rows = Vote.objects.filter(voter=voter, face_id__in=ids, voided=False)
    return dict(rows.values_list("face_id", "label"))


def face_votes_of_voter(
    *, voter: str | None, face_ids: Iterable[int]
) -> dict[int, tuple[str, int, int]]:
    """{face id: (the voter's label, interesting, boring)} for the faces among `face_ids`
    that `voter` has a (non-voided) vote on, with the faces' counters as they are now."""
    ids = list(face_ids)
    if not voter or not ids:
        return {}
    rows = Vote.objects.filter(voter=voter, face_id__in=ids, voided=False).values_list(
        "face_id", "label", "face__interesting_count", "face__boring_count"
    )
    return {face_id: (label, interesting, boring) for face_id, label, interesting, boring in rows}
