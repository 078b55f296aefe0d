"""Finish my drawing: a visitor's first strokes in, several faces that continue them out.

POST /api/drawings queues a primed batch and answers 202 at once (the drawing happens on a
worker, generation/services/priming.py); GET /api/drawings/{id} says how far it has come.
"""

from __future__ import annotations

from django.urls import reverse
from ninja import Router, Status
from ninja.errors import HttpError

from facegallery.api.schemas import DrawingIn, DrawingOut, DrawingQueuedOut, Error
from facegallery.gallery.ids import face_id_valid
from facegallery.gallery.models import FaceOrigin
from facegallery.gallery.pictures import face_strokes3
from facegallery.generation.selectors import primed_batch_get
from facegallery.generation.services.batches import generator_model_get
from facegallery.generation.services.priming import (
    PrimeRefused,
    drawing_to_stroke3,
    primed_batch_request,
)
from facegallery.voting.identity import voter_identity
from facegallery.voting.services import VoterUnknown

router = Router(tags=["drawings"])
ERRORS = {400: Error, 403: Error, 404: Error, 413: Error, 429: Error}


@router.post("/drawings", response={202: DrawingQueuedOut, **ERRORS}, url_name="drawing_post")
def drawing_post(request, body: DrawingIn):
    """Queue faces that continue the visitor's strokes; 202 at once, the faces follow at
    status_url (a worker draws them in a second or two)."""
    identity = voter_identity(request)
    if identity is None:
        raise VoterUnknown()
    try:
        queued = primed_batch_request(
            identity=identity,
            origin=FaceOrigin.VISITOR_PRIMED,
            strokes3_pixels=drawing_to_stroke3(body.strokes),
            generator=generator_model_get(),
        )
    except PrimeRefused as error:
        raise HttpError(error.status, str(error)) from None
    return Status(
        202,
        {
            "id": queued.batch_id,
            "count": queued.count,
            "status_url": reverse("api:drawing_get", args=[queued.batch_id]),
            "page_url": reverse("gallery:primed", args=[queued.batch_id]),
        },
    )


@router.get("/drawings/{batch_id}", response={200: DrawingOut, **ERRORS}, url_name="drawing_get")
def drawing_get(request, batch_id: int):
    """A primed drawing's faces so far; done once all of them have landed."""
    primed = primed_batch_get(batch_id=batch_id) if face_id_valid(batch_id) else None
    if primed is None:
        raise HttpError(404, f"drawing {batch_id} does not exist")
    return {
        "id": primed.batch.pk,
        "done": primed.done,
        "count": primed.batch.count,
        "faces": [
            {
                "id": face.pk,
                "url": reverse("gallery:face", args=[face.pk]),
                "svg_url": reverse("gallery:face_svg", args=[face.pk]),
                "strokes": face_strokes3(face).tolist(),
            }
            for face in primed.faces
        ],
    }
