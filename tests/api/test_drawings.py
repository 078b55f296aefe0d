"""POST /api/drawings and GET /api/drawings/{id}: finish my drawing over the JSON API."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from facegallery.gallery.models import FaceOrigin, GenerationBatch
from facegallery.generation.services.batches import face_generate_batch
from facegallery.generation.services.priming import PRIME_RATE, PRIMED_COUNT
from facegallery.voting.identity import TICKET_COOKIE
from tests.factories import face_generator

pytestmark = pytest.mark.django_db

# Two strokes in pixels of the drawing square: an outline's arc and a dot for an eye.
POLYLINES = [[[300, 500], [360, 460], [450, 470], [490, 550]], [[460, 480]]]
# The same as stroke-3, as the faces start: from the first point, the pen lifted at ends.
DRAWING = [[0, 0, 0], [60, -40, 0], [90, 10, 0], [40, 80, 1], [-30, -70, 1]]


@pytest.fixture
def browser() -> tuple[Client, dict]:
    face_generator()  # the site registers its generator row on first use
    client = Client(enforce_csrf_checks=True)
    token = client.get("/api/csrf").json()["csrf_token"]
    return client, {"X-CSRFToken": token}


def post(client, headers, body):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post("/api/drawings", data, content_type="application/json", headers=headers)


def test_a_drawing_is_queued_with_202_and_its_faces_appear_at_the_status_url(browser):
    client, headers = browser
    as_floats = [[[float(x), float(y)] for x, y in line] for line in POLYLINES]  # 300.0: whole
    response = post(client, headers, {"strokes": as_floats})
    assert response.status_code == 202
    queued = response.json()
    batch = GenerationBatch.objects.get(pk=queued["id"])
    assert batch.origin == FaceOrigin.VISITOR_PRIMED and queued["count"] == PRIMED_COUNT
    assert queued["page_url"] == f"/primed/{batch.pk}"
    assert client.get(queued["status_url"]).json() == {
        "id": batch.pk, "done": False, "count": PRIMED_COUNT, "faces": [],
    }  # fmt: skip
    face_generate_batch(batch_id=batch.pk)  # what the worker does once the request commits
    status = client.get(queued["status_url"]).json()
    assert status["done"] and len(status["faces"]) == PRIMED_COUNT
    assert all(face["strokes"][: len(DRAWING)] == DRAWING for face in status["faces"])


BAD_BODIES = [
    ('{"strokes": []}', 400, "strokes"),
    ('{"strokes": [[]]}', 400, "strokes.0"),
    ('{"strokes": [[[1, 2, 3]]]}', 400, "strokes.0.0"),
    ('{"strokes": [[[NaN, 0]]]}', 400, "strokes.0.0.0"),
    ('{"strokes": [[[Infinity, 0]]]}', 400, "strokes.0.0.0"),
    ('{"strokes": [[[1e300, 0]]]}', 400, "strokes.0.0.0"),
    ('{"strokes": [[[5000, 10]]]}', 400, "less than or equal to 1000"),
    ('{"strokes": [[[-1, 10]]]}', 400, "greater than or equal to 0"),
    ('{"strokes": [[[1.5, 10]]]}', 400, "integer"),
    ('{"strokes": [[[0, false]]]}', 400, "number"),
    ('{"strokes": [[[0, "12"]]]}', 400, "number"),
    ('{"strokes": "a face"}', 400, "strokes"),
    ("[[1, 2, 1]]", 400, "JSON object"),
    ("{not json", 400, ""),
    ('{"strokes": [[' + ", ".join(["[1, 2]"] * 17) + "]]}", 400, "at most 16"),
    ('{"strokes": [' + ", ".join(["[[1, 2]]"] * 5) + "]}", 400, "at most 4"),
    ('{"strokes": [[' + ", ".join(["[100, 100]"] * 400) + "]]}", 413, "bytes"),
]


@pytest.mark.parametrize(("body", "status", "words"), BAD_BODIES)
def test_a_bad_drawing_gets_a_4xx_with_a_one_line_json_detail_and_nothing_is_stored(
    browser, body, status, words
):
    client, headers = browser
    response = post(client, headers, body)
    assert response.status_code == status
    detail = response.json()["detail"]
    assert isinstance(detail, str) and words in detail and "\n" not in detail
    assert GenerationBatch.objects.count() == 0


def test_a_drawing_needs_the_csrf_token_and_a_voter(browser):
    client, headers = browser
    assert post(client, {}, {"strokes": POLYLINES}).status_code == 403
    del client.cookies[TICKET_COOKIE]
    refused = post(client, headers, {"strokes": POLYLINES})
    assert refused.status_code == 403 and "detail" in refused.json()
    assert GenerationBatch.objects.count() == 0


def test_too_many_drawings_get_429_with_retry_after(browser):
    client, headers = browser
    for _ in range(PRIME_RATE["voter"]):
        assert post(client, headers, {"strokes": POLYLINES}).status_code == 202
    limited = post(client, headers, {"strokes": POLYLINES})
    assert limited.status_code == 429 and int(limited["Retry-After"]) >= 1
    assert "try again" in limited.json()["detail"]
    assert GenerationBatch.objects.count() == PRIME_RATE["voter"]


def test_an_unknown_drawing_is_404_json(browser):
    client, _ = browser
    response = client.get("/api/drawings/987654")
    assert response.status_code == 404 and "does not exist" in response.json()["detail"]
