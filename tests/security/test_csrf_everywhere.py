"""CSRF on every state change: each URL the project serves, every writing method, no token.

The URLs come from the resolver itself, so a page added later is covered without editing
this file. A superuser's session is the one a forged request would most like to spend; a
voter's session is the one the public site spends. Neither may change anything.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from tests.factories import FaceFactory

pytestmark = pytest.mark.django_db

WRITING_METHODS = ("POST", "PUT", "PATCH", "DELETE")
FORM, FORM_TYPE = "label=interesting&action=hide&reason=x", "application/x-www-form-urlencoded"
GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")  # a named group of a regex pattern
CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")  # <int:face_id> in a route
ARGUMENT_VALUES = {
    "app_label": "gallery", "url": "nothing/here/", "name": "faces.npz", "content_type_id": "1",
}  # fmt: skip


def served_urls(face_id: int) -> list[str]:
    """Every pattern of the URLconf as a concrete URL (ids filled with a real face id)."""

    def concrete(pattern: str) -> str:
        pattern = pattern.removeprefix("^").removesuffix("$")
        fill = lambda m: ARGUMENT_VALUES.get(m[1], str(face_id))  # noqa: E731
        return CONVERTER.sub(fill, GROUP.sub(fill, pattern)).replace("\\", "")

    def walk(patterns, prefix: str):
        for entry in patterns:
            here = prefix + concrete(str(entry.pattern))
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns, here)
            elif isinstance(entry, URLPattern):
                yield here

    return sorted(set(walk(get_resolver().url_patterns, "/")))


# Written by reading too (a session's expiry, axes' access log): not state a forgery changes.
BOOKKEEPING = {"sessions.Session", "axes.AccessAttempt", "axes.AccessFailureLog", "axes.AccessLog"}


def everything() -> dict[str, list]:
    """Every row of every model, as values: any write anywhere shows up as a difference."""
    return {
        model._meta.label: sorted(map(repr, model._default_manager.values_list()))
        for model in apps.get_models()
        if model._meta.label not in BOOKKEEPING
    }


@pytest.fixture
def sessions() -> dict[str, Any]:  # two clients and the face they voted on
    face = FaceFactory.create()
    voter = Client(enforce_csrf_checks=True)
    token = voter.get("/api/csrf").json()["csrf_token"]
    put = voter.put(f"/api/faces/{face.pk}/vote", '{"label": "boring"}',
                    content_type="application/json", headers={"X-CSRFToken": token})  # fmt: skip
    assert put.status_code == 200  # a voter with a real session and a vote to spend
    superuser = Client(enforce_csrf_checks=True)
    superuser.force_login(User.objects.create_superuser("root", password="x" * 20))
    return {"voter": voter, "superuser": superuser, "face": face}


def test_the_walk_finds_the_pages_that_change_things(sessions):
    urls = served_urls(sessions["face"].pk)
    face_id = sessions["face"].pk
    for expected in [f"/faces/{face_id}/vote", f"/api/faces/{face_id}/vote", "/vote/act",
                     f"/admin/gallery/face/{face_id}/change/", "/admin/logout/"]:  # fmt: skip
        assert expected in urls
    assert len(urls) > 100


@pytest.mark.bad_input("forged writes: every URL × POST/PUT/PATCH/DELETE, no CSRF token")
def test_no_url_accepts_a_write_without_the_csrf_token(sessions, tried):
    urls = served_urls(sessions["face"].pk)
    before = everything()
    accepted = []
    for who in ("voter", "superuser"):
        client = sessions[who]
        for url in urls:
            for method in WRITING_METHODS:
                response = client.generic(method, url, FORM, content_type=FORM_TYPE)
                tried[response.status_code] += 1
                if response.status_code not in (403, 405):
                    accepted.append(f"{who} {method} {url} -> {response.status_code}")
    assert accepted == [], "\n".join(accepted)
    assert everything() == before
