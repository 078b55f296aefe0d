"""Expired sessions are deleted on the beat schedule; live ones stay."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from facegallery.celery import app
from facegallery.core.sessions import SessionStore
from facegallery.core.tasks import sessions_clear_expired

pytestmark = pytest.mark.django_db


def stored_session(*, expires_in: timedelta) -> str:
    store = SessionStore()
    store["voter_id"] = "0" * 32
    store.set_expiry(expires_in)
    store.save()
    assert store.session_key is not None
    if expires_in < timedelta(0):  # save() refuses to write an expiry in the past
        Session.objects.filter(pk=store.session_key).update(expire_date=timezone.now() + expires_in)
    return store.session_key


def test_the_task_deletes_expired_sessions_and_keeps_live_ones():
    expired = [stored_session(expires_in=timedelta(seconds=-s)) for s in (1, 3600, 86400 * 30)]
    live = stored_session(expires_in=timedelta(days=14))
    sessions_clear_expired()
    assert set(Session.objects.values_list("pk", flat=True)) == {live}
    assert not Session.objects.filter(pk__in=expired).exists()


def test_the_task_is_on_the_beat_schedule_beside_the_others():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["sessions-clear-expired"]["task"] == "core.sessions_clear_expired"
    assert schedule["sessions-clear-expired"]["schedule"] <= 24 * 3600
    # Names already in use stay as they were: beat's schedule file and queued tasks use them.
    assert schedule["generation-top-up"]["task"] == "gallery.generation_top_up"
    assert schedule["scorer-retrain-if-due"]["task"] == "scoring.scorer_retrain_if_due"
    app.loader.import_default_modules()
    assert {entry["task"] for entry in schedule.values()} <= set(app.tasks)
