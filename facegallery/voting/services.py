"""Writes: casting, changing and undoing votes, and reporting faces.

Every vote change locks the face row, so concurrent votes on one face are serialised and
the counters and ranking scores always equal the (non-voided) vote rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Field, Q
from django.utils import timezone

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


# The vote path is the site's hottest write: its three statements (lock, insert, update)
# are plain SQL: the ORM spent ~1.2 ms more CPU per vote building them (of ~5 ms a vote).
# Table and column names come from the models' _meta.
_FACE = Face._meta.db_table
_BLOCK = Block._meta.db_table
_VOTE = Vote._meta.db_table


def _lock_visible_face(face_id: int, *, voter: str | None = None, ip_hash: str = "") -> Face:
    """Lock the visible face's row for this vote change; with `voter`, refuse a blocked one.

    FOR NO KEY UPDATE: it serialises vote changes on the face (they all take it) without
    blocking the foreign-key checks of votes and reports being inserted for it. The block
    check rides along as a subquery (one round trip, not two). Only the counters are read.
    """
    blocked, params = "false", []
    if voter is not None:
        blocked = "(kind = %s AND value = %s)"
        params = [Block.Kind.VOTER, voter]
        if ip_hash:
            blocked += " OR (kind = %s AND value = %s)"
            params += [Block.Kind.IP_HASH, ip_hash]
        blocked = f'EXISTS (SELECT 1 FROM "{_BLOCK}" WHERE {blocked})'
    faces = Face.objects.raw(
        f'SELECT id, interesting_count, boring_count, {blocked} AS blocked FROM "{_FACE}" '
        "WHERE id = %s AND status = %s FOR NO KEY UPDATE",
        [*params, face_id, FaceStatus.VISIBLE],
    )
    face = next(iter(faces), None)
    if voter is not None and (
        face.blocked  # type: ignore[attr-defined]  # raw()'s extra column: unknown to the stubs
        if face
        else _is_blocked(voter, ip_hash)
    ):
        raise VoterBlocked("you are blocked from voting")
    if face is None:
        raise FaceNotFound(f"face {face_id} does not exist")
    return face


def _is_blocked(voter: str, ip_hash: str) -> bool:
    blocked = Q(kind=Block.Kind.VOTER, value=voter)
    if ip_hash:
        blocked |= Q(kind=Block.Kind.IP_HASH, value=ip_hash)
    return Block.objects.filter(blocked).exists()


def _vote_insert_new(*, face_id: int, voter: str, label: str, ip_hash: str) -> bool:
    """Insert the vote unless the voter has one on the face already; True if inserted.

    ON CONFLICT DO NOTHING on the (face, voter) constraint: a first vote, the common case,
    costs one statement instead of a lookup and an insert.
    """
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{_VOTE}" (face_id, voter, label, ip_hash, created, updated, voided) '
            "VALUES (%s, %s, %s, %s, %s, %s, false) "
            "ON CONFLICT (face_id, voter) DO NOTHING RETURNING id",
            [face_id, voter, label, ip_hash, now, now],
        )
        return cursor.fetchone() is not None


def _apply(face: Face, interesting: int, boring: int) -> None:
    """Move the counters by the given deltas and recompute the ranking, in one UPDATE.

    The caller holds the face's row lock, so the counters it read are still current.
    """
    face.interesting_count += interesting
    face.boring_count += boring
    ranking = face_ranking(face.interesting_count, face.boring_count)
    for field, value in ranking.items():
        setattr(face, field, value)
    fields = ["interesting_count", "boring_count", *ranking]
    columns = ", ".join(f'"{_face_column(field)}" = %s' for field in fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{_FACE}" SET {columns} WHERE id = %s',
            [*(getattr(face, field) for field in fields), face.pk],
        )


def _face_column(name: str) -> str:
    field = Face._meta.get_field(name)
    # A column of the table (not a reverse relation, nor a field without a column).
    assert isinstance(field, Field) and field.column is not None
    return field.column


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
    face = _lock_visible_face(face_id, voter=voter, ip_hash=ip_hash)
    if _vote_insert_new(face_id=face.pk, voter=voter, label=label, ip_hash=ip_hash):
        _apply(face, *_delta(label, +1))
        return _result(face, label, changed=True)
    # The face lock is held, so this vote cannot change or vanish before we update it.
    vote = Vote.objects.get(face=face, voter=voter)
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
    face = _lock_visible_face(face_id, voter=voter, ip_hash=ip_hash)
    report, _ = Report.objects.get_or_create(
        face=face, voter=voter, defaults={"reason": reason[:500], "ip_hash": ip_hash}
    )
    return report
