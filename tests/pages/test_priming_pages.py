"""More like this (face page), the primed batch's page and its poll, and /finish/."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from facegallery.gallery.models import FaceOrigin, GenerationBatch
from facegallery.generation.services.batches import face_generate_batch
from facegallery.generation.services.priming import PRIME_RATE, PRIMED_COUNT
from tests.factories import FaceFactory

pytestmark = pytest.mark.django_db


def test_the_face_page_offers_more_like_this_as_a_csrf_protected_form(client):
    face = FaceFactory.create()
    html = client.get(f"/faces/{face.pk}").content.decode()
    form = re.search(r'<form class="more-like-this" method="post" action="([^"]+)">', html)
    assert form and form[1] == f"/faces/{face.pk}/more"
    assert "csrfmiddlewaretoken" in html[form.end() : form.end() + 400]


def test_more_like_this_redirects_to_a_page_that_shows_the_faces_as_they_land(client):
    face = FaceFactory.create()
    response = client.post(f"/faces/{face.pk}/more")
    assert response.status_code == 303
    batch = GenerationBatch.objects.get()
    assert response["Location"] == f"/primed/{batch.pk}"
    assert (batch.origin, batch.primed_from_id) == (FaceOrigin.MORE_LIKE_THIS, face.pk)

    page = client.get(response["Location"]).content.decode()
    assert f'More like <a href="/faces/{face.pk}">face #{face.pk}</a>' in page
    assert f"0 of {PRIMED_COUNT} done" in page
    assert f'hx-get="/primed/{batch.pk}/faces?shown=0"' in page
    assert client.get(f"/primed/{batch.pk}/faces?shown=0").status_code == 204  # nothing yet

    face_generate_batch(batch_id=batch.pk)
    poll = client.get(f"/primed/{batch.pk}/faces?shown=2").content.decode()
    assert poll.count('class="primed-face"') == PRIMED_COUNT - 2  # only those not shown yet
    assert f"All {PRIMED_COUNT} faces drawn" in poll and "hx-get" not in poll  # polling stops


def test_more_like_this_over_the_limit_gets_a_friendly_page_with_retry_after(client):
    face = FaceFactory.create()
    for _ in range(PRIME_RATE["voter"]):
        assert client.post(f"/faces/{face.pk}/more").status_code == 303
    refused = client.post(f"/faces/{face.pk}/more")
    assert refused.status_code == 429 and int(refused["Retry-After"]) >= 1
    assert "The network needs a breather" in refused.content.decode()
    assert GenerationBatch.objects.count() == PRIME_RATE["voter"]


def test_more_like_this_needs_a_visitor_and_a_visible_face(client):
    face = FaceFactory.create()
    assert Client().post(f"/faces/{face.pk}/more").status_code == 403  # no voter ticket
    assert client.post("/faces/987654/more").status_code == 404
    assert client.get(f"/faces/{face.pk}/more").status_code == 405
    assert GenerationBatch.objects.count() == 0


def test_the_finish_page_is_in_the_navigation_and_holds_the_canvas(client):
    html = client.get("/").content.decode()
    assert 'href="/finish/"' in html
    page = Client().get("/finish/")  # a first visit
    body = page.content.decode()
    assert page.status_code == 200 and "data-canvas" in body
    assert 'data-api="/api/drawings"' in body and "csrfmiddlewaretoken" in body
    assert page.cookies.get("voter_ticket")  # the API needs a voter: the page hands it out


def test_an_unknown_or_ordinary_batch_has_no_primed_page(client):
    face = FaceFactory.create()
    assert client.get("/primed/987654").status_code == 404
    assert client.get(f"/primed/{face.pk}/faces").status_code == 404  # a face's id, no batch
