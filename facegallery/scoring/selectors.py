"""Reads for the scoring loop: labels' vote counts, face rows to featurise, uncertain faces for
active learning, and the loop's history for the admin plot."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.db.models import Count, F, Func, Q

from facegallery.gallery.models import Face, FaceStatus
from facegallery.gallery.selectors import face_pool
from facegallery.scoring.models import ScorerVersion
from facegallery.voting.models import Label, Vote

FEATURE_FIELDS = ("id", "strokes", "temperature", "generator__name", "generator__scale_factor")


def scorer_active_get() -> ScorerVersion | None:
    return ScorerVersion.objects.filter(is_active=True).first()


def scorer_active_version() -> int | None:
    """The active version number: one indexed query, cheap enough for every batch."""
    return ScorerVersion.objects.filter(is_active=True).values_list("version", flat=True).first()


def votes_total() -> int:
    return Vote.objects.filter(voided=False).count()


@dataclass(frozen=True)
class VoteCounts:
    face_ids: np.ndarray
    interesting: np.ndarray
    boring: np.ndarray
    admission_probability: np.ndarray


def vote_counts_fetch() -> VoteCounts:
    """Non-voided interesting/boring counts of every voted face, with its admission
    probability. Counted from the vote rows (the source of truth), not the counters."""
    rows = (
        Vote.objects.filter(voided=False)
        .values("face_id")
        .annotate(
            interesting=Count("id", filter=Q(label=Label.INTERESTING)),
            boring=Count("id", filter=Q(label=Label.BORING)),
            propensity=F("face__admission_probability"),
        )
        .order_by("face_id")
        .values_list("face_id", "interesting", "boring", "propensity")
    )
    table = np.array(list(rows), dtype=np.float64).reshape(-1, 4)
    return VoteCounts(table[:, 0].astype(np.int64), table[:, 1], table[:, 2], table[:, 3])


def face_rows_for_features(face_ids: Iterable[int]) -> list[dict]:
    """Rows (FEATURE_FIELDS) of the given faces, in the order given."""
    ids = [int(i) for i in face_ids]
    by_id = {row["id"]: row for row in Face.objects.filter(pk__in=ids).values(*FEATURE_FIELDS)}
    return [by_id[i] for i in ids if i in by_id]


def recent_draw_rows(limit: int) -> list[dict]:
    """The latest drawn faces whatever the filter decided (shown or filtered): a sample of
    what the generator draws now, used to turn keep shares into score thresholds."""
    rows = Face.objects.exclude(status=FaceStatus.HIDDEN).order_by("-id")[:limit]
    return list(rows.values(*FEATURE_FIELDS))


def _uncertain_faces(*, exclude_ids: Iterable[int], voter: str):
    candidates = face_pool().filter(score__isnull=False).exclude(pk__in=list(exclude_ids))
    if voter:
        candidates = candidates.exclude(votes__voter=voter)
    return candidates.order_by(Func(F("score") - 0.5, function="ABS"), "id")


def uncertain_face_ids(
    *, limit: int = 1, exclude_ids: Iterable[int] = (), voter: str = ""
) -> list[int]:
    """Unvoted visible faces whose score is closest to 1/2, most uncertain first (active
    learning). Only faces scored by a filter have a score; the pool is small (kept at
    the generation target), so sorting it is cheap."""
    faces = _uncertain_faces(exclude_ids=exclude_ids, voter=voter)
    return list(faces.values_list("id", flat=True)[:limit])


def uncertain_face_pick(*, voter: str, exclude_ids: Iterable[int] = (), share: float = 0.5):
    """For vote mode: with probability `share`, one of the 5 most uncertain faces (at random,
    so concurrent voters do not all get the same one), in one query; otherwise, or when no
    face has a score, None (pick as usual)."""
    if random.random() >= share:
        return None
    faces = list(_uncertain_faces(exclude_ids=exclude_ids, voter=voter)[:5])
    return random.choice(faces) if faces else None


@dataclass(frozen=True)
class LoopPoint:
    version: int
    created: object
    auc: float | None
    shown_interesting_share: float | None  # interesting share of votes on faces it admitted
    votes: int


def loop_history() -> list[LoopPoint]:
    """Per version, oldest first: held-out AUC and the interesting-vote share of the shown
    faces it admitted. Version 0 stands for faces shown with no filter."""
    shares = {
        row["face__scorer_version"]: row
        for row in Vote.objects.filter(voided=False, face__explored=False)
        .values("face__scorer_version")
        .annotate(n=Count("id"), i=Count("id", filter=Q(label=Label.INTERESTING)))
    }
    points = []
    unfiltered = shares.get(None)
    if unfiltered:
        points.append(LoopPoint(0, None, None, unfiltered["i"] / unfiltered["n"], unfiltered["n"]))
    for v in ScorerVersion.objects.order_by("version").values("version", "created", "auc"):
        row = shares.get(v["version"])
        share = row["i"] / row["n"] if row else None
        points.append(
            LoopPoint(v["version"], v["created"], v["auc"], share, row["n"] if row else 0)
        )
    return points
