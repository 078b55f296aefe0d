"""PUT /api/lean/faces/{id}/vote: the API's vote without the session, in one query; the same
answers, CSRF protection, refusals and rate limits; and gunicorn's shortcut past the
middleware (facegallery/wsgi.py)."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.contrib.sessions.models import Session
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client

from facegallery.voting.identity import TICKET_COOKIE
from facegallery.voting.models import Vote
from facegallery.wsgi import application
from tests.factories import FaceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("voters_established_at_once")]

LEAN, OLD = "/api/lean/faces/{}/vote", "/api/faces/{}/vote"


@pytest.fixture
def browser() -> tuple[Client, dict]:
    client = Client(enforce_csrf_checks=True)
    token = client.get("/api/csrf").json()["csrf_token"]
    return client, {"X-CSRFToken": token}


def put(client, headers, face_id, body, path=LEAN, **extra):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.put(
        path.format(face_id), data, content_type="application/json", headers=headers, **extra
    )


def test_a_ticket_holder_votes_in_one_query_and_no_session_is_made(
    browser, django_assert_num_queries
):
    client, headers = browser
    face = FaceFactory.create()
    with django_assert_num_queries(1):
        response = put(client, headers, face.pk, {"label": "interesting"})
    assert response.json() == {
        "face_id": face.pk, "label": "interesting", "interesting_count": 1, "boring_count": 0,
        "changed": True, "counted": True, "pending": False,
    }  # fmt: skip
    assert "sessionid" not in response.cookies and not Session.objects.exists()
    assert client.get(f"/api/faces/{face.pk}").json()["your_vote"] == "interesting"


def test_the_answers_are_those_of_the_api_vote_for_the_same_votes(browser):
    client, headers = browser
    old, lean = FaceFactory.create_batch(2)
    for label in ["interesting", "interesting", "boring", "boring"]:
        want = put(client, headers, old.pk, {"label": label}, path=OLD).json()
        got = put(client, headers, lean.pk, {"label": label}).json()
        assert got == {**want, "face_id": lean.pk}


def test_a_visitor_with_a_session_is_the_same_voter_on_both_endpoints(browser):
    client, headers = browser
    first, second = FaceFactory.create_batch(2)
    put(client, headers, first.pk, {"label": "boring"}, path=OLD)  # keeps the voter in a session
    client.cookies.pop(TICKET_COOKIE)  # the session alone names it now
    assert put(client, headers, second.pk, {"label": "boring"}).status_code == 200
    changed = put(client, headers, first.pk, {"label": "interesting"}).json()
    assert changed["changed"] and changed["interesting_count"] == 1
    assert Vote.objects.values("voter").distinct().count() == 1 and Vote.objects.count() == 2


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"label": "meh"}, 400),
        ({"label": 7}, 400),
        ("[]", 400),
        ("not json", 400),
        ({"label": "boring", "pad": "x" * 5000}, 413),
    ],
)
def test_a_bad_body_is_a_one_line_json_4xx_and_writes_nothing(browser, body, status):
    client, headers = browser
    response = put(client, headers, FaceFactory.create().pk, body)
    assert response.status_code == status
    assert list(response.json()) == ["detail"] and "\n" not in response.json()["detail"]
    assert not Vote.objects.exists()


def test_unknown_faces_wrong_methods_and_visitors_without_a_ticket_are_refused(browser):
    client, headers = browser
    face = FaceFactory.create()
    assert put(client, headers, 10**30, {"label": "boring"}).status_code == 404
    assert put(client, headers, face.pk + 1000, {"label": "boring"}).status_code == 404
    wrong = client.post(LEAN.format(face.pk), {}, headers=headers)
    assert wrong.status_code == 405 and wrong["Allow"] == "PUT"
    client.cookies.pop(TICKET_COOKIE)
    nobody = put(client, headers, face.pk, {"label": "boring"})
    assert nobody.status_code == 403 and "open the page" in nobody.json()["detail"]
    assert not Vote.objects.exists()


def test_a_forged_vote_is_refused_without_the_matching_token_or_from_another_origin(browser):
    client, headers = browser
    face = FaceFactory.create()
    other_token = Client().get("/api/csrf").json()["csrf_token"]
    for forged in [{}, {"X-CSRFToken": "x" * 64}, {"X-CSRFToken": other_token}]:
        response = put(client, forged, face.pk, {"label": "boring"})
        assert response.status_code == 403 and "CSRF" in response.json()["detail"]
    elsewhere = put(client, {**headers, "Origin": "https://evil.example"}, face.pk, {"label": "x"})
    assert elsewhere.status_code == 403
    assert not Vote.objects.exists()


def test_the_rate_limit_counts_votes_on_both_endpoints_and_answers_429(browser, settings):
    settings.VOTE_RATE_PER_VOTER = 2
    client, headers = browser
    faces = FaceFactory.create_batch(3)
    assert put(client, headers, faces[0].pk, {"label": "boring"}, path=OLD).status_code == 200
    assert put(client, headers, faces[1].pk, {"label": "boring"}).status_code == 200
    refused = put(client, headers, faces[2].pk, {"label": "boring"})
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= settings.RATE_LIMIT_WINDOW_SECONDS
    assert "try again" in refused.json()["detail"]
    assert Vote.objects.count() == 2


def wsgi_put(face_id: int, cookies: dict, token: str, body: bytes, **environ) -> tuple:
    """PUT the lean vote through facegallery.wsgi.application, as gunicorn calls it."""
    base = {
        "REQUEST_METHOD": "PUT", "PATH_INFO": LEAN.format(face_id), "QUERY_STRING": "",
        "SERVER_NAME": "testserver", "SERVER_PORT": "80", "HTTP_HOST": "testserver",
        "REMOTE_ADDR": "127.0.0.1", "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "application/json",
        "HTTP_COOKIE": "; ".join(f"{k}={v}" for k, v in cookies.items()),
        "HTTP_X_CSRFTOKEN": token,
    }  # fmt: skip
    answer: dict = {}

    def start_response(status: str, headers: list, exc_info: Any = None) -> Any:
        answer.update(status=int(status.split()[0]), headers=dict(headers))

    # As Django's test client: the test's transaction must outlive the request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        response = application({**base, **environ}, start_response)
        content = b"".join(response)
        response.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answer["status"], answer["headers"], content


def test_gunicorn_reaches_the_lean_vote_past_the_middleware_with_the_same_checks(browser, settings):
    client, headers = browser
    face = FaceFactory.create()
    cookies = {name: morsel.value for name, morsel in client.cookies.items()}
    token, body = headers["X-CSRFToken"], b'{"label": "boring"}'
    status, answer, content = wsgi_put(face.pk, cookies, token, body)
    assert status == 200 and json.loads(content)["boring_count"] == 1
    assert answer["Content-Length"] == str(len(content))
    assert "Content-Security-Policy" not in answer  # no page middleware ran
    assert wsgi_put(face.pk, cookies, "", body)[0] == 403  # no CSRF token
    assert wsgi_put(face.pk, cookies, token, body, HTTP_HOST="evil.example")[0] == 400
    settings.SECURE_SSL_REDIRECT = True
    status, _, content = wsgi_put(face.pk, cookies, token, body)
    assert status == 403 and json.loads(content) == {"detail": "HTTPS only"}
    assert Vote.objects.count() == 1
