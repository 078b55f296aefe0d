"""Generation fixtures: the settings row and the real face decoder's row."""

from __future__ import annotations

import pytest

from facegallery.gallery.models import GenerationSettings, GeneratorModel
from tests.factories import face_generator


@pytest.fixture
def generation_settings(db) -> GenerationSettings:
    return GenerationSettings.current()


@pytest.fixture
def generator(db) -> GeneratorModel:
    return face_generator()
