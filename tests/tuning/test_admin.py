"""The generator versions' admin: status and rails in the list; a version's rails, training
figures and rollout arms side by side with sample grids; rollouts started and stopped."""

from __future__ import annotations

import pytest
from django.urls import reverse

from facegallery.gallery.models import GeneratorVersion, VersionStatus
from facegallery.tuning.services.rollouts import rollout_start
from tests.factories import FaceFactory, GeneratorVersionFactory, VoteFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:gallery_generatorversion_changelist"
RAILS = {
    "passed": False,
    "checks": [
        {"name": "human NLL", "base": 0.7455, "tuned": 0.8123, "limit": 0.9955, "passed": True},
        {"name": "diversity", "base": 4.5, "tuned": 3.1, "limit": 3.825, "passed": False},
    ],
}


def test_the_list_shows_each_versions_status_and_rails(admin_client):
    GeneratorVersionFactory.create(version=1)
    GeneratorVersionFactory.create(version=2, rails_passed=False)
    body = admin_client.get(reverse(CHANGELIST)).content.decode()
    assert "failed rails" in body and "passed" in body
    assert "Drawing now: the base weights" in body
    assert "Train a version now" in body


def test_a_versions_page_shows_each_rail_check_with_its_base_tuned_and_limit(admin_client):
    version = GeneratorVersionFactory.create(
        status=VersionStatus.FAILED_RAILS, metrics={"rails": RAILS, "loss_end": 0.61}
    )
    url = reverse("admin:gallery_generatorversion_change", args=[version.pk])
    body = admin_client.get(url).content.decode()
    assert "Rails: failed" in body
    for figure in ("0.7455", "0.8123", "0.9955", "3.8250", "<strong>failed</strong>"):
        assert figure in body
    assert "loss_end" in body and "0.6100" in body


def test_a_rollouts_arms_are_shown_side_by_side_with_their_votes_and_sample_grids(
    admin_client,
):
    version = GeneratorVersionFactory.create()
    rollout_start(version=version.version, share=0.5)
    for face in FaceFactory.create_batch(4, generator_version=version):
        VoteFactory.create(face=face, label="interesting")
    for face in FaceFactory.create_batch(2):  # the base's arm
        VoteFactory.create(face=face, label="boring")
    url = reverse("admin:gallery_generatorversion_change", args=[version.pk])
    body = admin_client.get(url).content.decode()
    assert f"candidate v{version.version}" in body and "base weights" in body
    assert "4 of 4 counted votes interesting: 100.0%" in body
    assert "0 of 2 counted votes interesting: 0.0%" in body
    assert body.count('src="data:image/png;base64,') == 2


def test_the_start_action_rolls_a_version_out_and_refuses_one_that_failed_its_rails(
    admin_client,
):
    failed = GeneratorVersionFactory.create(rails_passed=False)
    fresh = GeneratorVersionFactory.create()
    for row in (failed, fresh):
        admin_client.post(
            reverse(CHANGELIST), {"action": "start_rollout", "_selected_action": [row.pk]}
        )
    statuses = dict(GeneratorVersion.objects.values_list("pk", "status"))
    assert statuses == {failed.pk: VersionStatus.FAILED_RAILS, fresh.pk: VersionStatus.CANDIDATE}


def test_the_stop_action_rejects_the_candidate(admin_client):
    version = GeneratorVersionFactory.create()
    rollout_start(version=version.version)
    admin_client.post(
        reverse(CHANGELIST), {"action": "stop_rollout", "_selected_action": [version.pk]}
    )
    version.refresh_from_db()
    assert version.status == VersionStatus.REJECTED


def test_the_train_button_queues_a_forced_run_after_commit(
    admin_client, django_capture_on_commit_callbacks
):
    url = reverse("admin:gallery_generatorversion_train")
    assert admin_client.get(url).status_code == 405
    with django_capture_on_commit_callbacks() as callbacks:
        response = admin_client.post(url)
    assert response.status_code == 302 and len(callbacks) == 1
