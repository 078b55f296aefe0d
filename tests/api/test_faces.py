"""GET /api/faces and /api/faces/{id}: filters, sorts, cursors, strokes, errors as JSON."""

from __future__ import annotations

import pytest

from facegallery.gallery.models import Face, FaceStatus
from facegallery.gallery.pictures import face_strokes3
from tests.factories import FaceFactory

pytestmark = pytest.mark.django_db


def all_pages(client, query: str) -> list[int]:
    ids, cursor = [], None
    while True:
        url = f"/api/faces?{query}" + (f"&cursor={cursor}" if cursor else "")
        body = client.get(url).json()
        ids += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return ids


def test_pages_follow_the_cursor_through_ties_without_gaps_or_repeats(client):
    faces = FaceFactory.create_batch(9)
    for i, face in enumerate(faces):
        face.controversy = float(i % 3 == 0)
    Face.objects.bulk_update(faces, ["controversy"])
    FaceFactory.create_batch(2, status=FaceStatus.HIDDEN, controversy=5.0)
    ids = all_pages(client, "sort=controversial&limit=2")
    assert ids == [f.pk for f in sorted(faces, key=lambda f: (-f.controversy, -f.pk))]


def test_filters_select_featured_and_well_voted_faces(client):
    plain = FaceFactory.create()
    voted = FaceFactory.create_batch(2, interesting_count=2, boring_count=1)
    star = FaceFactory.create(featured=True)
    assert all_pages(client, "featured=true") == [star.pk]
    assert all_pages(client, "min_votes=3") == [f.pk for f in reversed(voted)]
    assert plain.pk in all_pages(client, "featured=false")


def test_the_detail_has_stroke3_strokes_and_an_svg(client):
    face = FaceFactory.create(interesting_count=1)
    body = client.get(f"/api/faces/{face.pk}").json()
    assert body["strokes"] == face_strokes3(face).tolist()
    assert body["svg"].startswith("<svg") and body["interesting_count"] == 1
    assert body["url"] == f"/faces/{face.pk}" and body["your_vote"] is None


@pytest.mark.bad_input("unknown sort and filter parameters, bad cursors")
@pytest.mark.parametrize(
    "url",
    [
        "/api/faces?sort=best",
        "/api/faces?limit=0",
        "/api/faces?limit=1000",
        "/api/faces?cursor=%%%",
        "/api/faces?cursor=WyJuZXdlc3QiXQ",
        "/api/faces?min_votes=-1",
        "/api/faces?featured=maybe",
    ],
)
def test_bad_queries_get_400_with_a_detail_message(client, url):
    FaceFactory.create()
    response = client.get(url)
    assert response.status_code == 400
    assert isinstance(response.json()["detail"], str) and response.json()["detail"]


@pytest.mark.bad_input("unknown face ids and wrong methods")
def test_unknown_faces_and_paths_get_404_json(client):
    for url in ["/api/faces/424242", "/api/faces/99999999999999999999", "/api/nothing"]:
        response = client.get(url)
        assert response.status_code == 404 and response.json()["detail"]


def test_the_openapi_schema_lists_the_endpoints(client):
    schema = client.get("/api/openapi.json").json()
    paths = schema["paths"]
    assert {"get"} <= set(paths["/api/faces"]) and {"put", "delete"} <= set(
        paths["/api/faces/{face_id}/vote"]
    )
    assert "/api/faces/{face_id}/reports" in paths
