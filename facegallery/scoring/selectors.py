"""Reads for the scoring loop: labels' vote counts, face rows to featurise, uncertain faces for
active learning, and the loop's history for the admin plot and the public "Is it learning?"
page."""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import BooleanField, Count, Exists, F, Func, OuterRef, Q
from django.db.models.expressions import RawSQL

from facegallery.gallery.models import Face, FaceOrigin, FaceStatus
from facegallery.gallery.selectors import face_pool
from facegallery.scoring.models import ScorerVersion
from facegallery.scoring.services.labels import (
    HOLDOUT_HASH,
    ROBUST_WEIGHTS,
    RobustWeights,
    is_holdout,
)
from facegallery.voting.models import Label, Vote, Voter

FEATURE_FIELDS = ("id", "strokes", "temperature", "generator__name", "generator__scale_factor")


def scorer_active_get() -> ScorerVersion | None:
    return ScorerVersion.objects.filter(is_active=True).first()


def scorer_active_version() -> int | None:
    """The active version number: one indexed query, cheap enough for every batch."""
    return ScorerVersion.objects.filter(is_active=True).values_list("version", flat=True).first()


def votes_total(*, max_vote_id: int | None = None) -> int:
    """Non-voided votes (up to `max_vote_id`)."""
    votes = Vote.objects.filter(voided=False)
    return (votes if max_vote_id is None else votes.filter(pk__lte=max_vote_id)).count()


def vote_id_max() -> int:
    """The newest vote's id (0 without votes): what a training run can see."""
    return Vote.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


@dataclass(frozen=True)
class VoteCounts:
    face_ids: np.ndarray
    interesting: np.ndarray  # robust vote weights (labels.py), plain counts for honest votes
    boring: np.ndarray
    admission_probability: np.ndarray
    votes: np.ndarray  # vote rows, for the min-votes threshold


_VOTE, _VOTER, _FACE = Vote._meta.db_table, Voter._meta.db_table, Face._meta.db_table
# The robust weights of labels.py, steps 1-4, one CTE each. A vote without an IP prefix
# hash (older than prefixes) is grouped by its IP hash, or failing that by its voter. Votes
# on primed faces are left out from the start: those faces are not the generator's own draws
# and were admitted without the filter (generation/services/priming.py), so as labels they
# would skew the exploration-weighted estimate of unprimed faces, and they take no part in
# any voter's or prefix's share either.
_ROBUST_COUNTS = f"""
WITH v AS (
    SELECT vote.face_id, vote.voter, (vote.label = %(interesting)s)::int AS y,
        COALESCE(NULLIF(vote.ip_prefix_hash, ''), NULLIF(vote.ip_hash, ''), vote.voter) AS p,
        CASE WHEN voter.id IS NOT NULL AND voter.established_at IS NULL
            THEN %(fresh)s ELSE 1.0 END AS t
    FROM "{_VOTE}" vote LEFT JOIN "{_VOTER}" voter ON voter.key = vote.voter
        JOIN "{_FACE}" drawn ON drawn.id = vote.face_id AND drawn.origin = %(generated)s
    WHERE NOT vote.voided AND vote.id <= %(max_id)s
        AND (NOT (%(established_only)s OR %(fresh)s = 0)
             OR voter.id IS NULL OR voter.established_at IS NOT NULL)
), a AS (
    SELECT face_id, p, y, t * LEAST(1.0, %(voter_cap)s / count(*) OVER (PARTITION BY voter)) AS a
    FROM v
), b AS (
    SELECT face_id, p, y,
        a * LEAST(1.0, GREATEST(%(prefix_floor)s,
                                %(prefix_share)s * (sum(a) OVER () - sum(a) OVER (PARTITION BY p)))
                       / sum(a) OVER (PARTITION BY p)) AS b
    FROM a
), c AS (
    SELECT face_id, sum(b * y) AS i, sum(b * (1 - y)) AS o, sum(b) AS w, count(*) AS n
    FROM b GROUP BY face_id, p
)
SELECT c.face_id, sum(c.i * LEAST(1.0, %(prefix_face_cap)s / c.w)),
    sum(c.o * LEAST(1.0, %(prefix_face_cap)s / c.w)), f.admission_probability, sum(c.n)
FROM c JOIN "{_FACE}" f ON f.id = c.face_id
GROUP BY c.face_id, f.admission_probability ORDER BY c.face_id
"""


