"""Reporting a face puts it in the moderation queue, once per visitor."""

from __future__ import annotations

import pytest

from facegallery.voting.models import Report
from tests.factories import FaceFactory

pytestmark = pytest.mark.django_db


def test_a_report_with_a_reason_lands_in_the_queue_once(client):
    face = FaceFactory.create()
    assert client.get(f"/faces/{face.pk}/report").status_code == 200
    data = {"reason": "offensive", "details": " rude "}
    response = client.post(f"/faces/{face.pk}/report", data)
    assert response.status_code == 303
    client.post(f"/faces/{face.pk}/report", data)
    report = Report.objects.get()
    assert (report.face_id, report.reason, report.resolution) == (
        face.pk,
        "offensive: rude",
        "open",
    )
    assert len(report.ip_hash) == 64


def test_htmx_reports_get_a_thank_you_fragment(client):
    face = FaceFactory.create()
    response = client.post(
        f"/faces/{face.pk}/report", {"reason": "broken"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and b"Thanks" in response.content
    assert Report.objects.count() == 1


@pytest.mark.bad_input("vote forms: bad labels and actions")
def test_a_report_without_a_valid_reason_shows_the_form_again(client):
    face = FaceFactory.create()
    response = client.post(f"/faces/{face.pk}/report", {"reason": "because"})
    assert response.status_code == 400
    assert b"Please pick a reason" in response.content
    assert Report.objects.count() == 0
