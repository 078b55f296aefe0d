"""A face a moderator hides disappears from every public page, API response and the
default export at once (no cache to expire), and comes back when unhidden."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from facegallery.exports.labels import label_rule_parse
from facegallery.exports.selectors import FaceFilters, export_face_queryset
from facegallery.voting.services import FaceNotFound, vote_cast


def public_sightings(face) -> dict[str, bool]:
    """Where an anonymous visitor (or a default export) finds the face right now."""
    visitor = Client()
    api_ids = [item["id"] for item in visitor.get("/api/faces").json()["items"]]
    gallery = visitor.get("/").text
    default_export = export_face_queryset(FaceFilters(label_rule=label_rule_parse("majority")))
    return {
        "gallery": f'href="{reverse("gallery:face", args=[face.pk])}"' in gallery,
        "face page": visitor.get(f"/faces/{face.pk}").status_code == 200,
        "svg file": visitor.get(f"/faces/{face.pk}.svg").status_code == 200,
        "api list": face.pk in api_ids,
        "api face": visitor.get(f"/api/faces/{face.pk}").status_code == 200,
        "default export": default_export.filter(pk=face.pk).exists(),
    }


def test_a_hidden_face_disappears_everywhere_at_once_and_comes_back(moderator_client, faces):
    face = faces[2]
    vote_cast(face_id=face.pk, voter="anon:v", label="interesting")  # exportable: labelled
    everywhere = dict.fromkeys(public_sightings(face), True)
    assert public_sightings(face) == everywhere

    moderate = reverse("admin:gallery_face_moderate", args=[face.pk])
    moderator_client.post(moderate, {"moderate": "hide"})
    assert public_sightings(face) == dict.fromkeys(everywhere, False)
    assert Client().get(f"/api/faces/{face.pk}").status_code == 404

    moderator_client.post(moderate, {"moderate": "unhide"})
    assert public_sightings(face) == everywhere


def test_hiding_from_the_queue_also_stops_the_face_being_voted_on(moderator_client, faces):
    moderator_client.post(
        reverse("admin:gallery_face_moderate", args=[faces[0].pk]), {"moderate": "hide"}
    )
    with pytest.raises(FaceNotFound):
        vote_cast(face_id=faces[0].pk, voter="anon:late", label="boring")
