"""The gallery grid, a face's page and its SVG and PNG pictures: parse, call a selector, present."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from facegallery.gallery.models import Face
from facegallery.gallery.pictures import (
    SHARE_HEIGHT,
    SHARE_WIDTH,
    face_animation,
    face_share_png,
    face_svg,
)
from facegallery.gallery.selectors import (
    InvalidCursor,
    Sort,
    face_get_neighbours,
    face_get_visible,
)
from facegallery.pages.grid import gallery_html
from facegallery.voting.identity import voter_if_known, voter_ticket_issue
from facegallery.voting.selectors import vote_labels_for_faces

# The downloaded SVG's width and height: an image viewer opens it at a sensible size (without
# them, at the viewBox's 500-1,100 units) and its strokes are FACE_STROKE_PX screen pixels.
DOWNLOAD_PX = 512


def _bad_request(request, message: str) -> HttpResponse:
    return render(request, "400.html", {"message": message}, status=400)


@require_GET
def gallery(request):
    """The grid: one page of faces in the chosen sort; htmx asks for the next page's tiles."""
    try:
        sort = Sort(request.GET.get("sort", Sort.NEWEST))
    except ValueError:
        return _bad_request(request, "Unknown sort: pick one of the tabs above.")
    cursor = request.GET.get("cursor") or None
    try:
        html = gallery_html(
            request, sort=sort, cursor=cursor, partial=bool(request.htmx and cursor)
        )
    except InvalidCursor:
        return _bad_request(request, "That page link is broken or out of date.")
    response = HttpResponse(html)
    voter_ticket_issue(request, response)  # a page view: the visitor may vote from here
    return response


def _visible_or_404(face_id: int) -> Face:
    face = face_get_visible(face_id=face_id)
    if face is None:
        raise Http404("no such face")
    return face


@require_GET
def face_detail(request, face_id: int):
    """The face drawn live, stroke by stroke, with its counts, permalink and download."""
    face = _visible_or_404(face_id)
    voter = voter_if_known(request)
    context = {
        "face": face,
        "drawing": face_animation(face),
        "my_vote": vote_labels_for_faces(voter=voter, face_ids=[face.pk]).get(face.pk),
        "permalink": request.build_absolute_uri(reverse("gallery:face", args=[face.pk])),
        "neighbours": face_get_neighbours(face_id=face.pk),
        # Link previews (Open Graph, Twitter) need absolute URLs.
        "share_image": request.build_absolute_uri(reverse("gallery:face_png", args=[face.pk])),
        "share_size": (SHARE_WIDTH, SHARE_HEIGHT),
    }
    response = render(request, "gallery/face.html", context)
    voter_ticket_issue(request, response)
    return response


@require_GET
def face_svg_download(request, face_id: int):
    face = _visible_or_404(face_id)
    svg = face_svg(face, color="#222", size=DOWNLOAD_PX)
    response = HttpResponse(svg, content_type="image/svg+xml")
    response["Content-Disposition"] = f'attachment; filename="face-{face.pk}.svg"'
    # Short: a face a moderator hides must stop being served soon, caches included.
    response["Cache-Control"] = "public, max-age=300"
    return response


@require_GET
def face_png(request, face_id: int):
    """The face as a PNG for link previews (og:image): the one picture crawlers can read."""
    face = _visible_or_404(face_id)
    response = HttpResponse(face_share_png(face), content_type="image/png")
    response["Cache-Control"] = "public, max-age=300"  # as the SVG download: hides take hold
    return response
