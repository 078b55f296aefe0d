"""The gallery grid's HTML: rendered once, shared by every visitor for a moment.

Rendering a page of 24 tiles (SVG, vote form, counts) costs milliseconds of CPU in the
template engine, yet the grid is the same for every visitor. So a rendered page is kept
per worker process for GALLERY_CACHE_SECONDS, keyed by (sort, cursor, full page or htmx
fragment), and personalised per request with cheap string work:

- the CSRF token is rendered as a placeholder and replaced by the visitor's own token;
- the forms of the tiles the visitor voted on are rendered again with their vote pressed
  and fresh counts (one query, only for a visitor who has voted before).

Everyone else sees counts up to GALLERY_CACHE_SECONDS old, and a face hidden by a
moderator may stay in the grid that long (its own page, SVG and API answer 404 at once).
Per process rather than in Redis: a hit costs no round trip and nothing breaks while
Redis is down; each worker renders a page at most once a period. "random" is never
shared: its first page starts somewhere new on every visit.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.middleware.csrf import get_token
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe

from facegallery.gallery.pictures import face_svg_or_broken
from facegallery.gallery.selectors import (
    SORT_LABELS,
    Cursor,
    Sort,
    face_list_gallery,
)
from facegallery.pages.live import GALLERY_POLL_SECONDS
from facegallery.voting.identity import voter_if_known
from facegallery.voting.selectors import face_votes_of_voter

# Stands in for the CSRF token in shared HTML (a token is letters and digits only, so
# format_html leaves this untouched and no face data can contain it).
CSRF_PLACEHOLDER = "csrfPLACEHOLDERc7f3e9b1d2a84f6e"
_SAMPLE_ID = 918273645  # appears nowhere else in a face URL
_CACHE_LIMIT = 256  # pages a worker keeps; cursors are visitor input, so the memo is bounded

# The ranked sorts, by the column they rank by. A face that column scores 0 (no votes that
# way yet) is not ranked: those come last, newest first, under a note that says so.
RANKED_BY = {
    Sort.INTERESTING: "wilson_interesting",
    Sort.BORING: "wilson_boring",
    Sort.CONTROVERSIAL: "controversy",
}
SORT_HINTS = {
    Sort.INTERESTING: "Ranked by how sure the votes make us that a face is interesting: "
    "9 interesting votes of 10 rank above 1 of 1.",
    Sort.BORING: "Ranked by how sure the votes make us that a face is boring: "
    "9 boring votes of 10 rank above 1 of 1.",
    Sort.CONTROVERSIAL: "Faces that split the voters: many votes, close to half and half.",
}
UNRANKED_NOTES = {
    Sort.INTERESTING: "Not ranked yet: nobody has called these faces interesting. Newest first.",
    Sort.BORING: "Not ranked yet: nobody has called these faces boring. Newest first.",
    Sort.CONTROVERSIAL: "Not ranked yet: these faces have no votes both ways. Newest first.",
}


@dataclass(frozen=True)
class GridPage:
    html: str
    forms: dict[int, str]  # face id -> its vote form as it appears in `html`
    vote_url: str  # with {} for the face id
    next_url: str  # where a plain (no JavaScript) vote returns to
    expires: float


_pages: dict[tuple[str, str, bool], GridPage] = {}
_rendering: set[tuple[str, str, bool]] = set()  # keys a thread is rendering now
_pages_lock = threading.Lock()


def grid_cache_clear() -> None:
    with _pages_lock:
        _pages.clear()


def _url_pattern(name: str) -> str:
    """A face URL with {} for the id: one reverse() a page instead of two a tile."""
    return reverse(name, args=[_SAMPLE_ID]).replace(str(_SAMPLE_ID), "{}")


def vote_form_html(
    *,
    face_id: int,
    vote_url: str,
    interesting: int,
    boring: int,
    my_vote: str | None,
    next_url: str,
) -> str:
    """A tile's vote form (compact), with the CSRF placeholder in place of the token."""
    context = {
        "face_id": face_id,
        "vote_url": vote_url,
        "interesting": interesting,
        "boring": boring,
        "my_vote": my_vote,
        "next_url": next_url,
        "compact": True,
        "csrf_token": CSRF_PLACEHOLDER,
    }
    return get_template("gallery/_vote_form.html").render(context)


def tile(face, *, url: str, form: str) -> dict:
    """What templates/gallery/_page.html shows of one face."""
    return {
        "id": face.pk,
        "featured": face.featured,
        "url": url,
        "svg": mark_safe(face_svg_or_broken(face)),  # our own markup, from numbers only
        "form": mark_safe(form),
    }


