"""The lean vote endpoint: PUT /api/lean/faces/{id}/vote, body {"label": "interesting"}.

The same protocol, answers and rules as PUT /api/faces/{id}/vote (faces.py): the voter
ticket from a page view or GET /api/csrf, the csrftoken cookie with its token in
X-CSRFToken, the rate limits, vote_cast's rules; errors are {"detail": ...} with a 4xx.
What it leaves out is work a vote does not need (issue 18):

- No middleware: facegallery/wsgi.py hands this one URL to the view before Django's
  middleware chain, so the view does itself what of it applies to a JSON vote: the host
  check (ALLOWED_HOSTS), HTTPS only when the site is (a 403 rather than a redirect a PUT
  would not follow), the body size limit, and Django's own CSRF check, the very
  CsrfViewMiddleware the site runs: the masked token in X-CSRFToken must match the
  csrftoken cookie (a page on another site can neither read the cookie nor set that
  header; a cross-site form cannot send a JSON PUT at all) and, over HTTPS, Origin or
  Referer must be this site. Everything else in the chain (CSP, frame options, messages,
  htmx, static files, axes) concerns pages, not a JSON answer. Through the URLconf
  (Django's test client, a server without the WSGI shortcut) it answers the same.
- No session read for a voter holding only its ticket: the signed ticket cookie names the
  voter (voting/identity.py). A request that carries a session cookie (an account, a
  visitor who voted through the forms) is read as the other endpoints read it, so a voter
  is the same person whichever endpoint it uses; nothing is written to the session.
- One Redis round trip for the three rate limits, and one PostgreSQL round trip for the
  vote (voting/lean.py), committed when the answer goes out.
"""

from __future__ import annotations

import json
import re

from django.conf import settings
from django.contrib.auth import get_user
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.functional import SimpleLazyObject
from django.utils.module_loading import import_string

from facegallery.api.main import CSRF_FAILED
from facegallery.gallery.ids import face_id_valid
from facegallery.voting.gate import voter_identity_checked
from facegallery.voting.identity import VoterIdentity
from facegallery.voting.lean import vote_cast_lean
from facegallery.voting.models import LABEL_VALUES, Label
from facegallery.voting.ratelimit import RateLimited
from facegallery.voting.services import VotingError

# The URL as a pattern, for the WSGI shortcut (facegallery/wsgi.py); urls.py serves the same.
LEAN_VOTE_PATH = re.compile(r"/api/lean/faces/([0-9]+)/vote")
LABELS = ", ".join(Label.values)

_csrf = CsrfViewMiddleware(lambda request: HttpResponse(status=403))


def _csrf_protected(request):  # what CsrfViewMiddleware is asked about: not exempt
    raise AssertionError("never called")


def _answer(body: dict, status: int = 200, **headers: str) -> HttpResponse:
    content = json.dumps(body).encode()
    response = HttpResponse(content, content_type="application/json", status=status)
    # CommonMiddleware's and SecurityMiddleware's headers: a keep-alive answer needs its length.
    response["Content-Length"] = str(len(content))
    response["X-Content-Type-Options"] = "nosniff"
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


def vote_lean(request: HttpRequest, face_id: int | str) -> HttpResponse:
    """Cast or change this visitor's vote (idempotent), as PUT /api/faces/{id}/vote does."""
    if request.method != "PUT":
        detail = f"method {request.method} not allowed here (allowed: PUT)"
        return _answer({"detail": detail}, 405, Allow="PUT")
    try:
        request.get_host()
    except DisallowedHost:
        return _answer({"detail": "host not allowed"}, 400)
    if settings.SECURE_SSL_REDIRECT and not request.is_secure():
        return _answer({"detail": "HTTPS only"}, 403)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = -1
    if length < 0 or length > settings.API_MAX_BODY_BYTES:
        return _answer({"detail": f"request body over {settings.API_MAX_BODY_BYTES} bytes"}, 413)
    # ninja's check_csrf does the same for the API: the middleware's checks, in this view.
    request.csrf_processing_done = False  # type: ignore[attr-defined]
    _csrf.process_request(request)
    if _csrf.process_view(request, _csrf_protected, (), {}) is not None:
        return _answer({"detail": CSRF_FAILED}, 403)
    try:
        body = json.loads(request.body)
    except ValueError:
        body = None
    label = body.get("label") if isinstance(body, dict) else None
    if not isinstance(label, str) or label not in LABEL_VALUES:
        return _answer({"detail": f'the body must be {{"label": one of {LABELS}}}'}, 400)
    if not face_id_valid(int(face_id)):  # before the rate limit, as the API's vote
        return _answer({"detail": f"face {face_id} does not exist"}, 404)
    try:
        identity = _identity(request)
        result = vote_cast_lean(
            face_id=int(face_id),
            voter=identity.voter,
            label=label,
            ip_hash=identity.ip_hash,
            ip_prefix_hash=identity.ip_prefix_hash,
            voter_since=identity.since,
        )
    except VotingError as error:
        return _answer({"detail": str(error)}, error.status)
    except RateLimited as error:
        return _answer({"detail": str(error)}, 429, Retry_After=str(error.retry_after))
    return _answer(
        {
            "face_id": result.face_id,
            "label": result.label,
            "interesting_count": result.interesting_count,
            "boring_count": result.boring_count,
            "changed": result.changed,
            "counted": result.counted,
            "pending": result.pending,
        }
    )


def _identity(request: HttpRequest) -> VoterIdentity:
    """The voter as every endpoint sees it (voter_identity_checked), reading the session only
    when there is one: without the middleware, a session and its user are attached here,
    lazily, as SessionMiddleware and AuthenticationMiddleware would attach them."""
    if not hasattr(request, "session"):
        session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        store = import_string(settings.SESSION_ENGINE + ".SessionStore")
        request.session = store(session_key)
        # Without a session cookie the store is empty and neither reads the database.
        request.user = SimpleLazyObject(lambda: get_user(request))  # type: ignore[assignment]
    return voter_identity_checked(request, action="vote")
