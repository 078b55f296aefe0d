"""Public views: parse, call a selector or service, present."""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views import defaults
from django.views.decorators.http import require_GET

from facegallery.gallery.grid import gallery_html
from facegallery.gallery.pictures import face_animation, face_svg
from facegallery.gallery.selectors import InvalidCursor, Sort, face_get_visible
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


DATABASE_RETRY_AFTER_S = 5


def _wants_json(request) -> bool:
    return request.path.startswith("/api/")


def bad_request(request, exception):
    if _wants_json(request):
        return JsonResponse({"detail": "bad request"}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if _wants_json(request):
        return JsonResponse({"detail": "forbidden"}, status=403)
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if _wants_json(request):
        return JsonResponse({"detail": "not found"}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    # Called while the exception is being handled. A lost database connection (PostgreSQL
    # restarting, a failover) is not a bug: say so with a 503 the client may retry. Nothing
    # was acknowledged, so nothing is lost. Rendered without the request: no database.
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        retry = {"Retry-After": str(DATABASE_RETRY_AFTER_S)}
        if _wants_json(request):
            message = "the database is briefly unavailable: try again in a few seconds"
            return JsonResponse({"detail": message}, status=503, headers=retry)
        return HttpResponse(loader.render_to_string("503.html"), status=503, headers=retry)
    if _wants_json(request):
        return JsonResponse({"detail": "internal error: the team has been told"}, status=500)
    return defaults.server_error(request)
