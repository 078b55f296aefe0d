"""The indexes of 0002's columns, built CONCURRENTLY: votes keep being written meanwhile.

Not atomic (CREATE INDEX CONCURRENTLY cannot run in a transaction). If it is interrupted,
PostgreSQL leaves an INVALID index behind: drop it (DROP INDEX CONCURRENTLY name) and
migrate again.
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("voting", "0002_voters_and_vote_flags"),
    ]

    operations = [
        AddIndexConcurrently(
            model_name="report",
            index=models.Index(fields=["face", "ip_hash"], name="report_by_face_ip"),
        ),
        AddIndexConcurrently(
            model_name="vote",
            index=models.Index(fields=["ip_prefix_hash", "-created"], name="vote_by_prefix"),
        ),
        AddIndexConcurrently(
            model_name="vote",
            index=models.Index(
                condition=models.Q(("counted", True), ("voided", False)),
                fields=["face", "ip_prefix_hash"],
                name="vote_counted_by_prefix",
            ),
        ),
    ]
