"""Test settings: only overrides. The database and Redis are still real (see facegallery.stack)."""

from __future__ import annotations

from facegallery.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Render the gallery on every request: tests change faces and look at once (the shared
# grid has its own tests, tests/pages/test_grid_cache.py, which turn it on).
GALLERY_CACHE_SECONDS = 0
