"""Request and response bodies of the JSON API."""

from __future__ import annotations

from datetime import datetime

from ninja import Field, Schema

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


class VoteIn(Schema):
    label: Label


class VoteOut(Schema):
    face_id: int
    label: Label | None = Field(description="the visitor's label now; null after an undo")
    interesting_count: int
    boring_count: int
    changed: bool = Field(description="false when the request repeated the current state")


class ReportIn(Schema):
    reason: str = Field("", max_length=500)


class ReportOut(Schema):
    face_id: int
    status: str


class CsrfOut(Schema):
    csrf_token: str = Field(description="send it back in the X-CSRFToken header")
