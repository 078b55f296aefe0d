"""Numbers on the admin's face pages read as numbers: 3 decimals, percentages; and the admin
index names generation batches in English."""

from __future__ import annotations

from django.urls import reverse

from facegallery.gallery.models import Face
from tests.factories import FaceFactory, VoteFactory


def test_the_face_page_rounds_wilson_bounds_controversy_score_and_admission(moderator_client):
    face = FaceFactory.create()
    VoteFactory.create_batch(3, face=face)
    VoteFactory.create(face=face, label="boring")
    Face.objects.filter(pk=face.pk).update(score=0.123456789, admission_probability=0.3)
    face.refresh_from_db()
    page = moderator_client.get(reverse("admin:gallery_face_change", args=[face.pk])).text
    for value in (face.wilson_interesting, face.wilson_boring, face.controversy):
        assert len(repr(value)) > 6  # a float with digits to spare
        assert f"{value:.3f}" in page
        assert repr(value) not in page
    assert "0.123<" in page and "0.123456789" not in page
    assert "30.0%" in page


def test_the_face_list_rounds_scores_and_wilson_bounds(moderator_client):
    face = FaceFactory.create()
    VoteFactory.create_batch(2, face=face)
    Face.objects.filter(pk=face.pk).update(score=0.987654321)
    face.refresh_from_db()
    page = moderator_client.get(reverse("admin:gallery_face_changelist")).text
    assert f">{face.wilson_interesting:.3f}<" in page and repr(face.wilson_interesting) not in page
    assert ">0.988<" in page


def test_the_admin_index_says_generation_batches(superuser_client):
    page = superuser_client.get(reverse("admin:index")).text
    assert "Generation batches" in page and "Generation batchs" not in page
