"""Moderation fixtures: six faces, a moderator (mia) and a superuser (sam)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from facegallery.gallery.models import Face
from tests.factories import FaceFactory, ModeratorFactory, SuperuserFactory

MODERATOR_PASSWORD = "correct horse battery"


@pytest.fixture
def faces(db) -> list[Face]:
    return FaceFactory.create_batch(6)


@pytest.fixture
def moderator(db) -> User:
    return ModeratorFactory.create(username="mia", password=MODERATOR_PASSWORD)


@pytest.fixture
def superuser(db) -> User:
    return SuperuserFactory.create(username="sam", password="correct horse battery staple")


@pytest.fixture
def moderator_client(moderator) -> Client:
    client = Client()
    client.force_login(moderator)
    return client


@pytest.fixture
def superuser_client(superuser) -> Client:
    client = Client()
    client.force_login(superuser)
    return client
