"""A visitor without cookies who only reads leaves no session row behind: every GET URL the
resolver knows (pages, GET /api/vote/next, the API's reads), HEAD too, and a vote that is
refused. Sessions are written for visitors who did something that needs one (a vote)."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from tests.factories import FaceFactory
from tests.security.test_csrf_everywhere import served_urls

pytestmark = pytest.mark.django_db


def test_no_cookieless_read_of_any_url_writes_a_session():
    face = FaceFactory.create(interesting_count=1)
    urls = served_urls(face.pk)
    assert "/api/vote/next" in urls and "/vote/" in urls
    written = []
    for url in urls:
        for method in ("GET", "HEAD"):
            before = Session.objects.count()
            response = Client().generic(method, url)  # a new client: no cookies at all
            if Session.objects.count() != before or "sessionid" in response.cookies:
                written.append(f"{method} {url} -> {response.status_code}")
    assert written == [], "\n".join(written)


def test_a_refused_vote_writes_no_session():
    face = FaceFactory.create()
    client = Client()
    token = client.get("/api/csrf").json()["csrf_token"]
    client.cookies.pop("voter_ticket", None)  # no voter: the vote is refused
    before = Session.objects.count()
    response = client.put(
        f"/api/faces/{face.pk}/vote", '{"label": "boring"}',
        content_type="application/json", headers={"X-CSRFToken": token},
    )  # fmt: skip
    assert response.status_code in (400, 403)
    assert Session.objects.count() == before and "sessionid" not in response.cookies