def vote_counts_fetch(
    *,
    max_vote_id: int | None = None,
    established_only: bool = False,
    weights: RobustWeights = ROBUST_WEIGHTS,
) -> VoteCounts:
    """Every voted face's interesting and boring vote weights (labels.py, robust weights),
    vote rows and admission probability, from the non-voided vote rows (the source of
    truth, not the counters) up to `max_vote_id`; established voters' only if asked."""
    params: dict[str, str | int | float | bool] = {
        "interesting": Label.INTERESTING.value,
        "generated": FaceOrigin.GENERATED.value,
        "max_id": max_vote_id if max_vote_id is not None else vote_id_max(),
        "established_only": established_only,
        "fresh": weights.fresh_weight,
        "voter_cap": weights.voter_cap,
        "prefix_floor": weights.prefix_floor,
        "prefix_share": weights.prefix_share,
        "prefix_face_cap": weights.prefix_face_cap,
    }
    with connection.cursor() as cursor:
        cursor.execute(_ROBUST_COUNTS, params)
        rows = cursor.fetchall()
    table = np.array(rows, dtype=np.float64).reshape(-1, 5)
    return VoteCounts(
        table[:, 0].astype(np.int64), table[:, 1], table[:, 2], table[:, 3], table[:, 4]
    )


def face_rows_for_features(face_ids: Iterable[int]) -> list[dict]:
    """Rows (FEATURE_FIELDS) of the given faces, in the order given."""
    ids = [int(i) for i in face_ids]
    by_id = {row["id"]: row for row in Face.objects.filter(pk__in=ids).values(*FEATURE_FIELDS)}
    return [by_id[i] for i in ids if i in by_id]


def recent_scores(*, version: int, temperature: float, limit: int) -> np.ndarray:
    """The scores `version` gave the latest `limit` draws at `temperature` (shown, filtered
    or hidden since), newest first: admission calibrates its threshold on them."""
    scores = (
        Face.objects.filter(
            scorer_version=version,
            temperature__range=(temperature - 1e-6, temperature + 1e-6),
            score__isnull=False,
        )
        .order_by("-pk")
        .values_list("score", flat=True)[:limit]
    )
    return np.fromiter(scores, np.float64)


def recent_draw_rows(limit: int) -> list[dict]:
    """The latest drawn faces whatever the filter decided (shown or filtered): a sample of
    what the generator draws now, used to turn keep shares into score thresholds. Primed
    faces are not what it draws unprompted, so they are left out."""
    drawn = Face.objects.exclude(status=FaceStatus.HIDDEN).filter(origin=FaceOrigin.GENERATED)
    rows = drawn.order_by("-id")[:limit]
    return list(rows.values(*FEATURE_FIELDS))


def not_held_out() -> RawSQL:
    """SQL: the face is not held out (labels.is_holdout, in PostgreSQL). Faces a model picks
    for labelling (the scorer's uncertain ones, a visitor's "For you") are never held out, so
    the held-out faces that judge a candidate against the active scorer were chosen by
    neither of them."""
    return RawSQL(
        f"(mod(id::numeric * {HOLDOUT_HASH}, 4294967296) %% 100) >= %s",
        [settings.SCORER_HOLDOUT_PERCENT],
        output_field=BooleanField(),
    )


