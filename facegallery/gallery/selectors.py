"""Reads for the gallery and generation."""

from __future__ import annotations

from facegallery.gallery.models import Face, FaceStatus


def face_pool_count() -> int:
    """Visible faces nobody has voted on yet (served by the partial index face_pool)."""
    return Face.objects.filter(
        status=FaceStatus.VISIBLE, interesting_count=0, boring_count=0
    ).count()
