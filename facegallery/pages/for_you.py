"""The "For you" page: the gallery ordered by the visitor's own votes (scoring/for_you.py)."""

from __future__ import annotations

from django.conf import settings
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from facegallery.gallery.models import Face, FaceStatus
from facegallery.gallery.selectors import SORT_LABELS
from facegallery.pages.grid import CSRF_PLACEHOLDER, tile, vote_form_html
from facegallery.scoring.for_you import for_you
from facegallery.voting.identity import voter_if_known, voter_ticket_issue

FOR_YOU_PAGE_FACES = 48  # two gallery pages' worth, best first


@require_GET
def for_you_page(request):
    """The visitor's best faces first, or how many votes it still needs to get there."""
    mine = for_you(voter=voter_if_known(request))
    ids = mine.face_ids[:FOR_YOU_PAGE_FACES]
    by_id = Face.objects.filter(pk__in=ids, status=FaceStatus.VISIBLE).in_bulk()
    here = reverse("gallery:for_you")
    tiles = []
    for face_id in ids:
        face = by_id.get(face_id)
        if face is None:  # hidden since the order was fitted
            continue
        form = vote_form_html(
            face_id=face.pk,
            vote_url=reverse("voting:face_vote", args=[face.pk]),
            interesting=face.interesting_count,
            boring=face.boring_count,
            my_vote=None,
            next_url=here,
        ).replace(CSRF_PLACEHOLDER, get_token(request))
        tiles.append(tile(face, url=reverse("gallery:face", args=[face.pk]), form=form))
    context = {
        "for_you": mine,
        "tiles": tiles,
        "sorts": SORT_LABELS.items(),
        "minimum": settings.FOR_YOU_MIN_VOTES,
    }
    response = render(request, "gallery/for_you.html", context)
    voter_ticket_issue(request, response)
    return response