def _render(
    request, *, sort: Sort, cursor: str | None, partial: bool, shared: bool = True
) -> GridPage:
    """The page without the visitor's votes; `shared`: as an anonymous visitor with no
    pending messages sees it (else with this request's user and messages)."""
    page = face_list_gallery(sort=sort, cursor=cursor, limit=settings.GALLERY_PAGE_SIZE)
    gallery_url = reverse("gallery:gallery")
    face_url, vote_url = _url_pattern("gallery:face"), _url_pattern("voting:face_vote")
    next_url = f"{gallery_url}?sort={sort}" + (f"&cursor={cursor}" if cursor else "")
    tiles, forms = [], {}
    unranked_from = _first_unranked(sort, page.faces, cursor)
    for index, face in enumerate(page.faces):
        form = vote_form_html(
            face_id=face.pk,
            vote_url=vote_url.format(face.pk),
            interesting=face.interesting_count,
            boring=face.boring_count,
            my_vote=None,
            next_url=next_url,
        )
        forms[face.pk] = form
        tiles.append(tile(face, url=face_url.format(face.pk), form=form))
        tiles[-1]["unranked_start"] = index == unranked_from
    context = {
        "page": page,
        "tiles": tiles,
        "sort": sort,
        "sorts": SORT_LABELS.items(),
        "csrf_token": CSRF_PLACEHOLDER,
        "sort_hint": SORT_HINTS.get(sort, ""),
        "unranked_note": UNRANKED_NOTES.get(sort, ""),
        # The new-faces poll (pages/live.py): on the first page of Newest only.
        "first_page": cursor is None,
        "newest_id": max((face.pk for face in page.faces), default=0),
        "poll_seconds": GALLERY_POLL_SECONDS,
        "gallery_url": gallery_url,
    }
    if shared:  # nothing that belongs to this visitor may end up in shared HTML
        context.update(user=AnonymousUser(), messages=())
    template = "gallery/_page.html" if partial else "gallery/gallery.html"
    html = render_to_string(template, context, request=request)
    expires = time.monotonic() + settings.GALLERY_CACHE_SECONDS
    return GridPage(html, forms, vote_url, next_url, expires)


def _first_unranked(sort: Sort, faces: list, cursor: str | None) -> int | None:
    """Where the unranked faces start on this page (the index of the first), or None when
    the boundary is on another page or the sort ranks nothing."""
    column = RANKED_BY.get(sort)
    if column is None:
        return None
    # Before this page's first face: the last face of the page before (ranked or not), or
    # nothing at all on the first page (the note then heads the grid).
    previous_ranked = Cursor.decode(cursor, sort=sort).value > 0 if cursor else True
    for index, face in enumerate(faces):
        ranked = getattr(face, column) > 0
        if not ranked and previous_ranked:
            return index
        previous_ranked = ranked
    return None


def _shared_page(request, *, sort: Sort, cursor: str | None, partial: bool) -> GridPage:
    if settings.GALLERY_CACHE_SECONDS <= 0 or (sort == Sort.RANDOM):
        return _render(request, sort=sort, cursor=cursor, partial=partial)
    key = (sort.value, cursor or "", partial)
    now = time.monotonic()
    page = _pages.get(key)
    if page is not None and page.expires > now:
        return page
    with _pages_lock:
        if page is not None and key in _rendering:
            # Another thread of this worker is rendering it: the old page will do meanwhile
            # (no pile of threads all rendering the same page the moment it expires).
            return page
        _rendering.add(key)
    try:
        page = _render(request, sort=sort, cursor=cursor, partial=partial)
    finally:
        with _pages_lock:
            _rendering.discard(key)
    with _pages_lock:
        if len(_pages) >= _CACHE_LIMIT:
            for stale in [k for k, v in _pages.items() if v.expires <= now] or list(_pages):
                del _pages[stale]
        _pages[key] = page
    return page


def _personal(request, page: GridPage) -> str:
    """The shared page with this visitor's CSRF token and their votes pressed."""
    html = page.html
    my_votes = face_votes_of_voter(voter=voter_if_known(request), face_ids=page.forms)
    for face_id, (label, interesting, boring) in my_votes.items():
        mine = vote_form_html(
            face_id=face_id,
            vote_url=page.vote_url.format(face_id),
            interesting=interesting,
            boring=boring,
            my_vote=label,
            next_url=page.next_url,
        )
        html = html.replace(page.forms[face_id], mine)
    return html.replace(CSRF_PLACEHOLDER, get_token(request))


def gallery_html(request, *, sort: Sort, cursor: str | None, partial: bool) -> str:
    """The gallery page (or, `partial`, the htmx fragment of its tiles) for this visitor.

    Raises InvalidCursor for a cursor the gallery did not hand out for this sort.
    """
    if len(get_messages(request)):
        # Pending messages belong to this visitor only: render them, share nothing.
        page = _render(request, sort=sort, cursor=cursor, partial=partial, shared=False)
        return _personal(request, page)
    page = _shared_page(request, sort=sort, cursor=cursor, partial=partial)
    return _personal(request, page)
