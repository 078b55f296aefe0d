"""The scorer admin: the loop chart and settings, retrain on demand, pin and roll back."""

from __future__ import annotations

import pytest
from django.urls import reverse

from facegallery.scoring.models import ScorerVersion
from tests.factories import store_scorer

pytestmark = pytest.mark.django_db


def test_the_changelist_shows_the_loop_chart_and_the_filter_settings(admin_client, drawn_faces):
    store_scorer(version=1, labels_of=lambda n: float(n >= 6))
    response = admin_client.get(reverse("admin:scoring_scorerversion_changelist"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "<svg" in body and "held-out AUC" in body
    assert "keeps the top 30%" in body and "Active scorer: v1" in body


def test_the_retrain_now_button_enqueues_the_task_after_commit(
    admin_client, django_capture_on_commit_callbacks
):
    url = reverse("admin:scoring_scorerversion_retrain")
    assert admin_client.get(url).status_code == 405
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(url)
    assert response.status_code == 302 and len(callbacks) == 1


def test_the_pin_action_rolls_back_to_the_chosen_version(admin_client, drawn_faces):
    old = store_scorer(version=1, labels_of=lambda n: float(n >= 6), active=False)
    store_scorer(version=2, labels_of=lambda n: float(n >= 5))
    response = admin_client.post(
        reverse("admin:scoring_scorerversion_changelist"),
        {"action": "pin_version", "_selected_action": [old.pk]},
    )
    assert response.status_code == 302
    assert list(ScorerVersion.objects.filter(is_active=True).values_list("version", "pinned")) == [
        (1, True)
    ]