def _uncertain_faces(*, exclude_ids: Iterable[int], voter: str):
    # The pool is faces with no *counted* vote; a face with a pending vote (a fresh voter's,
    # counted later) stays in it. Without the Exists, every fresh visitor would be sent to
    # the same few most uncertain faces until their votes count, and a crowd behind one
    # address would meet there and run into its per-face cap.
    candidates = (
        face_pool()
        .filter(not_held_out(), score__isnull=False)
        .exclude(pk__in=list(exclude_ids))
        .exclude(Exists(Vote.objects.filter(face=OuterRef("pk"), voided=False)))
    )
    if voter:  # its own voided votes too: it was theirs
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


# --- The loop told to visitors (pages: "Is it learning?") -------------------------------------

VERSION_SUMMARY_FIELDS = (
    "version",
    "created",
    "seconds",
    "auc",
    "incumbent_version",
    "incumbent_auc",
    "training_faces",
    "holdout_faces",
    "votes_seen",
    "promoted",
    "is_active",
    "pinned",
    "note",
)


@dataclass(frozen=True)
class ScorerVersionSummary:
    version: int
    created: datetime
    seconds: float  # training time: it started `seconds` before `created`
    auc: float | None  # held-out
    incumbent_version: int | None  # the version active when it was trained
    incumbent_auc: float | None  # that version's AUC on the same held-out faces
    training_faces: int
    holdout_faces: int
    votes_seen: int
    promoted: bool
    is_active: bool
    pinned: bool
    note: str  # why it was promoted or not

    @property
    def trained_from(self) -> datetime:
        """When its training started: votes cast before then are the ones it learned from."""
        return self.created - timedelta(seconds=self.seconds)


def scorer_version_summaries() -> list[ScorerVersionSummary]:
    """Every scorer version, oldest first, without its artifact."""
    rows = ScorerVersion.objects.order_by("version").values(*VERSION_SUMMARY_FIELDS)
    return [ScorerVersionSummary(**row) for row in rows]


@dataclass(frozen=True)
class FilterSamples:
    let_through: list[Face]  # admitted on its score (exploration picks left out), still shown
    held_back: list[Face]  # status FILTERED: never shown anywhere else


def filter_samples(*, version: int, limit: int) -> FilterSamples:
    """The newest faces scorer `version` let through beside the newest it held back.

    Faces a moderator hid are in neither list. Both walk an index newest first (the
    visible faces' and (status, id)) and stop after `limit` faces of this version.
    """
    faces = Face.objects.filter(scorer_version=version).only("id", "strokes")
    let_through = faces.filter(status=FaceStatus.VISIBLE, explored=False).order_by("-id")
    held_back = faces.filter(status=FaceStatus.FILTERED).order_by("-id")
    return FilterSamples(list(let_through[:limit]), list(held_back[:limit]))


@dataclass(frozen=True)
class VoterContribution:
    votes: int  # the voter's votes the version's training saw
    learned_from: int  # of those, on faces it trained on
    tested_on: int  # of those, on faces held out to test it


def voter_votes_in_scorer(*, voter: str | None, version: int) -> VoterContribution:
    """How many of `voter`'s votes went into scorer `version`: not voided, and among the votes
    its training saw (ids up to its max_vote_id; for a version trained before that was
    recorded, cast before its training started). The held-out share follows the face ids,
    as training splits them."""
    scorer = ScorerVersion.objects.filter(version=version)
    trained = scorer.values_list("max_vote_id", "created", "seconds").first()
    if not voter or trained is None:
        return VoterContribution(0, 0, 0)
    max_vote_id, created, seconds = trained
    votes = Vote.objects.filter(voter=voter, voided=False)
    if max_vote_id is not None:
        votes = votes.filter(pk__lte=max_vote_id)
    else:
        votes = votes.filter(created__lt=created - timedelta(seconds=seconds))
    face_ids = votes.values_list("face_id", flat=True)
    ids = np.fromiter(face_ids, dtype=np.int64)
    held = int(is_holdout(ids, settings.SCORER_HOLDOUT_PERCENT).sum()) if len(ids) else 0
    return VoterContribution(len(ids), len(ids) - held, held)
