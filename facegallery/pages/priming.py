"""Primed drawing pages: "More like this" on a face page, "Finish my drawing" (/finish/),
and the page that shows a primed batch's faces as they land (polled, as /live is).

The POST only queues (generation/services/priming.py): a few milliseconds, then a redirect
to the batch's page, which asks every second for the faces landed so far.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from facegallery.gallery.ids import face_id_valid
from facegallery.gallery.models import Face, FaceOrigin
from facegallery.gallery.pictures import face_animation
from facegallery.gallery.selectors import face_get_visible
from facegallery.generation.selectors import PrimedBatch, primed_batch_get
from facegallery.generation.services.priming import (
    DRAWING_BOX_PX,
    PRIME_MAX_STROKES,
    STROKE_MAX_POINTS,
    PrimeRefused,
    face_opening,
    primed_batch_request,
)
from facegallery.pages.live import _live_items
from facegallery.pages.votes import see_other
from facegallery.voting.identity import voter_identity, voter_ticket_issue
from facegallery.voting.ratelimit import RateLimited
from facegallery.voting.services import VoterUnknown

PRIMED_POLL_SECONDS = 1  # a primed batch lands in a second or two when workers are free
# The canvas spans this many Quick, Draw! pixels: about a drawn face's size (the face model's
# own faces span about 830 px); within the API's square of DRAWING_BOX_PX.
FINISH_BOX_PX = min(800, DRAWING_BOX_PX)


def _refused(request, error: VoterUnknown | RateLimited | PrimeRefused) -> HttpResponse:
    status = getattr(error, "status", 400)
    retry_after = getattr(error, "retry_after", None)
    context = {"message": str(error), "retry_after": retry_after, "status": status}
    response = render(request, "gallery/primed_refused.html", context, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response


@require_POST
def face_more_like_this(request, face_id: int):
    """Queue faces that start with this face's first strokes; then show them landing."""
    face = face_get_visible(face_id=face_id)
    if face is None:
        raise Http404("no such face")
    try:
        identity = voter_identity(request)
        if identity is None:
            raise VoterUnknown()
        queued = primed_batch_request(
            identity=identity,
            origin=FaceOrigin.MORE_LIKE_THIS,
            strokes3_pixels=face_opening(face),
            generator=face.generator,
            primed_from=face,
            temperature=face.temperature,
        )
    except (VoterUnknown, RateLimited, PrimeRefused) as error:
        return _refused(request, error)
    return see_other(reverse("gallery:primed", args=[queued.batch_id]))


def _primed_or_404(batch_id: int) -> PrimedBatch:
    primed = primed_batch_get(batch_id=batch_id) if face_id_valid(batch_id) else None
    if primed is None:
        raise Http404("no such drawing")
    return primed


def _faces_context(primed: PrimedBatch) -> dict:
    return {
        "primed": primed,
        "items": _live_items(primed.faces),
        "landed": len(primed.faces),
        "poll_seconds": PRIMED_POLL_SECONDS,
    }


@require_GET
def primed_page(request, batch_id: int):
    """The prime and the faces that continue it, drawn as they land."""
    primed = _primed_or_404(batch_id)
    batch, identity = primed.batch, voter_identity(request)
    context = {
        **_faces_context(primed),
        "prime": face_animation(Face(strokes=batch.prime or b"")),
        "source_id": batch.primed_from_id,
        "more_like_this": batch.origin == FaceOrigin.MORE_LIKE_THIS,
        "mine": identity is not None and identity.voter == batch.requester,
    }
    response = render(request, "gallery/primed.html", context)
    voter_ticket_issue(request, response)  # a visitor may ask for more from here
    return response


@require_GET
def primed_faces(request, batch_id: int):
    """The faces landed after the first `shown` (the page has those), the progress, and
    until all have landed the poller that asks again; 204 while nothing has changed."""
    primed = _primed_or_404(batch_id)
    text = request.GET.get("shown", "0")
    shown = int(text) if text.isdigit() and len(text) < 5 else 0
    if len(primed.faces) <= shown and not primed.done:
        return HttpResponse(status=204)  # htmx swaps nothing and polls again
    context = {**_faces_context(primed), "oob": True}
    context["items"] = _live_items(primed.faces[shown:])
    return render(request, "gallery/_primed_faces.html", context)


@require_GET
def finish_page(request):
    """The canvas: draw a first stroke or two, and the network finishes the face."""
    context = {
        "box_px": FINISH_BOX_PX,
        "stroke_points": STROKE_MAX_POINTS,
        "poll_seconds": PRIMED_POLL_SECONDS,
        "max_strokes": PRIME_MAX_STROKES,
        "api_url": reverse("api:drawing_post"),
    }
    response = render(request, "gallery/finish.html", context)
    voter_ticket_issue(request, response)  # the API needs a voter: the page hands it out
    return response
