"""Rate limits per voter, per IP and per IP prefix, in moving windows (the `limits` library):
a clear 429; and Redis down changes nothing else."""

from __future__ import annotations

import time

import pytest
from django.test import Client, override_settings
from redis import Redis

from facegallery.voting.models import Report, Vote
from tests.conftest import free_port
from tests.factories import FaceFactory, visitor

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
    assert visitor().post(f"/faces/{faces[2].pk}/vote", {"label": "boring"}).status_code == 303


def test_the_api_answers_429_json_over_the_ip_limit_for_every_voter(settings):
    settings.VOTE_RATE_PER_IP = 3
    faces = FaceFactory.create_batch(5)
    statuses = []
    for face in faces:  # a fresh session (voter) each time, one IP
        client, headers = api_client()
        response = client.put(
            f"/api/faces/{face.pk}/vote", {"label": "interesting"},
            content_type="application/json", headers=headers,
        )  # fmt: skip
        statuses.append(response.status_code)
    assert statuses == [200, 200, 200, 429, 429]
    assert int(response["Retry-After"]) >= 1
    assert "try again" in response.json()["detail"]
    assert list(Vote.objects.order_by("face_id").values_list("face_id", flat=True)) == [
        face.pk for face in faces[:3]
    ]  # the refused ones wrote nothing


def test_an_ipv6_client_rotating_its_addresses_meets_the_limit_of_its_slash_64(settings):
    settings.VOTE_RATE_PER_IP, settings.VOTE_RATE_PER_PREFIX = 1000, 4
    faces = FaceFactory.create_batch(6)
    statuses = [
        visitor(address=f"2001:db8:5:6::{n:x}").post(f"/faces/{face.pk}/vote", {"label": "boring"})
        .status_code
        for n, face in enumerate(faces)
    ]  # fmt: skip
    assert statuses == [303, 303, 303, 303, 429, 429]
    other = visitor(address="2001:db8:5:7::1")  # the next /64 is someone else
    assert other.post(f"/faces/{faces[5].pk}/vote", {"label": "boring"}).status_code == 303


def test_a_burst_across_the_window_boundary_gets_no_second_allowance(settings):
    # A fixed window lets 2 x limit through around its boundary; a moving one never more
    # than the limit in any window.
    settings.VOTE_RATE_PER_VOTER, settings.RATE_LIMIT_WINDOW_SECONDS = 3, 2
    faces = FaceFactory.create_batch(5)
    client = visitor()

    def vote(face) -> int:
        return client.post(f"/faces/{face.pk}/vote", {"label": "boring"}).status_code

    assert [vote(face) for face in faces[:3]] == [303, 303, 303]
    time.sleep(1.1)  # past a whole second: a 1-s fixed window would have started again
    assert vote(faces[3]) == 429
    time.sleep(1.2)  # the first three are out of the window now
    assert vote(faces[3]) == 303


def test_reports_are_limited_per_ip_and_one_per_face_and_ip(settings):
    settings.REPORT_RATE_PER_IP = 3
    faces = FaceFactory.create_batch(4)
    statuses = []
    for _ in range(3):  # three visitors behind one address report the same face
        statuses.append(visitor().post(f"/faces/{faces[0].pk}/report", {"reason": "offensive"}))
    assert [r.status_code for r in statuses] == [303, 303, 303]
    assert Report.objects.filter(face=faces[0]).count() == 1  # stored once
    # The address is at its limit now, whoever reports.
    response = visitor().post(f"/faces/{faces[1].pk}/report", {"reason": "offensive"})
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    elsewhere = visitor(address="198.51.100.20").post(
        f"/faces/{faces[1].pk}/report", {"reason": "broken"}
    )
    assert elsewhere.status_code == 303
    assert Report.objects.count() == 2


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


def test_a_voters_window_lives_in_redis_and_expires_with_it(client, settings):
    settings.RATE_LIMIT_WINDOW_SECONDS = 30
    face = FaceFactory.create()
    assert client.post(f"/faces/{face.pk}/vote", {"label": "boring"}).status_code == 303
    redis = Redis.from_url(settings.REDIS_URL)
    (key,) = redis.keys(f"*vote/voter/{Vote.objects.get().voter}*")
    assert redis.llen(key) == 1  # the moving window: one timestamp a hit
    assert 0 < redis.ttl(key) <= 30
