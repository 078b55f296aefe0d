"""Moderation writes. Each one changes the data and records its ModerationEvents atomically.

Face services take many ids (the admin's bulk actions) and return how many faces they
changed; a face already in the wanted state is skipped and gets no event. Rows are locked
in id order, the order vote_cast and face_counters_refresh use, so moderation and voting
never deadlock.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from facegallery.gallery.models import Face, FaceStatus
from facegallery.moderation.models import Action, ModerationEvent
from facegallery.moderation.voiding import VoteSelection, votes_void
from facegallery.voting.models import Block, Report

logger = logging.getLogger(__name__)

_STATUS_BY_LABEL = {status.label: status.value for status in FaceStatus}


class ModerationError(Exception):
    """A moderation request that cannot be carried out; the message is safe to show."""


def _event(
    actor: User,
    action: str,
    *,
    face_id: int | None = None,
    target: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> ModerationEvent:
    return ModerationEvent(
        actor=actor,
        actor_name=actor.get_username(),
        action=action,
        face_id=face_id,
        target=target,
        before=before or {},
        after=after or {},
    )


def _record(events: list[ModerationEvent]) -> None:
    ModerationEvent.objects.bulk_create(events)
    for event in events:
        logger.info("moderation: %s", event)


def _lock_faces(face_ids: Iterable[int]) -> list[Face]:
    ids = sorted({int(face_id) for face_id in face_ids})
    return list(Face.objects.select_for_update().filter(pk__in=ids).order_by("pk").defer("strokes"))


def _status(face: Face) -> str:
    return FaceStatus(face.status).label


def _open_reports_by_face(face_ids: list[int]) -> dict[int, int]:
    counts: dict[int, int] = {}
    for face_id in Report.objects.filter(
        face_id__in=face_ids, resolution=Report.Resolution.OPEN
    ).values_list("face_id", flat=True):
        counts[face_id] = counts.get(face_id, 0) + 1
    return counts


@transaction.atomic
def face_hide(*, face_ids: Iterable[int], actor: User) -> int:
    """Hide faces from every public page and resolve their open reports as "face hidden"."""
    faces = [face for face in _lock_faces(face_ids) if face.status != FaceStatus.HIDDEN]
    ids = [face.pk for face in faces]
    open_reports = _open_reports_by_face(ids)
    Face.objects.filter(pk__in=ids).update(status=FaceStatus.HIDDEN)
    Report.objects.filter(face_id__in=ids, resolution=Report.Resolution.OPEN).update(
        resolution=Report.Resolution.HIDDEN, resolved_at=timezone.now()
    )
    _record(
        [
            _event(
                actor,
                Action.FACE_HIDE,
                face_id=face.pk,
                before={"status": _status(face), "open_reports": open_reports.get(face.pk, 0)},
                after={"status": FaceStatus.HIDDEN.label, "open_reports": 0},
            )
            for face in faces
        ]
    )
    return len(faces)


@transaction.atomic
def face_unhide(*, face_ids: Iterable[int], actor: User) -> int:
    """Give hidden faces back the status they had before they were hidden (else visible)."""
    faces = [face for face in _lock_faces(face_ids) if face.status == FaceStatus.HIDDEN]
    ids = [face.pk for face in faces]
    # The latest hide of each face (DISTINCT ON): a face the scorer had filtered goes back
    # to filtered, not onto the public pages.
    last_hides = (
        ModerationEvent.objects.filter(action=Action.FACE_HIDE, face_id__in=ids)
        .order_by("face_id", "-created", "-id")
        .distinct("face_id")
    )
    restored = {
        event.face_id: _STATUS_BY_LABEL.get(event.before.get("status"), FaceStatus.VISIBLE)
        for event in last_hides
    }
    events = []
    for face in faces:
        status = restored.get(face.pk, FaceStatus.VISIBLE)
        if status == FaceStatus.HIDDEN:
            status = FaceStatus.VISIBLE
        Face.objects.filter(pk=face.pk).update(status=status)
        events.append(
            _event(
                actor,
                Action.FACE_UNHIDE,
                face_id=face.pk,
                before={"status": _status(face)},
                after={"status": FaceStatus(status).label},
            )
        )
    _record(events)
    return len(faces)


def _set_featured(face_ids: Iterable[int], actor: User, *, featured: bool, action: str) -> int:
    faces = [face for face in _lock_faces(face_ids) if face.featured != featured]
    if featured:
        # Pinning a face nobody can see would pin nothing.
        faces = [face for face in faces if face.status == FaceStatus.VISIBLE]
    Face.objects.filter(pk__in=[face.pk for face in faces]).update(featured=featured)
    _record(
        [
            _event(
                actor,
                action,
                face_id=face.pk,
                before={"featured": face.featured},
                after={"featured": featured},
            )
            for face in faces
        ]
    )
    return len(faces)


@transaction.atomic
def face_feature(*, face_ids: Iterable[int], actor: User) -> int:
    """Pin visible faces to the top of the gallery (faces that are not visible are skipped)."""
    return _set_featured(face_ids, actor, featured=True, action=Action.FACE_FEATURE)


@transaction.atomic
def face_unfeature(*, face_ids: Iterable[int], actor: User) -> int:
    return _set_featured(face_ids, actor, featured=False, action=Action.FACE_UNFEATURE)


@transaction.atomic
def face_delete(*, face_ids: Iterable[int], actor: User) -> int:
    """Delete faces with their votes and reports; the event keeps how to draw them again."""
    faces = _lock_faces(face_ids)
    ids = [face.pk for face in faces]
    reports = _open_reports_by_face(ids)
    events = [
        _event(
            actor,
            Action.FACE_DELETE,
            face_id=face.pk,
            before={
                "status": _status(face),
                "featured": face.featured,
                "generator_id": face.generator_id,
                "seed": face.seed,
                "temperature": face.temperature,
                "interesting": face.interesting_count,
                "boring": face.boring_count,
                "open_reports": reports.get(face.pk, 0),
            },
            after={"deleted": True},
        )
        for face in faces
    ]
    Face.objects.filter(pk__in=ids).delete()
    _record(events)
    return len(faces)


@transaction.atomic
def report_dismiss(
    *, actor: User, report_ids: Iterable[int] = (), face_ids: Iterable[int] = ()
) -> int:
    """Dismiss open reports: the given ones and all of the given faces'. Returns how many."""
    report_ids, face_ids = list(report_ids), list(face_ids)
    _lock_faces(
        [*face_ids, *Report.objects.filter(pk__in=report_ids).values_list("face", flat=True)]
    )
    reports = Report.objects.filter(
        Q(pk__in=report_ids) | Q(face_id__in=face_ids), resolution=Report.Resolution.OPEN
    )
    dismissed: dict[int, list[str]] = {}
    for face_id, reason in reports.values_list("face_id", "reason"):
        dismissed.setdefault(face_id, []).append(reason)
    count = reports.update(resolution=Report.Resolution.DISMISSED, resolved_at=timezone.now())
    _record(
        [
            _event(
                actor,
                Action.REPORT_DISMISS,
                face_id=face_id,
                before={"open_reports": len(reasons), "reasons": reasons[:20]},
                after={"dismissed": len(reasons)},
            )
            for face_id, reasons in sorted(dismissed.items())
        ]
    )
    return count


