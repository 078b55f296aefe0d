"""The moderation audit log and the moderation queue.

Every moderation service (moderation/services.py) records one ModerationEvent per thing it
changed, in the same transaction as the change, so the log and the data never disagree.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from facegallery.core.models import BackgroundJob
from facegallery.gallery.models import Face
from facegallery.voting.models import Vote


class Action(models.TextChoices):
    FACE_HIDE = "face_hide", "hide face"
    FACE_UNHIDE = "face_unhide", "unhide face"
    FACE_FEATURE = "face_feature", "feature face"
    FACE_UNFEATURE = "face_unfeature", "unfeature face"
    FACE_DELETE = "face_delete", "delete face"
    REPORT_DISMISS = "report_dismiss", "dismiss reports"
    VOTER_VOTES_VOID = "voter_votes_void", "void a voter's votes"
    VOTES_VOID = "votes_void", "void votes (job)"
    SCORER_ROLLBACK = "scorer_rollback", "roll back a scorer trained on voided votes"
    VOTER_BLOCK = "voter_block", "block voter"
    IP_HASH_BLOCK = "ip_hash_block", "block IP hash"
    IP_PREFIX_BLOCK = "ip_prefix_block", "block IP prefix"
    BLOCK_REMOVE = "block_remove", "remove block"


class ModerationEvent(models.Model):
    """Who did what, when, to which face or voter, with the state before and after."""

    created = models.DateTimeField(auto_now_add=True)
    # The account may be deleted later; actor_name keeps the record readable then.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(max_length=150)
    action = models.CharField(max_length=20, choices=Action.choices)
    # A plain id, not a foreign key: the history of a deleted face must outlive the face.
    face_id = models.BigIntegerField(null=True, blank=True)
    target = models.CharField(max_length=64, blank=True, help_text="voter, IP or prefix hash")
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created", "-id"]
        indexes = [
            # A face's page shows its history, newest first.
            models.Index(fields=["face_id", "-created"], name="moderation_event_face"),
            models.Index(fields=["-created"], name="moderation_event_created"),
        ]

    def __str__(self) -> str:
        subject = f"face #{self.face_id}" if self.face_id is not None else self.target
        return f"{self.actor_name}: {self.get_action_display()} {subject}"


class ReportedFace(Face):
    """The moderation queue: faces with open reports (a proxy, with its own admin page)."""

    class Meta:
        proxy = True
        verbose_name = "reported face"
        verbose_name_plural = "moderation queue"


class VoidJob(BackgroundJob):
    """Voiding votes in the background (moderation/voiding.py): every non-voided vote that
    matches all the given filters (at least one), with its progress and what it did."""

    voters = models.JSONField(default=list, blank=True, help_text="any of these voters")
    ip_hash = models.CharField(max_length=64, blank=True)
    ip_prefix_hash = models.CharField(max_length=64, blank=True)
    face_id = models.BigIntegerField(null=True, blank=True)
    since = models.DateTimeField(null=True, blank=True, help_text="votes cast from then on")
    until = models.DateTimeField(null=True, blank=True, help_text="votes cast before then")
    reason = models.CharField(max_length=200, blank=True)
    faces_total = models.PositiveIntegerField(default=0)
    faces_done = models.PositiveIntegerField(default=0)
    votes_voided = models.PositiveBigIntegerField(default=0)
    rolled_back = models.PositiveIntegerField(
        null=True, blank=True, help_text="scorer version rolled back (trained on these votes)"
    )

    def __str__(self) -> str:
        return f"void job #{self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        return int(100 * self.faces_done / self.faces_total) if self.faces_total else 0


class SuspiciousActivity(Vote):
    """The suspicious-activity page (a proxy of votes, with its own admin page)."""

    class Meta:
        proxy = True
        verbose_name = "suspicious activity"
        verbose_name_plural = "suspicious activity"
