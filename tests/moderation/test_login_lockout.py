"""django-axes locks the admin login after AXES_FAILURE_LIMIT wrong passwords."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client

LOGIN = "/admin/login/?next=/admin/"
PASSWORD = "correct horse battery"  # the moderator fixture's


def attempt(password: str, ip: str = "203.0.113.7", username: str = "mia"):
    client = Client(REMOTE_ADDR=ip)
    response = client.post(LOGIN, {"username": username, "password": password})
    return response, client


def fail(times: int, **kwargs) -> list[int]:
    return [attempt("wrong guess", **kwargs)[0].status_code for _ in range(times)]


def test_the_right_password_logs_a_moderator_in(moderator):
    # The login form again, with an error, until the limit.
    assert set(fail(settings.AXES_FAILURE_LIMIT - 1)) == {200}
    response, client = attempt(PASSWORD)
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_after_the_failure_limit_even_the_right_password_is_refused(moderator):
    assert fail(settings.AXES_FAILURE_LIMIT)[-1] == 429
    response, client = attempt(PASSWORD)
    assert response.status_code == 429
    assert "Too many failed login attempts" in response.text
    assert client.get("/admin/").status_code == 302  # still logged out


def test_the_lockout_is_per_username_and_address(moderator, superuser):
    fail(settings.AXES_FAILURE_LIMIT)
    # The same account from another address, and another account from the same address.
    assert attempt(PASSWORD, ip="198.51.100.1")[0].status_code == 302
    sam = attempt("correct horse battery staple", username="sam")[0]
    assert sam.status_code == 302


def test_a_success_before_the_limit_starts_the_count_again(moderator):
    fail(settings.AXES_FAILURE_LIMIT - 1)
    assert attempt(PASSWORD)[0].status_code == 302
    fail(settings.AXES_FAILURE_LIMIT - 1)
    assert attempt(PASSWORD)[0].status_code == 302


@pytest.mark.fault("redis-down")
def test_the_lockout_works_while_redis_is_down(moderator, settings):
    ip = "203.0.113.9"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens on the discard port
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    assert fail(settings.AXES_FAILURE_LIMIT, ip=ip)[-1] == 429
    assert attempt(PASSWORD, ip=ip)[0].status_code == 429
