"""What the database says an attack achieved, for bench.attack (Django set up by the caller).

Votes are found by the salted hash of the address they came from (the site stores nothing
else about the client), so a group of clients is a set of addresses. A vote counts when it is
in the face's counters: `counted` and not voided (every vote counted, on a schema without
the flag).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

import numpy as np
from django.conf import settings
from django.db.models import Q

from facegallery.gallery.models import Face, FaceStatus
from facegallery.scoring.services.features import normalised_drawings
from facegallery.voting.models import Report, Vote, Voter
from generator.tastes import taste_likes


def address_hashes(addresses: Iterable[str]) -> list[str]:
    salt = settings.VOTER_HASH_SALT.encode()
    return [hmac.new(salt, a.encode(), hashlib.sha256).hexdigest() for a in addresses]


def _counted() -> Q:
    has_flag = any(f.name == "counted" for f in Vote._meta.get_fields())
    return Q(voided=False, counted=True) if has_flag else Q(voided=False)


def votes_of(addresses: Iterable[str]) -> dict:
    """Votes recorded from `addresses`, how many of them count, and how many are pending (a
    fresh voter's, waiting for it to be established)."""
    votes = Vote.objects.filter(ip_hash__in=address_hashes(addresses))
    return {
        "recorded": votes.count(),
        "counted": votes.filter(_counted()).count(),
        "pending": votes.filter(voided=False, trusted=False).count(),
    }


def vouches_waiting() -> int:
    """Votes of established voters still pending: the worker's voter_votes_vouch tasks have
    yet to count them."""
    established = Voter.objects.filter(established_at__isnull=False).values("key")
    return Vote.objects.filter(voter__in=established, trusted=False, voided=False).count()


def counted_on(face_id: int, addresses: Iterable[str]) -> int:
    """Counted interesting votes on the face from `addresses`."""
    votes = Vote.objects.filter(face_id=face_id, ip_hash__in=address_hashes(addresses))
    return votes.filter(_counted(), label="interesting").count()


def rank_most_interesting(face_id: int) -> int | None:
    """The face's position on Most interesting (1 = first); None when it is not ranked there
    (not visible, or no counted interesting vote: the page lists those after the ranked
    faces, newest first, under "Not ranked yet")."""
    face = Face.objects.filter(pk=face_id, status=FaceStatus.VISIBLE).first()
    if face is None or face.wilson_interesting <= 0:
        return None
    w = face.wilson_interesting
    ahead = Face.objects.filter(status=FaceStatus.VISIBLE).filter(
        Q(wilson_interesting__gt=w) | Q(wilson_interesting=w, id__gt=face_id)
    )
    return ahead.count() + 1


def reports_of(addresses: Iterable[str]) -> int:
    return Report.objects.filter(ip_hash__in=address_hashes(addresses)).count()


def face_id_max() -> int:
    return Face.objects.order_by("-id").values_list("id", flat=True).first() or 0


def drawn_after(face_id: int) -> int:
    return Face.objects.filter(pk__gt=face_id).exclude(status=FaceStatus.HIDDEN).count()


def rule_shares(tastes: Iterable[str], *, after_id: int, limit: int) -> dict:
    """For the first `limit` faces drawn after `after_id`: the share each taste likes among
    all of them (the generator's own rate) and among the admitted (shown) ones."""
    rows = list(
        Face.objects.filter(pk__gt=after_id)
        .exclude(status=FaceStatus.HIDDEN)
        .order_by("pk")
        .values("strokes", "status", "scorer_version", "generator__scale_factor")[:limit]
    )
    if not rows:
        return {"faces": 0, "admitted": 0, "scorer_version": None}
    drawings = normalised_drawings(
        [bytes(r["strokes"]) for r in rows], rows[0]["generator__scale_factor"]
    )
    shown = np.array([r["status"] == FaceStatus.VISIBLE for r in rows])
    versions = {r["scorer_version"] for r in rows}
    result: dict = {
        "faces": len(rows),
        "admitted": int(shown.sum()),
        "scorer_version": max(versions, key=lambda v: v or 0),
    }
    for taste in tastes:
        liked = taste_likes(taste, drawings)
        result[taste] = {
            "drawn_pct": 100 * float(liked.mean()),
            "admitted_pct": 100 * float(liked[shown].mean()) if shown.any() else None,
        }
    return result
