"""Writes: casting, changing and undoing votes, and reporting faces.

Every vote change locks the face row, so concurrent votes on one face are serialised and
the counters and ranking scores always equal the counted, non-voided vote rows.

Who counts (README "Voting"): vote_cast records the voter's standing first (voters.py: the
cap on new voters per IP prefix, established or fresh). An established voter's vote is
inserted `counted` only while the face has fewer than VOTE_COUNTED_PER_FACE_PREFIX counted
votes from the vote's IP prefix; otherwise the row is kept, uncounted. A fresh voter's vote
is kept *pending* (uncounted, untrusted): it moves no ranking until the voter becomes
established, when voter_votes_vouch counts its pending votes under the same cap. A vote
keeps its `counted` when its label changes. A voided vote stays
voided: casting it again or undoing it changes nothing, so a voided voter cannot put its
vote back. Reports: one per voter and face, and one per IP hash and face.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import partial

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Field, Q
from django.utils import timezone

from facegallery.gallery.models import Face, FaceStatus
from facegallery.gallery.ranking import face_ranking
from facegallery.voting.models import Block, Label, Report, Vote
from facegallery.voting.tasks import voter_votes_vouch_task
from facegallery.voting.voters import voter_touch


class VotingError(Exception):
    """A vote or report that must not be recorded; the message is safe to show."""

    status = 400


class FaceNotFound(VotingError):
    status = 404


class VoterBlocked(VotingError):
    status = 403


class VoterUnknown(VotingError):
    """A vote or report from a request without a voter (voting/identity.py)."""

    status = 403

    def __init__(self) -> None:
        super().__init__(
            "no voter yet: open the page (or GET /api/csrf) first and keep its cookies"
        )


@dataclass(frozen=True)
class VoteResult:
    face_id: int
    label: str | None  # the voter's label now (None after an undo)
    interesting_count: int
    boring_count: int
    changed: bool
    # Whether the voter's vote is in the counters: false while it is pending (its voter is
    # fresh) or over its prefix's share of the face, and after an undo.
    counted: bool = False
    # The vote waits for its voter to be established (voters.py): it counts from then on.
    pending: bool = False


# The vote path is the site's hottest write: its three statements (lock, insert, update)
# are plain SQL: the ORM spent ~1.2 ms more CPU per vote building them (of ~5 ms a vote).
# Table and column names come from the models' _meta.
_FACE = Face._meta.db_table
_BLOCK = Block._meta.db_table
_VOTE = Vote._meta.db_table


def _lock_visible_face(
    face_id: int, *, voter: str | None = None, ip_hash: str = "", ip_prefix_hash: str = ""
) -> Face:
    """Lock the visible face's row for this vote change; with `voter`, refuse a blocked one
    (the voter, its IP hash or its IP prefix hash).

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
        if ip_prefix_hash:
            blocked += " OR (kind = %s AND value = %s)"
            params += [Block.Kind.IP_PREFIX, ip_prefix_hash]
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
        else _is_blocked(voter, ip_hash, ip_prefix_hash)
    ):
        raise VoterBlocked("you are blocked from voting")
    if face is None:
        raise FaceNotFound(f"face {face_id} does not exist")
    return face


def _is_blocked(voter: str, ip_hash: str, ip_prefix_hash: str = "") -> bool:
    blocked = Q(kind=Block.Kind.VOTER, value=voter)
    if ip_hash:
        blocked |= Q(kind=Block.Kind.IP_HASH, value=ip_hash)
    if ip_prefix_hash:
        blocked |= Q(kind=Block.Kind.IP_PREFIX, value=ip_prefix_hash)
    return Block.objects.filter(blocked).exists()


def _under_cap(face: str, prefix: str) -> str:
    """SQL: whether the prefix's counted votes on the face are under the cap (%(cap)s), for
    SQL expressions (or placeholders) of the face id and the prefix hash. No prefix (a
    script, a test): always under."""
    return (
        f"({prefix} = '' OR (SELECT count(*) < %(cap)s FROM \"{_VOTE}\" w "
        f"WHERE w.face_id = {face} AND w.ip_prefix_hash = {prefix} AND w.counted "
        "AND NOT w.voided))"
    )


# An established voter's new vote is counted under the cap; a fresh voter's is pending.
_COUNTED = f"(%(trusted)s AND {_under_cap('%(face)s', '%(prefix)s')})"


