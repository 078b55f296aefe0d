"""Voters' track records, and per vote its IP prefix hash, whether it is counted, whether its
voter was trusted, and when it was voided (README "Voting").

Safe on a live vote table: the new columns are nullable or have a constant default, which
PostgreSQL adds without rewriting the table (existing votes: counted, trusted, no prefix).
Their indexes come in 0003, built CONCURRENTLY.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("voting", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="Voter",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(help_text="anon:<uuid>", max_length=64, unique=True)),
                (
                    "ip_prefix_hash",
                    models.CharField(blank=True, help_text="at its first vote", max_length=64),
                ),
                (
                    "minted_at",
                    models.DateTimeField(help_text="when a page view handed out its ticket"),
                ),
                ("first_vote_at", models.DateTimeField()),
                ("last_vote_at", models.DateTimeField()),
                ("votes_cast", models.PositiveIntegerField(default=0)),
                ("fast_votes", models.PositiveIntegerField(default=0)),
                ("established_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "indexes": [
                    models.Index(
                        fields=["ip_prefix_hash", "-first_vote_at"], name="voter_new_by_prefix"
                    ),
                    models.Index(fields=["-first_vote_at"], name="voter_first_vote"),
                ],
            },
        ),
        migrations.AddField(
            model_name="vote",
            name="counted",
            field=models.BooleanField(db_default=True, default=True),
        ),
        migrations.AddField(
            model_name="vote",
            name="ip_prefix_hash",
            field=models.CharField(blank=True, db_default="", default="", max_length=64),
        ),
        migrations.AddField(
            model_name="vote",
            name="trusted",
            field=models.BooleanField(db_default=True, default=True),
        ),
        migrations.AddField(
            model_name="vote",
            name="voided_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name="block",
            name="kind",
            field=models.CharField(
                choices=[("voter", "voter"), ("ip_hash", "IP hash"), ("prefix", "IP prefix hash")],
                max_length=7,
            ),
        ),
    ]
