"""Gallery fixtures: real PostgreSQL (pytest-django), the real weights."""

from __future__ import annotations

import pytest

from facegallery.gallery.models import GenerationSettings


@pytest.fixture
def generation_settings(db) -> GenerationSettings:
    row, _ = GenerationSettings.objects.get_or_create(pk=1)
    return row


@pytest.fixture
def generator(db):
    from facegallery.generation.services.batches import generator_model_get

    return generator_model_get("face")
