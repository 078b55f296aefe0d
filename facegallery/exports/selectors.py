"""Reads for exports: the faces (or votes) an export selects, streamed in chunks.

Rows are read by keyset pagination on the primary key (``id > last ORDER BY id LIMIT n``):
each chunk is one short indexed query, so memory stays flat whatever the size, no
transaction stays open for minutes (an export's progress commits stay visible), and
PostgreSQL never materialises the whole result as a WITH HOLD cursor would. The id bound is
fixed when the export starts, so faces drawn meanwhile do not change the total.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.db.models import F, Max, Q, QuerySet
from django.db.models.expressions import RawSQL

from facegallery.exports.labels import LabelRule
from facegallery.gallery.models import Face, FaceStatus, GeneratorModel
from facegallery.voting.models import Vote
from generator.packing_batch import unpack_many_flat

CHUNK_SIZE = 5000

DEFAULT_STATUSES = (FaceStatus.VISIBLE, FaceStatus.FILTERED)  # hidden only when asked for


@dataclass(frozen=True)
class FaceFilters:
    label_rule: LabelRule
    min_votes: int = 0
    since: datetime | None = None  # created >= since
    until: datetime | None = None  # created < until
    generator: str | None = None  # GeneratorModel.name (every digest of it)
    statuses: tuple[int, ...] = DEFAULT_STATUSES


@dataclass
class FaceChunk:
    """Up to CHUNK_SIZE faces as columns (numpy arrays, except the lists)."""

    ids: np.ndarray  # int64
    created_us: np.ndarray  # int64 microseconds since the Unix epoch (UTC)
    generators: list[str]
    seeds: np.ndarray  # int64
    temperatures: np.ndarray  # float64
    num_points: np.ndarray  # int32
    num_strokes: np.ndarray  # int32
    points: np.ndarray  # (P, 3) int16 stroke-3 of every face, Quick, Draw! pixels
    offsets: np.ndarray  # (n + 1,) int64: face i is points[offsets[i]:offsets[i + 1]]
    interesting: np.ndarray  # int64
    boring: np.ndarray  # int64
    wilson_interesting: np.ndarray  # float64
    wilson_boring: np.ndarray  # float64

    def __len__(self) -> int:
        return len(self.ids)


def _label_rule_q(rule: LabelRule) -> Q:
    """Faces the rule can label (the others are not exported)."""
    if rule.name == "wilson":
        return Q(wilson_interesting__gte=rule.threshold) | Q(wilson_boring__gte=rule.threshold)
    if rule.is_soft:
        return Q(interesting_count__gt=0) | Q(boring_count__gt=0)
    return ~Q(interesting_count=F("boring_count"))


def export_face_queryset(filters: FaceFilters) -> QuerySet[Face]:
    qs = Face.objects.filter(status__in=filters.statuses).filter(_label_rule_q(filters.label_rule))
    if filters.min_votes:
        qs = qs.alias(total=F("interesting_count") + F("boring_count")).filter(
            total__gte=filters.min_votes
        )
    if filters.since:
        qs = qs.filter(created__gte=filters.since)
    if filters.until:
        qs = qs.filter(created__lt=filters.until)
    if filters.generator:
        qs = qs.filter(generator__name=filters.generator)
    return qs


def export_id_bound() -> int:
    """The highest face id now: an export reads no face drawn after it started."""
    return Face.objects.aggregate(top=Max("id"))["top"] or 0


def export_face_count(filters: FaceFilters, *, id_bound: int) -> int:
    return export_face_queryset(filters).filter(id__lte=id_bound).count()


def generator_names() -> list[str]:
    return sorted(set(GeneratorModel.objects.values_list("name", flat=True)))


# Microseconds since the epoch, computed by PostgreSQL: parsing a million timestamps into
# datetime objects in Python would cost about 10 s of an export.
_CREATED_US = RawSQL("(extract(epoch from gallery_face.created) * 1000000)::bigint", [])
_FACE_COLUMNS = (
    "id",
    "created_us",
    "generator_id",
    "seed",
    "temperature",
    "num_points",
    "num_strokes",
    "strokes",
    "interesting_count",
    "boring_count",
    "wilson_interesting",
    "wilson_boring",
)


def export_face_chunks(
    filters: FaceFilters, *, id_bound: int, chunk_size: int = CHUNK_SIZE
) -> Iterator[FaceChunk]:
    """The selected faces in id order, chunk by chunk."""
    names = dict(GeneratorModel.objects.values_list("id", "name"))
    qs = (
        export_face_queryset(filters)
        .filter(id__lte=id_bound)
        .annotate(created_us=_CREATED_US)
        .order_by("id")
    )
    last = 0
    while True:
        rows = list(qs.filter(id__gt=last).values_list(*_FACE_COLUMNS)[:chunk_size])
        if not rows:
            return
        last = rows[-1][0]
        cols = list(zip(*rows, strict=True))
        points, offsets = unpack_many_flat(cols[7])
        yield FaceChunk(
            ids=np.array(cols[0], dtype=np.int64),
            created_us=np.array(cols[1], dtype=np.int64),
            generators=[names[g] for g in cols[2]],
            seeds=np.array(cols[3], dtype=np.int64),
            temperatures=np.array(cols[4], dtype=np.float64),
            num_points=np.array(cols[5], dtype=np.int32),
            num_strokes=np.array(cols[6], dtype=np.int32),
            points=points,
            offsets=offsets,
            interesting=np.array(cols[8], dtype=np.int64),
            boring=np.array(cols[9], dtype=np.int64),
            wilson_interesting=np.array(cols[10], dtype=np.float64),
            wilson_boring=np.array(cols[11], dtype=np.float64),
        )


# The votes a dataset holds: the ones the faces' counters (and so their labels) count. Voided
# votes never are; pending ones (a fresh voter's, or over a prefix's cap) may be later.
EXPORTED_VOTES = Q(voided=False, counted=True)


def export_vote_queryset(filters: FaceFilters, *, id_bound: int) -> QuerySet[Vote]:
    """Counted votes on the selected faces: a face's vote lines add up to its counters."""
    faces = export_face_queryset(filters).filter(id__lte=id_bound)
    return Vote.objects.filter(EXPORTED_VOTES, face__in=faces.values("id"))


def export_vote_count(filters: FaceFilters, *, id_bound: int) -> int:
    return export_vote_queryset(filters, id_bound=id_bound).count()


# ISO 8601 in UTC, formatted by PostgreSQL (cheaper than datetime objects in Python).
_VOTE_CREATED = RawSQL(
    """to_char(voting_vote.created AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')""", []
)


def export_vote_chunks(
    filters: FaceFilters, *, id_bound: int, chunk_size: int = CHUNK_SIZE
) -> Iterator[list[tuple]]:
    """(face id, label, created ISO text, voter) of the selected faces' votes, in face id
    then vote id order; one query per chunk of faces, each served by the (face, voter)
    index, rather than one semi-join of every face per chunk of votes."""
    faces = export_face_queryset(filters).filter(id__lte=id_bound).order_by("id")
    votes = Vote.objects.filter(EXPORTED_VOTES).annotate(created_text=_VOTE_CREATED)
    last = 0
    while True:
        ids = list(faces.filter(id__gt=last).values_list("id", flat=True)[:chunk_size])
        if not ids:
            return
        last = ids[-1]
        rows = list(
            votes.filter(face_id__in=ids)
            .order_by("face_id", "id")
            .values_list("face_id", "label", "created_text", "voter")
        )
        if rows:
            yield rows
