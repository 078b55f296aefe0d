"""The moderation audit log and the moderation queue.

Every moderation service (moderation/services.py) records one ModerationEvent per thing it
changed, in the same transaction as the change, so the log and the data never disagree.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from facegallery.gallery.models import Face


class Action(models.TextChoices):
    FACE_HIDE = "face_hide", "hide face"
    FACE_UNHIDE = "face_unhide", "unhide face"
    FACE_FEATURE = "face_feature", "feature face"
    FACE_UNFEATURE = "face_unfeature", "unfeature face"
    FACE_DELETE = "face_delete", "delete face"
    REPORT_DISMISS = "report_dismiss", "dismiss reports"
    VOTER_VOTES_VOID = "voter_votes_void", "void a voter's votes"
    VOTER_BLOCK = "voter_block", "block voter"
    IP_HASH_BLOCK = "ip_hash_block", "block IP hash"
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
    target = models.CharField(max_length=64, blank=True, help_text="voter or IP hash")
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
