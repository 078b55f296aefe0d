"""The NinjaAPI instance, its error bodies, and the URL patterns.

Every error is {"detail": "<one line>"} with a 4xx status: validation errors (400),
unknown faces (404), wrong methods (405), bodies over API_MAX_BODY_BYTES (413),
rate limits (429 with Retry-After). Nothing is recorded on any of them.

CSRF: votes and reports belong to the session cookie's voter, so every state-changing
request runs Django's CSRF check (cookie + X-CSRFToken header, the same scheme as the
site's forms) before anything else; GET /api/csrf hands out the cookie and token.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.http import HttpResponseNotAllowed, JsonResponse
from django.urls import URLPattern
from django.views.decorators.csrf import csrf_exempt
from ninja import NinjaAPI
from ninja.errors import ValidationError
from ninja.utils import check_csrf

from facegallery.api.drawings import router as drawings_router
from facegallery.api.faces import router as faces_router
from facegallery.gallery.selectors import InvalidCursor
from facegallery.voting.ratelimit import RateLimited
from facegallery.voting.services import VotingError

api = NinjaAPI(
    title="Face Gallery API",
    version="1",
    description=(
        "Faces drawn by sketch-rnn, and the votes that teach it. Votes and reports belong to "
        "the session (cookie); PUT/POST/DELETE need the CSRF token from GET /api/csrf in the "
        'X-CSRFToken header. Errors are {"detail": "..."} with a 4xx status.'
    ),
    urls_namespace="api",
)
api.add_router("/", faces_router)
api.add_router("/", drawings_router)


def _location(loc: tuple) -> str:
    parts = [str(part) for part in loc if part not in ("body", "query", "path", "filters")]
    return ".".join(parts) or "request"


@api.exception_handler(ValidationError)
def validation_error(request, exc: ValidationError):
    message = "; ".join(f"{_location(e.get('loc', ()))}: {e.get('msg')}" for e in exc.errors)
    return api.create_response(request, {"detail": message or "invalid request"}, status=400)


@api.exception_handler(VotingError)
def voting_error(request, exc: VotingError):
    return api.create_response(request, {"detail": str(exc)}, status=exc.status)


@api.exception_handler(InvalidCursor)
def invalid_cursor(request, exc: InvalidCursor):
    return api.create_response(request, {"detail": str(exc)}, status=400)


@api.exception_handler(RateLimited)
def rate_limited(request, exc: RateLimited):
    response = api.create_response(request, {"detail": str(exc)}, status=429)
    response["Retry-After"] = str(exc.retry_after)
    return response


SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")
CSRF_FAILED = "CSRF check failed: GET /api/csrf, then send the token in X-CSRFToken"
READ_ONLY = {"openapi-json", "openapi-view"}  # ninja's schema and docs answer any method


def _guarded(view, *, read_only: bool = False):
    """Before ninja parses anything: refuse oversized bodies (413) and, for a state change,
    a missing or wrong CSRF token (403), so that a forged request never even has its body
    read; make ninja's 405 JSON."""

    @wraps(view)
    def guarded(request, *args, **kwargs):
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > settings.API_MAX_BODY_BYTES:
            return JsonResponse(
                {"detail": f"request body over {settings.API_MAX_BODY_BYTES} bytes"}, status=413
            )
        if request.method not in SAFE_METHODS:
            if check_csrf(request) is not None:
                return JsonResponse({"detail": CSRF_FAILED}, status=403)
            if read_only:
                response = HttpResponseNotAllowed(["GET", "HEAD"])
                return _json_405(request, response)
        return _json_405(request, view(request, *args, **kwargs))

    return csrf_exempt(guarded)  # checked above, with a JSON answer instead of Django's page


def _json_405(request, response):
    if response.status_code == 405 and response.get("Content-Type", "").startswith("text/"):
        allowed = response.get("Allow", "")
        message = f"method {request.method} not allowed here (allowed: {allowed})"
        response = JsonResponse({"detail": message}, status=405, headers={"Allow": allowed})
    return response


def api_urls():
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        assert isinstance(pattern, URLPattern)  # ninja's routes are flat: no include()
        pattern.callback = _guarded(pattern.callback, read_only=pattern.name in READ_ONLY)
    return patterns, app_name, namespace
