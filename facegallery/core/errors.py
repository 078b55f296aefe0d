"""Error pages: friendly HTML for browsers, {"detail": ...} JSON under /api/ (the handler400
to handler500 of facegallery/urls.py)."""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults

from generator.packing import CorruptStrokes

DATABASE_RETRY_AFTER_S = 5

logger = logging.getLogger(__name__)


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


class CorruptStrokesMiddleware:
    """A face whose stored strokes do not decode (a damaged row, a bad restore) is a 404 for
    the pages and API calls that show that one face, and an error in the log: never a 500.
    Lists show such a face as a placeholder (gallery.pictures.face_svg_or_broken)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, CorruptStrokes):
            return None
        logger.error("corrupt strokes behind %s: %s", request.path, exception)
        if _wants_json(request):
            detail = "this face cannot be shown: its stored drawing is damaged"
            return JsonResponse({"detail": detail}, status=404)
        return defaults.page_not_found(request, exception)
