"""Moderators may start void jobs and see the suspicious-activity page (roles.py)."""

from __future__ import annotations

from django.db import migrations

from facegallery.moderation.roles import moderators_group_sync


def sync_moderators(apps, schema_editor):
    moderators_group_sync(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("moderation", "0003_void_jobs_and_suspicious_activity"),
    ]

    operations = [migrations.RunPython(sync_moderators, migrations.RunPython.noop)]
