"""Pages that take in faces as the workers make them: /live, and the gallery's new-faces poll.

Polling rather than server-sent events, because of what each costs the web tier. gunicorn
runs a few threads per worker (gunicorn.conf.py: 2 workers a core x 4 threads) and a thread
serves one response at a time, holding its own database connection: an open event stream
pins a thread, and its connection, for as long as the page stays open, so a 2-core server
(16 threads) could not keep 17 live pages open. A poll is a short request instead: every
few seconds a page asks for the faces newer than the newest it has, and the answer is
nearly always "nothing new" (204, empty body), decided without the database: the newest
visible face id is kept per process for NEWEST_ID_SECONDS. When something is new, the
answer for "after this id" is rendered once per process and period and shared by every page
that asks: it depends on the id alone (no session, no cookie is read), so it is cacheable
(Cache-Control: public, a second). bench/live_pages.py measures 500 open pages.

A hidden face may stay in a shared answer for FRAGMENT_SECONDS, as in the gallery's grid.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from facegallery.gallery.ids import face_id_parse
from facegallery.gallery.pictures import face_animation
from facegallery.gallery.selectors import (
    face_count_newer,
    face_latest_visible_id,
    face_list_newer,
)
from generator.packing import CorruptStrokes

logger = logging.getLogger(__name__)

LIVE_POLL_SECONDS = 2  # how often a live page asks: a new face shows within about this long
GALLERY_POLL_SECONDS = 5  # the gallery's first page of Newest: it only shows a count
NEWEST_ID_SECONDS = 1.0  # how long a process trusts its newest visible face id
FRAGMENT_SECONDS = 2.0  # how long a rendered answer is shared
LIVE_BATCH = 3  # faces in one answer: a batch lands dozens at once, the page draws the newest
LIVE_STRIP = 12  # faces the live page opens with (static/js/live.js keeps the strip this long)
NEW_FACES_CAP = 99  # the gallery counts this far ("99+ new faces")
_FRAGMENT_LIMIT = 128  # answers a process keeps; `after` is visitor input, so it is bounded

_newest: tuple[int, float] = (0, 0.0)  # (id, monotonic expiry): replaced whole, never mutated
_fragments: dict[tuple[str, int], tuple[str, float]] = {}
_lock = threading.Lock()
_refreshing = threading.Lock()  # held by the thread that asks the database for the newest id


def live_cache_clear() -> None:
    global _newest
    _newest = (0, 0.0)
    with _lock:
        _fragments.clear()


def newest_visible_id() -> int:
    """The newest visible face id, at most NEWEST_ID_SECONDS old (0: no faces)."""
    global _newest
    newest_id, expires = _newest
    if expires > time.monotonic():
        return newest_id
    # One thread of the process asks the database; the others answer from the id it had
    # (a poll or two late at worst), so a process makes one query a period, not one a thread.
    if not _refreshing.acquire(blocking=False):
        return newest_id
    try:
        newest_id = face_latest_visible_id()
        _newest = (newest_id, time.monotonic() + NEWEST_ID_SECONDS)
    finally:
        _refreshing.release()
    return newest_id


def _shared(key: tuple[str, int], make) -> str:
    """The answer under `key`, rendered at most once per FRAGMENT_SECONDS in this process."""
    now = time.monotonic()
    cached = _fragments.get(key)
    if cached is not None and cached[1] > now:
        return cached[0]
    html = make()
    with _lock:
        if len(_fragments) >= _FRAGMENT_LIMIT:
            _fragments.clear()  # rare: only pages far behind ask for old ids
        _fragments[key] = (html, now + FRAGMENT_SECONDS)
    return html


def _after(request) -> int | None:
    """The `after` parameter: the newest face id the page has (0: none), or None if bad."""
    text = request.GET.get("after", "")
    return 0 if text.strip() == "0" else face_id_parse(text)


def _poll_response(html: str) -> HttpResponse:
    response = HttpResponse(html)
    response["Cache-Control"] = "public, max-age=1"
    return response


def _nothing_new() -> HttpResponse:
    response = HttpResponse(status=204)  # htmx swaps nothing and polls again
    response["Cache-Control"] = "public, max-age=1"
    return response


def _bad_after(request) -> HttpResponse:
    return render(request, "400.html", {"message": "after must be a face id"}, status=400)


def _poll_after(request) -> int | HttpResponse:
    """A poll's `after`, or its whole answer already: 400 when it is not a face id, 204 when
    no visible face is newer (a memo of the newest id: no query)."""
    after = _after(request)
    if after is None:
        return _bad_after(request)
    return _nothing_new() if newest_visible_id() <= after else after


def _live_items(faces) -> list[dict]:
    """The faces with their live drawings; one whose strokes are corrupt is left out (logged)
    rather than failing the page for everyone."""
    items = []
    for face in faces:
        try:
            items.append({"face": face, "drawing": face_animation(face)})
        except CorruptStrokes as error:
            logger.error("face %s has corrupt strokes: %s", face.pk, error)
    return items


@require_GET
def live_page(request):
    """The newest face drawn big, the ones before it in a strip, and a poll for more."""
    faces = face_list_newer(after=0, limit=LIVE_STRIP)  # oldest first
    items = _live_items(reversed(faces))  # newest first
    context = {
        "stage": items[0] if items else None,
        "strip": items[1:],
        "newest_id": faces[-1].pk if faces else 0,
        "poll_seconds": LIVE_POLL_SECONDS,
        "strip_size": LIVE_STRIP,
    }
    return render(request, "gallery/live.html", context)


@require_GET
def live_faces(request):
    """The faces after `after` (the newest LIVE_BATCH, oldest first) and the next poll."""
    after = _poll_after(request)
    if isinstance(after, HttpResponse):
        return after

    def make() -> str:
        faces = face_list_newer(after=after, limit=LIVE_BATCH)
        context = {
            "items": _live_items(faces),
            "newest_id": max([after, *(face.pk for face in faces)]),
            "poll_seconds": LIVE_POLL_SECONDS,
        }
        return render_to_string("gallery/_live_faces.html", context)

    return _poll_response(_shared(("live", after), make))


@require_GET
def new_faces(request):
    """How many faces landed after the gallery's newest tile, as the poller that says so.

    `shown`: the count the page shows now (nothing to swap when it has not changed);
    `reload=1`: the empty gallery asks; when faces have landed, htmx reloads the page.
    """
    after = _poll_after(request)
    if isinstance(after, HttpResponse):
        return after

    def make() -> str:
        # Only faces older than the grid's shared page: "show" (or the reload) renders the
        # first page again, and a page rendered since they landed has them.
        settled = timezone.now() - timedelta(seconds=settings.GALLERY_CACHE_SECONDS)
        return str(face_count_newer(after=after, cap=NEW_FACES_CAP + 1, created_before=settled))

    count = int(_shared(("count", after), make))
    if count and request.GET.get("reload") == "1":
        response = HttpResponse(status=200)
        response["HX-Refresh"] = "true"
        return response
    if count == 0 or request.GET.get("shown", "") == str(count):
        return _nothing_new()
    context = {
        "newest_id": after,
        "count": min(count, NEW_FACES_CAP),
        "more": count > NEW_FACES_CAP,
        "poll_seconds": GALLERY_POLL_SECONDS,
        "gallery_url": reverse("gallery:gallery"),
    }
    return _poll_response(render_to_string("gallery/_new_faces.html", context))
