"""Reads of faces: gallery listings, a visible face, the unvoted pool.

Gallery listings use keyset (cursor) pagination: a page continues strictly after the
(sort value, id) of the last face of the previous page, with a row comparison that the
partial indexes in Face.Meta serve directly, so page 10,000 costs what page 1 costs (no
OFFSET). A listing is a chain of *segments* walked in order: "newest" lists the featured
faces first and then the others; "random" starts at a random shuffle_key and wraps around.
"""

from __future__ import annotations

import base64
import binascii
import json
import random
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from django.db.models import BooleanField, F, Field, Q, QuerySet
from django.db.models.expressions import RawSQL

from facegallery.gallery.ids import face_id_valid
from facegallery.gallery.models import UNVOTED_POOL, Face, FaceOrigin, FaceStatus

# The columns a listing needs (strokes for the thumbnail); the rest stays in the table.
LIST_FIELDS = (
    "id",
    "strokes",
    "created",
    "featured",
    "interesting_count",
    "boring_count",
    "wilson_interesting",
    "wilson_boring",
    "controversy",
    "shuffle_key",
)
MAX_PAGE_SIZE = 100


class Sort(StrEnum):
    NEWEST = "newest"
    INTERESTING = "interesting"
    BORING = "boring"
    CONTROVERSIAL = "controversial"
    RANDOM = "random"


SORT_LABELS = {
    Sort.NEWEST: "Newest",
    Sort.INTERESTING: "Most interesting",
    Sort.BORING: "Most boring",
    Sort.CONTROVERSIAL: "Controversial",
    Sort.RANDOM: "Random",
}


class InvalidCursor(ValueError):
    """A cursor that this server did not make (or made for another sort)."""


@dataclass(frozen=True)
class Segment:
    column: str  # a Face field; ties are broken by id in the same direction
    descending: bool
    where: Q


