"""Faces, votes and reports. Thin: parse, call a selector or service, present.

A vote or report needs a voter that GET /api/csrf (or a page) handed out in a cookie
(voting/identity.py); a request without one gets 403 and writes nothing.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.urls import reverse
from ninja import Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import Field

from facegallery.api.schemas import (
    CsrfOut,
    Error,
    FaceDetailOut,
    FacePageOut,
    NextFaceOut,
    ReportIn,
    ReportOut,
    VoteIn,
    VoteOut,
)
from facegallery.gallery.ids import face_id_valid, face_ids_valid
from facegallery.gallery.pictures import face_strokes3, face_svg
from facegallery.gallery.selectors import (
    MAX_PAGE_SIZE,
    Sort,
    face_get_visible,
    face_list_gallery,
)
from facegallery.scoring.queue import face_get_next_for_voting
from facegallery.voting.gate import voter_identity_checked
from facegallery.voting.identity import (
    voter_identity,
    voter_identity_keep,
    voter_if_known,
    voter_ticket_issue,
)
from facegallery.voting.selectors import vote_labels_for_faces
from facegallery.voting.services import report_create, vote_cast, vote_undo

router = Router(tags=["faces"])
ERRORS = {400: Error, 403: Error, 404: Error, 413: Error, 429: Error}


class FaceFilters(Schema):
    sort: Sort = Sort.NEWEST
    cursor: str | None = Field(None, max_length=200, description="from the previous page")
    limit: int = Field(24, ge=1, le=MAX_PAGE_SIZE)
    featured: bool | None = Field(None, description="only featured (true) or unfeatured (false)")
    min_votes: int = Field(0, ge=0, le=1_000_000)


def _face_out(face) -> dict:
    return {
        "id": face.pk,
        "url": reverse("gallery:face", args=[face.pk]),
        "svg_url": reverse("gallery:face_svg", args=[face.pk]),
        "created": face.created,
        "featured": face.featured,
        "interesting_count": face.interesting_count,
        "boring_count": face.boring_count,
        "wilson_interesting": face.wilson_interesting,
        "wilson_boring": face.wilson_boring,
        "controversy": face.controversy,
    }


def _face_detail_out(face, your_vote: str | None) -> dict:
    return {
        **_face_out(face),
        "strokes": face_strokes3(face).tolist(),
        "svg": face_svg(face, color="#222"),
        "your_vote": your_vote,
    }


def _face_id_or_404(face_id: int) -> int:
    """A face id the database can hold; whether it is visible, vote_cast/vote_undo find out
    under their row lock (a separate lookup first would cost a query per vote)."""
    if not face_id_valid(face_id):
        raise HttpError(404, f"face {face_id} does not exist")
    return face_id


def _visible_or_404(face_id: int):
    face = face_get_visible(face_id=face_id) if face_id_valid(face_id) else None
    if face is None:
        raise HttpError(404, f"face {face_id} does not exist")
    return face


@router.get("/csrf", response=CsrfOut, tags=["session"])
def csrf(request, response: HttpResponse):
    """Sets the csrftoken cookie; the token goes back in X-CSRFToken on PUT/POST/DELETE.
    A visitor without a voter also gets its voter ticket cookie: votes need it."""
    # get_token marks the cookie for CsrfViewMiddleware to set on this response.
    voter_ticket_issue(request, response)
    return {"csrf_token": get_token(request)}


@router.get("/faces", response={200: FacePageOut, **ERRORS})
def face_list(request, filters: Query[FaceFilters]):
    """Visible faces, one page at a time (keyset pagination: follow next_cursor)."""
    page = face_list_gallery(**filters.dict())
    return {"items": [_face_out(face) for face in page.faces], "next_cursor": page.next_cursor}


@router.get("/faces/{face_id}", response={200: FaceDetailOut, **ERRORS})
def face_detail(request, face_id: int):
    """One face with its stroke-3 strokes and SVG."""
    face = _visible_or_404(face_id)
    mine = vote_labels_for_faces(voter=voter_if_known(request), face_ids=[face.pk])
    return _face_detail_out(face, mine.get(face.pk))


# exclude is not Query[list[int] | None]: ninja would add null to its OpenAPI schema.
@router.get("/vote/next", response={200: NextFaceOut, **ERRORS}, tags=["votes"])
def next_for_voting(
    request,
    response: HttpResponse,
    exclude: Query[list[int]] = None,  # type: ignore[assignment]
):
    """The next face this visitor has not voted on (exclude: faces skipped so far)."""
    skipped = face_ids_valid((exclude or [])[:500])
    identity = voter_identity(request)
    voter_ticket_issue(request, response)
    face = face_get_next_for_voting(voter=identity.voter if identity else "", exclude_ids=skipped)
    return {"face": _face_detail_out(face, None) if face else None}


@router.put("/faces/{face_id}/vote", response={200: VoteOut, **ERRORS}, tags=["votes"])
def vote_put(request, face_id: int, body: VoteIn):
    """Cast or change this visitor's vote (idempotent)."""
    _face_id_or_404(face_id)
    identity = voter_identity_checked(request, action="vote")
    result = vote_cast(
        face_id=face_id,
        voter=identity.voter,
        label=body.label,
        ip_hash=identity.ip_hash,
        ip_prefix_hash=identity.ip_prefix_hash,
        voter_since=identity.since,
    )
    voter_identity_keep(request, identity)
    return result


@router.delete("/faces/{face_id}/vote", response={200: VoteOut, **ERRORS}, tags=["votes"])
def vote_delete(request, face_id: int):
    """Undo this visitor's vote (no vote to undo: changed is false)."""
    _face_id_or_404(face_id)
    identity = voter_identity_checked(request, action="vote")
    result = vote_undo(face_id=face_id, voter=identity.voter)
    voter_identity_keep(request, identity)
    return result


@router.post("/faces/{face_id}/reports", response={201: ReportOut, **ERRORS}, tags=["reports"])
def report_post(request, face_id: int, body: ReportIn):
    """Report a face to the moderators (once per visitor and face, and per address)."""
    _visible_or_404(face_id)
    identity = voter_identity_checked(request, action="report")
    report = report_create(
        face_id=face_id,
        voter=identity.voter,
        reason=body.reason,
        ip_hash=identity.ip_hash,
        ip_prefix_hash=identity.ip_prefix_hash,
    )
    voter_identity_keep(request, identity)
    return Status(201, {"face_id": face_id, "status": report.resolution})