def _vote_insert_new(
    *, face_id: int, voter: str, label: str, ip_hash: str, ip_prefix_hash: str, trusted: bool
) -> bool | None:
    """Insert the vote unless the voter has one on the face already: whether it is counted,
    or None if the voter had a vote (nothing inserted).

    ON CONFLICT DO NOTHING on the (face, voter) constraint: a first vote, the common case,
    costs one statement (the cap is a subquery) instead of a lookup and an insert.
    """
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f'INSERT INTO "{_VOTE}" (face_id, voter, label, ip_hash, ip_prefix_hash, created, '
            "updated, voided, counted, trusted) SELECT %(face)s, %(voter)s, %(label)s, "
            f"%(ip)s, %(prefix)s, %(now)s, %(now)s, false, {_COUNTED}, %(trusted)s "
            "ON CONFLICT (face_id, voter) DO NOTHING RETURNING counted",
            {
                "face": face_id,
                "voter": voter,
                "label": label,
                "ip": ip_hash,
                "prefix": ip_prefix_hash,
                "now": now,
                "trusted": trusted,
                "cap": settings.VOTE_COUNTED_PER_FACE_PREFIX,
            },
        )
        row = cursor.fetchone()
    return None if row is None else bool(row[0])


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


def _result(
    face: Face, label: str | None, changed: bool, counted: bool = False, pending: bool = False
) -> VoteResult:
    counts = face.interesting_count, face.boring_count
    return VoteResult(face.pk, label, *counts, changed, counted, pending)


@transaction.atomic
def vote_cast(
    *,
    face_id: int,
    voter: str,
    label: str,
    ip_hash: str = "",
    ip_prefix_hash: str = "",
    voter_since: datetime | None = None,
) -> VoteResult:
    """Record `voter`'s label for a visible face, or change it. Idempotent.

    `voter_since`: when the voter's ticket was issued (voting/identity.py); None vouches for
    the voter (an account, a simulation), which then counts as established. Raises
    TooManyNewVoters for a new voter over its prefix's cap (nothing written).
    """
    if label not in Label.values:
        raise VotingError(f"label must be one of {', '.join(Label.values)}")
    face = _lock_visible_face(face_id, voter=voter, ip_hash=ip_hash, ip_prefix_hash=ip_prefix_hash)
    standing = voter_touch(voter=voter, since=voter_since, ip_prefix_hash=ip_prefix_hash)
    if standing.just_established:
        transaction.on_commit(partial(voter_votes_vouch_task.delay, voter))
    counted = _vote_insert_new(
        face_id=face.pk,
        voter=voter,
        label=label,
        ip_hash=ip_hash,
        ip_prefix_hash=ip_prefix_hash,
        trusted=standing.established,
    )
    if counted is not None:
        if counted:
            _apply(face, *_delta(label, +1))
        return _result(face, label, True, counted, pending=not standing.established)
    # The face lock is held, so this vote cannot change or vanish before we update it.
    vote = Vote.objects.get(face=face, voter=voter)
    if vote.voided or vote.label == label:
        return _result(face, label, False, vote.counted and not vote.voided, not vote.trusted)
    if vote.counted:
        old_i, old_b = _delta(vote.label, -1)
        new_i, new_b = _delta(label, +1)
        _apply(face, old_i + new_i, old_b + new_b)
    vote.label = label
    vote.save(update_fields=["label", "updated"])
    return _result(face, label, True, vote.counted, pending=not vote.trusted)


@transaction.atomic
def vote_undo(*, face_id: int, voter: str) -> VoteResult:
    """Remove `voter`'s vote on a visible face (nothing to undo is not an error; a voided
    vote stays, see the module docstring)."""
    face = _lock_visible_face(face_id)
    vote = Vote.objects.filter(face=face, voter=voter).first()
    if vote is None or vote.voided:
        return _result(face, None, changed=False)
    if vote.counted:
        _apply(face, *_delta(vote.label, -1))
    vote.delete()
    return _result(face, None, changed=True)


REFRESH_CHUNK = 500  # faces locked and recounted per transaction


