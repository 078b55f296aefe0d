"""Writes: casting, changing and undoing votes, and reporting faces.

Every vote change locks the face row, so concurrent votes on one face are serialised and
the counters and ranking scores always equal the (non-voided) vote rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q

from facegallery.gallery.models import Face, FaceStatus
from facegallery.gallery.ranking import face_ranking
from facegallery.voting.models import Block, Label, Report, Vote


class VotingError(Exception):
    """A vote or report that must not be recorded; the message is safe to show."""

    status = 400


class FaceNotFound(VotingError):
    status = 404


class VoterBlocked(VotingError):
    status = 403


@dataclass(frozen=True)
class VoteResult:
    face_id: int
    label: str | None  # the voter's label now (None after an undo)
    interesting_count: int
    boring_count: int
    changed: bool


def _lock_visible_face(face_id: int) -> Face:
    face = Face.objects.select_for_update().filter(pk=face_id, status=FaceStatus.VISIBLE).first()
    if face is None:
        raise FaceNotFound(f"face {face_id} does not exist")
    return face


def _check_not_blocked(voter: str, ip_hash: str) -> None:
    blocked = Q(kind=Block.Kind.VOTER, value=voter)
    if ip_hash:
        blocked |= Q(kind=Block.Kind.IP_HASH, value=ip_hash)
    if Block.objects.filter(blocked).exists():
        raise VoterBlocked("you are blocked from voting")


def _apply(face: Face, interesting: int, boring: int) -> None:
    """Move the counters by the given deltas and recompute the ranking, in one UPDATE."""
    face.interesting_count += interesting
    face.boring_count += boring
    ranking = face_ranking(face.interesting_count, face.boring_count)
    for field, value in ranking.items():
        setattr(face, field, value)
    face.save(update_fields=["interesting_count", "boring_count", *ranking])


def _delta(label: str | None, sign: int) -> tuple[int, int]:
    if label == Label.INTERESTING:
        return sign, 0
    if label == Label.BORING:
        return 0, sign
    return 0, 0


def _result(face: Face, label: str | None, changed: bool) -> VoteResult:
    return VoteResult(face.pk, label, face.interesting_count, face.boring_count, changed)


@transaction.atomic
def vote_cast(*, face_id: int, voter: str, label: str, ip_hash: str = "") -> VoteResult:
    """Record `voter`'s label for a visible face, or change it. Idempotent."""
    if label not in Label.values:
        raise VotingError(f"label must be one of {', '.join(Label.values)}")
    _check_not_blocked(voter, ip_hash)
    face = _lock_visible_face(face_id)
    vote = Vote.objects.filter(face=face, voter=voter).first()
    if vote is None:
        Vote.objects.create(face=face, voter=voter, label=label, ip_hash=ip_hash)
        _apply(face, *_delta(label, +1))
        return _result(face, label, changed=True)
    previous = None if vote.voided else vote.label
    if previous == label:
        return _result(face, label, changed=False)
    old_i, old_b = _delta(previous, -1)
    new_i, new_b = _delta(label, +1)
    vote.label, vote.voided, vote.ip_hash = label, False, ip_hash or vote.ip_hash
    vote.save(update_fields=["label", "voided", "ip_hash", "updated"])
    _apply(face, old_i + new_i, old_b + new_b)
    return _result(face, label, changed=True)


@transaction.atomic
def vote_undo(*, face_id: int, voter: str) -> VoteResult:
    """Remove `voter`'s vote on a visible face (nothing to undo is not an error)."""
    face = _lock_visible_face(face_id)
    vote = Vote.objects.filter(face=face, voter=voter).first()
    if vote is None:
        return _result(face, None, changed=False)
    if not vote.voided:
        _apply(face, *_delta(vote.label, -1))
    vote.delete()
    return _result(face, None, changed=True)


def face_counters_refresh(*, face_ids: Iterable[int]) -> None:
    """Recompute counters and ranking of faces from their non-voided vote rows."""
    for face_id in sorted(set(face_ids)):  # a fixed lock order: no deadlocks between refreshes
        with transaction.atomic():
            face = Face.objects.select_for_update().get(pk=face_id)
            counts = Vote.objects.filter(face_id=face_id, voided=False).aggregate(
                interesting=Count("pk", filter=Q(label=Label.INTERESTING)),
                boring=Count("pk", filter=Q(label=Label.BORING)),
            )
            _apply(
                face,
                counts["interesting"] - face.interesting_count,
                counts["boring"] - face.boring_count,
            )


@transaction.atomic
def report_create(*, face_id: int, voter: str, reason: str = "", ip_hash: str = "") -> Report:
    """Report a visible face to the moderation queue (once per voter and face)."""
    _check_not_blocked(voter, ip_hash)
    face = _lock_visible_face(face_id)
    report, _ = Report.objects.get_or_create(
        face=face, voter=voter, defaults={"reason": reason[:500], "ip_hash": ip_hash}
    )
    return report
