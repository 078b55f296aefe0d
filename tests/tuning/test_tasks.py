"""The tuning tasks and command are interfaces: each calls its service; beat runs both tasks."""

from __future__ import annotations

import io

import pytest
from django.conf import settings
from django.core.management import call_command

from facegallery.gallery.models import GeneratorVersion, VersionStatus
from facegallery.tuning.services.rollouts import rollout_start
from facegallery.tuning.tasks import rollout_decide, version_train
from tests.factories import FaceFactory, GeneratorVersionFactory, VoteFactory

pytestmark = pytest.mark.django_db


def test_beat_checks_for_training_and_decides_rollouts():
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"tuning.version_train", "tuning.rollout_decide"} <= tasks


def test_training_runs_on_a_queue_of_its_own_so_that_generation_never_waits_behind_it():
    assert settings.CELERY_TASK_ROUTES["tuning.version_train"] == {"queue": "tuning"}


def test_the_training_check_trains_nothing_without_new_votes():
    version_train()  # not due: returns without a version
    assert not GeneratorVersion.objects.exists()


def test_the_decision_task_decides_the_running_rollout(fast_rollout):
    version = GeneratorVersionFactory.create()
    rollout_start(version=version.version)
    for face in FaceFactory.create_batch(30, generator_version=version):
        VoteFactory.create(face=face, label="boring")
    for face in FaceFactory.create_batch(30):
        VoteFactory.create(face=face, label="interesting")
    rollout_decide()
    version.refresh_from_db()
    assert version.status == VersionStatus.REJECTED


def test_the_command_says_why_nothing_was_trained_or_decided():
    out = io.StringIO()
    call_command("train_generator", "--if-due", stdout=out)
    call_command("train_generator", "--decide", stdout=out)
    assert out.getvalue().splitlines() == [
        "nothing trained: 0 new votes of 500",
        "no candidate: wait (no rollout is running)",
    ]