def voter_votes_vouch(*, voter: str) -> int:
    """Count an established voter's pending votes: each becomes trusted, and counted where its
    face is still under its prefix's cap. The number of votes that now count.

    Per chunk of faces, locked in id order (no deadlock with vote_cast), one UPDATE: each
    of the voter's votes is on a different face, so the caps read before it hold.
    """
    face_ids = list(
        Vote.objects.filter(voter=voter, trusted=False, voided=False)
        .order_by("face_id")
        .values_list("face_id", flat=True)
    )
    counted = 0
    for start in range(0, len(face_ids), REFRESH_CHUNK):
        with transaction.atomic():
            locked = faces_lock(face_ids[start : start + REFRESH_CHUNK])
            under_cap = _under_cap("v.face_id", "v.ip_prefix_hash")
            with connection.cursor() as cursor:
                cursor.execute(
                    f'UPDATE "{_VOTE}" AS v SET trusted = true, counted = {under_cap} '
                    "WHERE v.voter = %(voter)s AND NOT v.trusted AND NOT v.voided "
                    "AND v.face_id = ANY(%(faces)s) RETURNING v.counted",
                    {"voter": voter, "faces": locked, "cap": settings.VOTE_COUNTED_PER_FACE_PREFIX},
                )
                counted += sum(1 for (now_counted,) in cursor.fetchall() if now_counted)
            faces_counters_recount(locked)
    return counted


def face_counters_refresh(*, face_ids: Iterable[int]) -> None:
    """Recompute counters and ranking of faces from their counted, non-voided vote rows.

    In bulk: per chunk of faces, one transaction locks them (in id order, as vote_cast and
    the moderation services do: no deadlocks), counts their rows in one GROUP BY and
    writes every face in one UPDATE.
    """
    ids = sorted({int(face_id) for face_id in face_ids})
    for start in range(0, len(ids), REFRESH_CHUNK):
        with transaction.atomic():
            faces_counters_recount(ids[start : start + REFRESH_CHUNK])


def faces_lock(face_ids: Iterable[int]) -> list[int]:
    """Lock faces in id order for a change of their votes (the lock vote_cast takes); the ids
    of those that exist. In the caller's transaction."""
    return list(
        Face.objects.select_for_update(no_key=True)
        .filter(pk__in=sorted(set(face_ids)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def faces_counters_recount(face_ids: list[int]) -> None:
    """face_counters_refresh for one chunk of ids, in the caller's transaction."""
    if not face_ids:
        return
    locked = faces_lock(face_ids)
    counts = dict.fromkeys(locked, (0, 0))
    rows = (
        Vote.objects.filter(face_id__in=locked, voided=False, counted=True)
        .values("face_id")
        .annotate(
            interesting=Count("pk", filter=Q(label=Label.INTERESTING)),
            boring=Count("pk", filter=Q(label=Label.BORING)),
        )
        .values_list("face_id", "interesting", "boring")
    )
    for face_id, interesting, boring in rows:
        counts[face_id] = (interesting, boring)
    if not counts:
        return
    fields = ["interesting_count", "boring_count", *face_ranking(0, 0)]
    values, params = [], []
    for face_id, (interesting, boring) in counts.items():
        ranking = face_ranking(interesting, boring)
        values.append("(" + ", ".join(["%s"] * (len(fields) + 1)) + ")")
        params += [face_id, interesting, boring, *ranking.values()]
    columns = ", ".join(f'"{_face_column(field)}" = v.c{i}' for i, field in enumerate(fields))
    names = ", ".join(f"c{i}" for i in range(len(fields)))
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{_FACE}" AS f SET {columns} FROM (VALUES {", ".join(values)}) '
            f"AS v(id, {names}) WHERE f.id = v.id",
            params,
        )


@transaction.atomic
def report_create(
    *, face_id: int, voter: str, reason: str = "", ip_hash: str = "", ip_prefix_hash: str = ""
) -> Report:
    """Report a visible face to the moderation queue: once per voter and face, and once per
    IP hash and face (a second report from the same address is the first one, returned)."""
    face = _lock_visible_face(face_id, voter=voter, ip_hash=ip_hash, ip_prefix_hash=ip_prefix_hash)
    # The face lock serialises reports on the face: no duplicate between check and insert.
    if ip_hash:
        earlier = Report.objects.filter(face=face, ip_hash=ip_hash).order_by("pk").first()
        if earlier is not None:
            return earlier
    report, _ = Report.objects.get_or_create(
        face=face, voter=voter, defaults={"reason": reason[:500], "ip_hash": ip_hash}
    )
    return report
