"""Request and response bodies of the JSON API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from ninja import Field, Schema
from pydantic import BeforeValidator, model_validator

from facegallery.generation.services.priming import (
    DRAWING_BOX_PX,
    PRIME_MAX_STROKES,
    STROKE_MAX_POINTS,
)
from facegallery.voting.models import Label


class Error(Schema):
    detail: str = Field(description="what was wrong; nothing was recorded")


class FaceOut(Schema):
    id: int
    url: str = Field(description="the face page (permalink)")
    svg_url: str = Field(description="the face as a standalone SVG file")
    created: datetime
    featured: bool
    interesting_count: int
    boring_count: int
    wilson_interesting: float = Field(description="Wilson lower bound of the interesting share")
    wilson_boring: float
    controversy: float


class FacePageOut(Schema):
    items: list[FaceOut]
    next_cursor: str | None = Field(
        description="pass as ?cursor= for the next page; null at the end"
    )


class FaceDetailOut(FaceOut):
    strokes: list[tuple[int, int, int]] = Field(
        description="stroke-3 [dx, dy, pen_lifted] in Quick, Draw! pixels, y down"
    )
    svg: str = Field(description="standalone SVG document (viewBox in pixels)")
    your_vote: Label | None = Field(description="this visitor's label, if any")


class NextFaceOut(Schema):
    face: FaceDetailOut | None = Field(description="null when the visitor has voted on everything")


class ObjectIn(Schema):
    """A request body that must be a JSON object. ninja's Schema reads fields off any value
    (attribute access), so without this a body of [] or 7 passed as all defaults."""

    @model_validator(mode="before")
    @classmethod
    def _must_be_an_object(cls, data):
        # ninja hands over its DjangoGetter wrapper; the parsed JSON is inside.
        if not isinstance(getattr(data, "_obj", data), dict):
            raise ValueError("the body must be a JSON object")
        return data


class VoteIn(ObjectIn):
    label: Label


class VoteOut(Schema):
    face_id: int
    label: Label | None = Field(description="the visitor's label now; null after an undo")
    interesting_count: int
    boring_count: int
    changed: bool = Field(description="false when the request repeated the current state")
    counted: bool = Field(
        description="whether the visitor's vote is in the counts: false while it is pending, "
        "beyond its network's share of the face, and after an undo"
    )
    pending: bool = Field(
        description="a new visitor's vote, saved: it counts once the visitor has voted for "
        "10 minutes at a human pace"
    )


class ReportIn(ObjectIn):
    # PostgreSQL text cannot hold NUL (a 500 before schemathesis found it); the site's form
    # refuses it too (Django's ProhibitNullCharactersValidator).
    reason: str = Field("", max_length=500, pattern=r"^[^\x00]*$")


class ReportOut(Schema):
    face_id: int
    status: str


class CsrfOut(Schema):
    csrf_token: str = Field(description="send it back in the X-CSRFToken header")


def _json_number(value: object) -> object:
    """A coordinate must be a JSON number, as the schema says: pydantic's lax int would also
    take true/false and "12" (a whole float such as 12.0 is an integer in JSON Schema)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("a coordinate must be a number")
    return value


Coordinate = Annotated[int, Field(ge=0, le=DRAWING_BOX_PX), BeforeValidator(_json_number)]
Polyline = Annotated[
    list[tuple[Coordinate, Coordinate]], Field(min_length=1, max_length=STROKE_MAX_POINTS)
]


class DrawingIn(ObjectIn):
    # Every bound the service keeps is stated here, so any body this schema allows is drawn
    # (or refused only for the rate limits): strokes x points a stroke <= the prime's 64.
    strokes: Annotated[list[Polyline], Field(min_length=1, max_length=PRIME_MAX_STROKES)] = Field(
        description=f"the visitor's strokes: each a list of [x, y] points in pixels of a "
        f"{DRAWING_BOX_PX} px square (y down), in the order drawn"
    )


class DrawingQueuedOut(Schema):
    id: int
    count: int = Field(description="faces that will be drawn")
    status_url: str = Field(description="GET it for the faces so far")
    page_url: str = Field(description="the page that shows them as they land")


class DrawnFaceOut(Schema):
    id: int
    url: str
    svg_url: str
    strokes: list[tuple[int, int, int]]


class DrawingOut(Schema):
    id: int
    done: bool = Field(description="true once every face has landed")
    count: int
    faces: list[DrawnFaceOut] = Field(description="landed and visible, the prime's points first")