@dataclass(frozen=True)
class Cursor:
    sort: Sort
    segment: int
    value: float | int
    last_id: int
    start: float = 0.0  # where "random" started (0.0 for the other sorts)

    def encode(self) -> str:
        payload = [self.sort.value, self.segment, self.value, self.last_id, self.start]
        raw = json.dumps(payload, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    @classmethod
    def decode(cls, text: str, *, sort: Sort) -> Cursor:
        """The position `text` names; InvalidCursor unless encode() wrote exactly `text`.

        Every field has the type encode() gives it (a bool is not an int, a float is not an
        id), or it would reach the keyset query (a 500). Only the canonical spelling is
        accepted: the grid cache is keyed by the cursor's text, so junk appended to a valid
        cursor (which base64 decoding ignores) must not name the same page a second time.
        """
        try:
            raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
            fields = json.loads(raw)
        except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
            raise InvalidCursor("cursor is malformed") from None
        if not isinstance(fields, list) or len(fields) != 5:
            raise InvalidCursor("cursor is malformed: it holds five fields")
        name, segment, value, last_id, start = fields
        if name != sort.value:
            raise InvalidCursor(
                f"cursor belongs to another sort ({name!r:.40}), not {sort.value!r}"
            )
        segments = _segments(sort, 0.0)
        if type(segment) is not int or not 0 <= segment < len(segments):
            raise InvalidCursor(f"cursor segment must be an integer from 0 to {len(segments) - 1}")
        # "newest" walks ids (integers); the other sorts walk float columns.
        value_type = int if segments[segment].column == "id" else float
        if type(value) is not value_type or not abs(value) < 2**63:
            kind = "an integer" if value_type is int else "a finite number with a decimal point"
            raise InvalidCursor(f"cursor value must be {kind}")
        if not face_id_valid(last_id):
            raise InvalidCursor("cursor last_id must be a face id (a positive integer)")
        if type(start) is not float or not 0 <= start < 1:
            raise InvalidCursor("cursor start must be a number from 0.0 to below 1.0")
        cursor = cls(sort, segment, value, last_id, start)
        if cursor.encode() != text:
            raise InvalidCursor("cursor is not written the way this server writes it")
        return cursor


@dataclass(frozen=True)
class FacePage:
    faces: list[Face]
    next_cursor: str | None
    sort: Sort


def _segments(sort: Sort, start: float) -> list[Segment]:
    if sort == Sort.NEWEST:
        # Featured faces are pinned first (index face_featured), then the rest by id.
        return [Segment("id", True, Q(featured=True)), Segment("id", True, Q(featured=False))]
    if sort == Sort.RANDOM:
        return [
            Segment("shuffle_key", False, Q(shuffle_key__gte=start)),
            Segment("shuffle_key", False, Q(shuffle_key__lt=start)),
        ]
    column = {
        Sort.INTERESTING: "wilson_interesting",
        Sort.BORING: "wilson_boring",
        Sort.CONTROVERSIAL: "controversy",
    }[sort]
    return [Segment(column, True, Q())]


def _after(segment: Segment, value: float | int, last_id: int) -> Q | RawSQL:
    """Strictly after (value, last_id) in the segment's order, as an index condition."""
    if segment.column == "id":
        return Q(id__lt=last_id) if segment.descending else Q(id__gt=last_id)
    # A row comparison, not "a < v OR (a = v AND id < i)": PostgreSQL seeks the composite
    # index to it, where the OR form would scan every tie (thousands of faces share 0.0).
    operator = "<" if segment.descending else ">"
    field = Face._meta.get_field(segment.column)  # from the fixed list above
    assert isinstance(field, Field) and field.column  # a column of the table
    return RawSQL(
        f'("gallery_face"."{field.column}", "gallery_face"."id") {operator} (%s, %s)',
        (value, last_id),
        output_field=BooleanField(),
    )


def _ordered(queryset: QuerySet[Face], segment: Segment) -> QuerySet[Face]:
    sign = "-" if segment.descending else ""
    if segment.column == "id":
        return queryset.order_by(f"{sign}id")
    return queryset.order_by(f"{sign}{segment.column}", f"{sign}id")


def face_list_visible(*, featured: bool | None = None, min_votes: int = 0) -> QuerySet[Face]:
    """Visible faces, optionally only (not) featured or with at least `min_votes` votes."""
    queryset = Face.objects.filter(status=FaceStatus.VISIBLE).only(*LIST_FIELDS)
    if featured is not None:
        queryset = queryset.filter(featured=featured)
    if min_votes > 0:
        queryset = queryset.alias(total=F("interesting_count") + F("boring_count")).filter(
            total__gte=min_votes
        )
    return queryset


def face_list_gallery(
    *,
    sort: Sort = Sort.NEWEST,
    cursor: str | None = None,
    limit: int = 24,
    featured: bool | None = None,
    min_votes: int = 0,
) -> FacePage:
    """One page of visible faces in `sort` order, and the cursor of the next page (or None).

    Raises InvalidCursor for a cursor this function did not hand out for the same sort.
    """
    limit = max(1, min(limit, MAX_PAGE_SIZE))
    position = Cursor.decode(cursor, sort=sort) if cursor else None
    start = position.start if position else (random.random() if sort == Sort.RANDOM else 0.0)
    segments = _segments(sort, start)
    base = face_list_visible(featured=featured, min_votes=min_votes)
    rows: list[tuple[int, Face]] = []
    first = position.segment if position else 0
    for index in range(first, len(segments)):
        segment = segments[index]
        queryset = base.filter(segment.where)
        if position and index == position.segment:
            queryset = queryset.filter(_after(segment, position.value, position.last_id))
        wanted = limit + 1 - len(rows)  # one more than the page tells whether a page follows
        rows.extend((index, face) for face in _ordered(queryset, segment)[:wanted])
        if len(rows) > limit:
            break
    next_cursor = None
    if len(rows) > limit:
        index, last = rows[limit - 1]
        value = getattr(last, segments[index].column)
        next_cursor = Cursor(sort, index, value, last.pk, start).encode()
    return FacePage([face for _, face in rows[:limit]], next_cursor, sort)


def face_get_visible(*, face_id: int) -> Face | None:
    """A publicly visible face, or None (hidden and filtered faces do not exist publicly)."""
    return Face.objects.filter(pk=face_id, status=FaceStatus.VISIBLE).first()


@dataclass(frozen=True)
class Neighbours:
    previous_id: int | None  # the visible face just before, by id (older)
    next_id: int | None  # the visible face just after (newer)


def face_get_neighbours(*, face_id: int) -> Neighbours:
    """The visible faces on either side of `face_id` by id, for a face page's previous and
    next links; `face_id` itself need not be visible. Two index seeks (face_visible_newest)."""
    visible = Face.objects.filter(status=FaceStatus.VISIBLE).values_list("id", flat=True)
    return Neighbours(
        previous_id=visible.filter(id__lt=face_id).order_by("-id").first(),
        next_id=visible.filter(id__gt=face_id).order_by("id").first(),
    )


def face_pool() -> QuerySet[Face]:
    """Visible faces nobody has voted on yet: the pool generation keeps topped up and vote
    mode labels first. Always filter by UNVOTED_POOL itself, so PostgreSQL can use the
    partial index face_pool (its condition is the same Q)."""
    return Face.objects.filter(UNVOTED_POOL)


def face_pool_count() -> int:
    """The pool generation tops up: the generator's own draws. Primed faces ("more like this",
    "finish my drawing") were asked for and are not stock (generation/services/priming.py)."""
    return face_pool().filter(origin=FaceOrigin.GENERATED).count()


# --- Faces newer than a page has (the live page, the gallery's "new faces" poll) ------------
# Ids grow with time, so "newer than what this page has" is "id above the page's newest id":
# a range of the partial index face_visible_newest, whatever the table's size.


def face_latest_visible_id() -> int:
    """The id of the newest visible face, or 0 when there is none."""
    newest = Face.objects.filter(status=FaceStatus.VISIBLE).order_by("-id")
    return newest.values_list("id", flat=True).first() or 0


def face_list_newer(*, after: int, limit: int) -> list[Face]:
    """The newest `limit` visible faces with an id above `after`, oldest first."""
    faces = face_list_visible().filter(id__gt=after).order_by("-id")[: max(1, limit)]
    return list(reversed(faces))


def face_count_newer(*, after: int, cap: int, created_before: datetime | None = None) -> int:
    """How many visible faces have an id above `after` (and were created before
    `created_before`), counting no further than `cap`."""
    faces = Face.objects.filter(status=FaceStatus.VISIBLE, id__gt=after)
    if created_before is not None:
        faces = faces.filter(created__lt=created_before)
    return faces[:cap].count()