def voter_votes_void(*, voter: str, actor: User) -> int:
    """Void every vote of a voter (spam): kept for the record, gone from counters,
    training and exports; a scorer trained on them may be rolled back (voiding.py, which
    does the work in bulk; bigger selections run as a VoidJob). Returns how many votes
    were voided."""
    if not voter:
        raise ModerationError("name a voter")
    result = votes_void(
        selection=VoteSelection(voters=(voter,)), actor=actor, action=Action.VOTER_VOTES_VOID
    )
    return result.votes


def _block(*, kind: str, value: str, reason: str, actor: User, action: str) -> Block:
    value = value.strip()
    if not value:
        raise ModerationError(f"name the {Block.Kind(kind).label} to block")
    if len(value) > 64:
        raise ModerationError(f"a {Block.Kind(kind).label} is at most 64 characters")
    block, created = Block.objects.get_or_create(
        kind=kind, value=value, defaults={"reason": reason[:200]}
    )
    if created:
        _record([_event(actor, action, target=value, after={"reason": block.reason})])
    return block


@transaction.atomic
def voter_block(*, voter: str, actor: User, reason: str = "") -> Block:
    """Stop a voter from voting and reporting (idempotent)."""
    return _block(
        kind=Block.Kind.VOTER, value=voter, reason=reason, actor=actor, action=Action.VOTER_BLOCK
    )


@transaction.atomic
def ip_hash_block(*, ip_hash: str, actor: User, reason: str = "") -> Block:
    """Stop everyone behind an IP hash from voting and reporting (idempotent)."""
    return _block(
        kind=Block.Kind.IP_HASH,
        value=ip_hash,
        reason=reason,
        actor=actor,
        action=Action.IP_HASH_BLOCK,
    )


@transaction.atomic
def ip_prefix_block(*, ip_prefix_hash: str, actor: User, reason: str = "") -> Block:
    """Stop everyone behind an IP prefix (IPv4 /24, IPv6 /64) from voting and reporting."""
    return _block(
        kind=Block.Kind.IP_PREFIX,
        value=ip_prefix_hash,
        reason=reason,
        actor=actor,
        action=Action.IP_PREFIX_BLOCK,
    )


@transaction.atomic
def block_remove(*, block_ids: Iterable[int], actor: User) -> int:
    blocks = list(Block.objects.select_for_update().filter(pk__in=list(block_ids)))
    Block.objects.filter(pk__in=[block.pk for block in blocks]).delete()
    _record(
        [
            _event(
                actor,
                Action.BLOCK_REMOVE,
                target=block.value,
                before={"kind": block.kind, "reason": block.reason},
                after={"removed": True},
            )
            for block in blocks
        ]
    )
    return len(blocks)
