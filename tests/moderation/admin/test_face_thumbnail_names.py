"""Every face picture in the admin has a name a screen reader says: the thumbnail links of
the face list and the report queue say which face they open."""

from __future__ import annotations

import re

from django.urls import reverse

from facegallery.voting.services import report_create


def thumbnail_links(html: str) -> list[str]:
    """The accessible names of the links that hold only a face picture."""
    return re.findall(
        r'<a href="[^"]*"><span class="face-picture" role="img" aria-label="([^"]+)">', html
    )


def test_the_face_lists_thumbnail_links_are_named_after_their_faces(moderator_client, faces):
    html = moderator_client.get(reverse("admin:gallery_face_changelist")).text
    assert sorted(thumbnail_links(html)) == sorted(f"Face #{face.pk}" for face in faces)


def test_the_face_pages_drawing_is_named(moderator_client, faces):
    html = moderator_client.get(reverse("admin:gallery_face_change", args=[faces[0].pk])).text
    assert f'role="img" aria-label="Face #{faces[0].pk}"' in html


def test_the_report_queues_pictures_are_named(moderator_client, faces):
    report_create(face_id=faces[1].pk, voter="anon:r", reason="x")
    html = moderator_client.get(reverse("admin:moderation_reportedface_changelist")).text
    assert f'role="img" aria-label="Face #{faces[1].pk}"' in html
