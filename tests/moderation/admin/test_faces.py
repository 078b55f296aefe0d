"""The face list and face page in the admin, as a moderator uses them."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from facegallery.gallery.models import Face, FaceStatus
from facegallery.moderation.models import Action, ModerationEvent
from facegallery.voting.models import Report, Vote
from facegallery.voting.services import report_create, vote_cast
from tests.factories import FaceFactory

CHANGELIST = reverse("admin:gallery_face_changelist")


def change_url(face: Face) -> str:
    return reverse("admin:gallery_face_change", args=[face.pk])


def moderate_url(face: Face) -> str:
    return reverse("admin:gallery_face_moderate", args=[face.pk])


def listed_ids(response) -> list[int]:
    return [int(i) for i in re.findall(r'name="_selected_action" value="(\d+)"', response.text)]


def bulk(client, action: str, faces: list[Face], **extra):
    data = {"action": action, "_selected_action": [f.pk for f in faces], **extra}
    return client.post(CHANGELIST, data, follow=True)


def test_the_list_shows_thumbnails_scores_and_open_reports(moderator_client, faces):
    report_create(face_id=faces[0].pk, voter="anon:r", reason="x")
    response = moderator_client.get(CHANGELIST)
    assert response.status_code == 200
    assert listed_ids(response) == sorted((f.pk for f in faces), reverse=True)
    assert response.text.count("<svg") >= len(faces)
    row = response.text.split(f'value="{faces[0].pk}"')[1].split("</tr>")[0]
    assert 'class="field-open_reports_display">1<' in row


def test_the_list_costs_the_same_queries_for_5_faces_as_for_50(moderator_client, faces):
    # No N+1: generator, report counts and thumbnails come with the page query.
    for face in faces[:5]:
        report_create(face_id=face.pk, voter="anon:r", reason="x")
    moderator_client.get(CHANGELIST)  # warm the session and content types
    with CaptureQueriesContext(connection) as few:
        moderator_client.get(CHANGELIST + "?reported=open")
    for face in FaceFactory.create_batch(45):
        report_create(face_id=face.pk, voter="anon:r", reason="x")
    with CaptureQueriesContext(connection) as many:
        response = moderator_client.get(CHANGELIST + "?reported=open")
    assert len(listed_ids(response)) == 50
    assert len(many.captured_queries) == len(few.captured_queries)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("status__exact=3", "hidden"),
        ("reported=open", "reported"),
        ("reported=none", "unreported"),
        ("votes=1-4", "voted"),
        ("votes=0", "unvoted"),
        ("score=gte0.75", "high score"),
        ("explored__exact=1", "explored"),
    ],
)
def test_filters_narrow_the_list(moderator_client, faces, moderator, query, expected):
    from facegallery.moderation.services import face_hide

    face_hide(face_ids=[faces[0].pk], actor=moderator)
    report_create(face_id=faces[1].pk, voter="anon:r", reason="x")
    vote_cast(face_id=faces[2].pk, voter="anon:v", label="interesting")
    Face.objects.filter(pk=faces[3].pk).update(score=0.9, explored=True)
    groups = {
        "hidden": [faces[0]], "reported": [faces[1]], "voted": [faces[2]],
        "high score": [faces[3]], "explored": [faces[3]],
        "unreported": [f for f in faces if f != faces[1]],
        "unvoted": [f for f in faces if f != faces[2]],
    }  # fmt: skip
    response = moderator_client.get(f"{CHANGELIST}?{query}")
    assert response.status_code == 200
    assert sorted(listed_ids(response)) == sorted(f.pk for f in groups[expected])


def test_search_finds_faces_by_id_and_ignores_words(moderator_client, faces):
    response = moderator_client.get(CHANGELIST, {"q": f"{faces[1].pk}, #{faces[3].pk}"})
    assert sorted(listed_ids(response)) == [faces[1].pk, faces[3].pk]
    response = moderator_client.get(CHANGELIST, {"q": "not-an-id"})
    assert response.status_code == 200
    assert listed_ids(response) == []


def test_visible_faces_sort_by_wilson_score(moderator_client, faces):
    vote_cast(face_id=faces[2].pk, voter="anon:v", label="interesting")
    vote_cast(face_id=faces[2].pk, voter="anon:w", label="interesting")
    vote_cast(face_id=faces[4].pk, voter="anon:v", label="interesting")
    wilson = FaceAdminColumn.index("wilson")
    response = moderator_client.get(CHANGELIST, {"status__exact": 1, "o": f"-{wilson}"})
    assert "sortable column-wilson" in response.text
    assert listed_ids(response)[:2] == [faces[2].pk, faces[4].pk]
    # Unfiltered, only the visible faces' index could serve it: no sort link is offered.
    assert "sortable column-wilson" not in moderator_client.get(CHANGELIST).text


FaceAdminColumn = [
    "action_checkbox", "thumbnail", "id", "status", "featured", "score_display",
    "interesting_count", "boring_count", "wilson",
]  # fmt: skip


@pytest.mark.parametrize(
    ("action", "field", "value"),
    [("hide_faces", "status", FaceStatus.HIDDEN), ("feature_faces", "featured", True)],
)
def test_bulk_actions_change_the_selected_faces_only(moderator_client, faces, action, field, value):
    response = bulk(moderator_client, action, faces[:3])
    assert response.status_code == 200
    changed = set(Face.objects.filter(**{field: value}).values_list("pk", flat=True))
    assert changed == {f.pk for f in faces[:3]}
    assert ModerationEvent.objects.count() == 3


def test_bulk_unhide_and_unfeature_undo_hide_and_feature(moderator_client, faces):
    bulk(moderator_client, "feature_faces", faces[:2])
    bulk(moderator_client, "unfeature_faces", faces[:2])
    bulk(moderator_client, "hide_faces", faces[:2])
    bulk(moderator_client, "unhide_faces", faces[:2])
    assert not Face.objects.exclude(status=FaceStatus.VISIBLE).exists()
    assert not Face.objects.filter(featured=True).exists()
    assert ModerationEvent.objects.count() == 8


def test_a_moderator_deletes_faces_with_their_votes_after_confirming(moderator_client, faces):
    vote_cast(face_id=faces[0].pk, voter="anon:v", label="boring")
    report_create(face_id=faces[0].pk, voter="anon:v", reason="x")
    confirm = bulk(moderator_client, "delete_selected", faces[:2])
    assert "Are you sure" in confirm.text
    assert "permission to delete" not in confirm.text
    bulk(moderator_client, "delete_selected", faces[:2], post="yes")
    assert not Face.objects.filter(pk__in=[faces[0].pk, faces[1].pk]).exists()
    assert not Vote.objects.exists() and not Report.objects.exists()
    assert ModerationEvent.objects.filter(action=Action.FACE_DELETE).count() == 2


def test_the_face_page_shows_drawing_votes_reports_and_history(moderator_client, faces):
    face = faces[0]
    vote_cast(face_id=face.pk, voter="anon:fan", label="interesting")
    report_create(face_id=face.pk, voter="anon:critic", reason="looks like a potato")
    moderator_client.post(moderate_url(face), {"moderate": "feature"})
    response = moderator_client.get(change_url(face))
    assert response.status_code == 200
    page = response.text
    assert page.count("<svg") >= 1
    assert "anon:fan" in page and "looks like a potato" in page
    assert "feature face" in page and "mia" in page
    assert 'name="_save"' not in page  # read-only: changes go through the buttons
    assert 'value="hide"' in page and 'value="unfeature"' in page


def test_one_click_buttons_hide_and_unhide_a_face(moderator_client, faces):
    face = faces[0]
    response = moderator_client.post(moderate_url(face), {"moderate": "hide"})
    assert response.status_code == 302 and response["Location"] == change_url(face)
    face.refresh_from_db()
    assert face.status == FaceStatus.HIDDEN
    moderator_client.post(moderate_url(face), {"moderate": "unhide"})
    face.refresh_from_db()
    assert face.status == FaceStatus.VISIBLE


def test_the_moderate_url_refuses_get_unknown_actions_and_foreign_redirects(
    moderator_client, faces
):
    face = faces[0]
    assert moderator_client.get(moderate_url(face)).status_code == 405
    response = moderator_client.post(moderate_url(face), {"moderate": "explode"}, follow=True)
    assert "Unknown moderation action" in response.text
    response = moderator_client.post(
        moderate_url(face) + "?next=https://evil.example/", {"moderate": "hide"}
    )
    assert response["Location"] == change_url(face)
    assert ModerationEvent.objects.count() == 1


def test_the_face_form_cannot_change_a_face_without_an_audit_event(moderator_client, faces):
    face = faces[0]
    moderator_client.post(change_url(face), {"status": FaceStatus.HIDDEN, "featured": "on"})
    face.refresh_from_db()
    assert (face.status, face.featured) == (FaceStatus.VISIBLE, False)
