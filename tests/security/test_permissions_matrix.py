"""Who reaches what: every admin page and the staff-only endpoints, for every kind of user.

The moderator column is written out by hand (what moderation needs, nothing more), so a
permission added to the Moderators group by mistake, or a page left unguarded, fails here.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from tests.factories import FaceFactory
from tests.security.moderator_rights import MODERATOR_MAY_VIEW

pytestmark = pytest.mark.django_db

ADMIN_LISTS = sorted(
    (model._meta.app_label, model._meta.model_name) for model in admin.site._registry
)


def changelist(app_label: str, model_name: str) -> str:
    return reverse(f"admin:{app_label}_{model_name}_changelist")


@pytest.mark.parametrize(("app_label", "model_name"), ADMIN_LISTS)
def test_every_admin_list_is_guarded_for_each_kind_of_user(clients, app_label, model_name):
    url = changelist(app_label, model_name)
    for name in ("anonymous", "visitor"):  # not staff: sent to the admin login
        response = clients[name].get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"], name
    assert clients["staff"].get(url).status_code == 403  # staff without permissions
    expected = 200 if (app_label, model_name) in MODERATOR_MAY_VIEW else 403
    assert clients["moderator"].get(url).status_code == expected
    assert clients["superuser"].get(url).status_code == 200


def test_the_admin_index_lets_in_staff_only(clients):
    url = reverse("admin:index")
    assert clients["anonymous"].get(url).status_code == 302
    assert clients["visitor"].get(url).status_code == 302
    for name in ("staff", "moderator", "superuser"):
        assert clients[name].get(url).status_code == 200, name


def test_export_downloads_are_for_those_who_may_see_export_jobs(clients):
    url = reverse("exports:download", args=[999999, "faces.npz"])
    for name in ("anonymous", "visitor"):
        response = clients[name].get(url)
        assert response.status_code == 302 and "login" in response["Location"], name
    for name in ("staff", "moderator"):  # staff without exports.view_exportjob
        assert clients[name].get(url).status_code == 403, name
    assert clients["superuser"].get(url).status_code == 404  # allowed in; no such job


def test_public_state_changes_are_refused_without_the_csrf_token(clients):
    face = FaceFactory.create()
    client = Client(enforce_csrf_checks=True)
    body: dict[str, Any] = {"data": '{"label": "interesting"}', "content_type": "application/json"}
    assert client.put(f"/api/faces/{face.pk}/vote", **body).status_code == 403
    assert client.post(f"/api/faces/{face.pk}/reports", **body).status_code == 403
    assert client.post(f"/faces/{face.pk}/vote", {"label": "boring"}).status_code == 403
    face.refresh_from_db()
    assert face.interesting_count == face.boring_count == 0
