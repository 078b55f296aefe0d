"""Moderation fixtures: real generated faces, a moderator (mia) and a superuser (sam)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User
from django.test import Client
from django.utils import timezone

from facegallery.gallery.models import Face, GenerationBatch
from facegallery.generation.services.batches import face_generate_batch, generator_model_get
from facegallery.moderation.roles import MODERATORS_GROUP


@pytest.fixture
def faces(db) -> list[Face]:
    batch = GenerationBatch.objects.create(
        generator=generator_model_get("face"), count=6, temperature=0.3,
        dispatched_at=timezone.now(),
    )  # fmt: skip
    face_generate_batch(batch_id=batch.pk)
    faces = list(Face.objects.order_by("pk"))
    assert len(faces) == 6
    return faces


@pytest.fixture
def moderator(db) -> User:
    """A staff account whose only rights come from the migrated Moderators group."""
    user = User.objects.create_user("mia", password="correct horse battery", is_staff=True)
    user.groups.add(Group.objects.get(name=MODERATORS_GROUP))
    return user


@pytest.fixture
def superuser(db) -> User:
    return User.objects.create_superuser("sam", password="correct horse battery staple")


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
