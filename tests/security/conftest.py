"""Security fixtures: a client for each kind of user, and the malformed-cookie and
malformed-session tests' victim (see cookies.py)."""

from __future__ import annotations

import pytest
from django.test import Client

from facegallery.voting.models import Vote
from tests.factories import FaceFactory, ModeratorFactory, SuperuserFactory, UserFactory
from tests.security.cookies import JSON, Victim


@pytest.fixture
def clients(db) -> dict[str, Client]:
    """Logged-in clients of a visitor, staff without permissions, a moderator and a
    superuser, and an anonymous one."""
    users = {
        "visitor": UserFactory.create(username="vic"),
        "staff": UserFactory.create(username="stan", is_staff=True),
        "moderator": ModeratorFactory.create(username="mia"),
        "superuser": SuperuserFactory.create(username="sam"),
    }
    made = {"anonymous": Client()}
    for name, user in users.items():
        made[name] = Client()
        made[name].force_login(user)
    return made


@pytest.fixture
def generous_rate_limits(settings):
    """Generated examples all come from one address: let every one reach the services."""
    settings.VOTE_RATE_PER_VOTER = settings.VOTE_RATE_PER_IP = 10**9
    settings.VOTE_RATE_PER_PREFIX = settings.NEW_VOTERS_PER_PREFIX_HOUR = 10**9
    settings.REPORT_RATE_PER_VOTER = settings.REPORT_RATE_PER_IP = 10**9
    settings.REPORT_RATE_PER_PREFIX = 10**9


@pytest.fixture
def victim() -> Victim:
    """A visitor who voted interesting on a face through the API, as a browser does."""
    face, _other = FaceFactory.create_batch(2)
    client = Client(enforce_csrf_checks=True)
    token = client.get("/api/csrf").json()["csrf_token"]
    response = client.put(
        f"/api/faces/{face.pk}/vote", '{"label": "interesting"}', content_type=JSON,
        headers={"X-CSRFToken": token},
    )  # fmt: skip
    assert response.status_code == 200
    face.refresh_from_db()
    voter = Vote.objects.get().voter
    return Victim(face, client.cookies["sessionid"].value, voter, token)
