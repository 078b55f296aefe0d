"""The moderation queue: reported faces first, with reasons, one click to hide or dismiss."""

from __future__ import annotations

import re

from django.urls import reverse

from facegallery.gallery.models import FaceStatus
from facegallery.moderation.models import Action, ModerationEvent
from facegallery.voting.models import Report
from facegallery.voting.services import report_create

QUEUE = reverse("admin:moderation_reportedface_changelist")


def queued_ids(response) -> list[int]:
    return [int(i) for i in re.findall(r'name="_selected_action" value="(\d+)"', response.text)]


def moderate(client, face, action: str):
    """Press a row's button: it submits the changelist form to the face's moderate URL."""
    page = client.get(QUEUE).text
    row = page.split(f'name="_selected_action" value="{face.pk}"')[1].split("</tr>")[0]
    formaction = re.search(rf'formaction="([^"]+)" name="moderate" value="{action}"', row)
    assert formaction is not None, f"no {action} button in the face's row"
    url = formaction.group(1).replace("&amp;", "&")
    return client.post(url, {"moderate": action, "action": "", "index": "0"})


def test_the_queue_lists_reported_faces_most_reported_first_with_reasons(moderator_client, faces):
    report_create(face_id=faces[3].pk, voter="anon:a", reason="rude gesture")
    report_create(face_id=faces[1].pk, voter="anon:a", reason="looks like a swastika")
    report_create(face_id=faces[1].pk, voter="anon:b", reason="offensive")
    response = moderator_client.get(QUEUE)
    assert response.status_code == 200
    assert queued_ids(response) == [faces[1].pk, faces[3].pk]
    assert "looks like a swastika" in response.text and "rude gesture" in response.text


def test_one_click_hides_a_face_from_the_queue(moderator_client, faces):
    report_create(face_id=faces[0].pk, voter="anon:a", reason="spam")
    response = moderate(moderator_client, faces[0], "hide")
    assert response.status_code == 302 and response["Location"] == QUEUE
    faces[0].refresh_from_db()
    assert faces[0].status == FaceStatus.HIDDEN
    assert Report.objects.get().resolution == Report.Resolution.HIDDEN
    assert queued_ids(moderator_client.get(QUEUE)) == []


def test_a_one_click_dismiss_from_the_queue_keeps_the_face_visible(moderator_client, faces):
    report_create(face_id=faces[0].pk, voter="anon:a", reason="I just dislike it")
    report_create(face_id=faces[2].pk, voter="anon:a", reason="bad")
    moderate(moderator_client, faces[0], "dismiss")
    faces[0].refresh_from_db()
    assert faces[0].status == FaceStatus.VISIBLE
    assert Report.objects.get(face=faces[0]).resolution == Report.Resolution.DISMISSED
    assert queued_ids(moderator_client.get(QUEUE)) == [faces[2].pk]
    assert ModerationEvent.objects.get().action == Action.REPORT_DISMISS


def test_bulk_hide_and_dismiss_work_in_the_queue(moderator_client, faces):
    for face in faces[:4]:
        report_create(face_id=face.pk, voter="anon:a", reason="x")
    moderator_client.post(QUEUE, {"action": "hide_faces", "_selected_action": [faces[0].pk]})
    moderator_client.post(
        QUEUE, {"action": "dismiss_face_reports", "_selected_action": [faces[1].pk, faces[2].pk]}
    )
    assert queued_ids(moderator_client.get(QUEUE)) == [faces[3].pk]


def test_a_face_in_the_queue_opens_on_its_face_page(moderator_client, faces):
    report_create(face_id=faces[0].pk, voter="anon:a", reason="x")
    response = moderator_client.get(
        reverse("admin:moderation_reportedface_change", args=[faces[0].pk])
    )
    assert response["Location"] == reverse("admin:gallery_face_change", args=[faces[0].pk])


def test_the_report_list_dismisses_selected_reports(moderator_client, faces):
    kept = report_create(face_id=faces[0].pk, voter="anon:a", reason="x")
    dismissed = report_create(face_id=faces[0].pk, voter="anon:b", reason="y")
    moderator_client.post(
        reverse("admin:voting_report_changelist"),
        {"action": "dismiss_reports", "_selected_action": [dismissed.pk]},
    )
    kept.refresh_from_db()
    dismissed.refresh_from_db()
    assert (kept.resolution, dismissed.resolution) == ("open", "dismissed")
