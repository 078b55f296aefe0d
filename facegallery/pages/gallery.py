"""The gallery grid, a face's page and its SVG download: parse, call a selector, present."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from facegallery.gallery.pictures import face_animation, face_svg
from facegallery.gallery.selectors import InvalidCursor, Sort, face_get_visible
from facegallery.pages.grid import gallery_html
from facegallery.voting.identity import voter_if_known
from facegallery.voting.selectors import vote_labels_for_faces


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
    return HttpResponse(html)


@require_GET
def face_detail(request, face_id: int):
    """The face drawn live, stroke by stroke, with its counts, permalink and download."""
    face = face_get_visible(face_id=face_id)
    if face is None:
        raise Http404("no such face")
    voter = voter_if_known(request)
    context = {
        "face": face,
        "drawing": face_animation(face),
        "my_vote": vote_labels_for_faces(voter=voter, face_ids=[face.pk]).get(face.pk),
        "permalink": request.build_absolute_uri(),
    }
    return render(request, "gallery/face.html", context)


@require_GET
def face_svg_download(request, face_id: int):
    face = face_get_visible(face_id=face_id)
    if face is None:
        raise Http404("no such face")
    response = HttpResponse(face_svg(face, color="#222"), content_type="image/svg+xml")
    response["Content-Disposition"] = f'attachment; filename="face-{face.pk}.svg"'
    # Short: a face a moderator hides must stop being served soon, caches included.
    response["Cache-Control"] = "public, max-age=300"
    return response
