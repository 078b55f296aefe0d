"""Rate limits per voter and per IP: a clear 429; and Redis down changes nothing else."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings
from redis import Redis

from facegallery.voting.models import Vote
from tests.conftest import free_port
from tests.factories import FaceFactory

pytestmark = pytest.mark.django_db


def api_client() -> tuple[Client, dict]:
    client = Client(enforce_csrf_checks=True)
    token = client.get("/api/csrf").json()["csrf_token"]
    return client, {"X-CSRFToken": token}


def test_the_site_answers_429_with_retry_after_over_the_voter_limit(client, settings):
    settings.VOTE_RATE_PER_VOTER = 2
    faces = FaceFactory.create_batch(3)
    for face in faces[:2]:
        assert client.post(f"/faces/{face.pk}/vote", {"label": "boring"}).status_code == 303
    response = client.post(f"/faces/{faces[2].pk}/vote", {"label": "boring"})
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= settings.RATE_LIMIT_WINDOW_SECONDS
    assert b"try again in" in response.content
    assert Vote.objects.count() == 2
    htmx = client.post(
        f"/faces/{faces[2].pk}/vote", {"label": "boring"}, headers={"HX-Request": "true"}
    )
    assert htmx.status_code == 429 and htmx["Content-Type"].startswith("text/plain")
    assert Client().post(f"/faces/{faces[2].pk}/vote", {"label": "boring"}).status_code == 303


def test_the_api_answers_429_json_over_the_ip_limit_for_every_voter(settings):
    settings.VOTE_RATE_PER_IP = 3
    face = FaceFactory.create()
    statuses = []
    for _ in range(5):  # a fresh session (voter) each time, one IP
        client, headers = api_client()
        response = client.put(
            f"/api/faces/{face.pk}/vote", {"label": "interesting"},
            content_type="application/json", headers=headers,
        )  # fmt: skip
        statuses.append(response.status_code)
    assert statuses == [200, 200, 200, 429, 429]
    assert int(response["Retry-After"]) >= 1
    assert "try again" in response.json()["detail"]
    face.refresh_from_db()
    assert face.interesting_count == Vote.objects.count() == 3


@pytest.mark.fault("redis-down")
def test_with_redis_down_pages_still_serve_and_votes_still_count(client, settings):
    dead = f"redis://127.0.0.1:{free_port()}/0"
    settings.VOTE_RATE_PER_VOTER = 1  # would refuse the second vote if the limiter ran
    faces = FaceFactory.create_batch(2)
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": dead,
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    with override_settings(CACHES=caches):
        assert client.get("/").status_code == 200
        assert client.get(f"/faces/{faces[0].pk}").status_code == 200
        assert client.get("/vote/").status_code == 200
        for face in faces:
            assert client.post(f"/faces/{face.pk}/vote", {"label": "boring"}).status_code == 303
        api, headers = api_client()
        response = api.put(
            f"/api/faces/{faces[0].pk}/vote", {"label": "interesting"},
            content_type="application/json", headers=headers,
        )  # fmt: skip
        assert response.status_code == 200
    assert Vote.objects.count() == 3


def test_a_counters_key_expires_with_its_window(client, settings):
    settings.RATE_LIMIT_WINDOW_SECONDS = 30
    face = FaceFactory.create()
    assert client.post(f"/faces/{face.pk}/vote", {"label": "boring"}).status_code == 303
    redis = Redis.from_url(settings.REDIS_URL)
    (key,) = redis.keys(f"*rl:vote:voter:{Vote.objects.get().voter}:*")
    count = redis.get(key)
    assert count is not None and int(count) == 1
    assert 0 < redis.ttl(key) <= 31
