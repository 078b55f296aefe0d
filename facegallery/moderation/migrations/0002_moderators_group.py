"""Create the Moderators group with exactly the permissions moderation needs (roles.py)."""

from __future__ import annotations

from django.db import migrations

from facegallery.moderation.roles import MODERATORS_GROUP, moderators_group_sync


def create_moderators(apps, schema_editor):
    moderators_group_sync(apps)


def delete_moderators(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=MODERATORS_GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("gallery", "0002_face_featured"),
        ("voting", "0001_initial"),
        ("moderation", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_moderators, delete_moderators)]
