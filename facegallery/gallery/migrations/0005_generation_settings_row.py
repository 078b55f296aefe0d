"""The one generation settings row exists from the start (editable in the admin)."""

from django.db import migrations


def create_row(apps, schema_editor):
    apps.get_model("gallery", "GenerationSettings").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("gallery", "0004_generation_filter_shares")]

    operations = [migrations.RunPython(create_row, migrations.RunPython.noop)]
