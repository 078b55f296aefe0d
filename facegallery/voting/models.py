"""Votes (interesting / boring), reports, and blocks.

A voter is a stable string: "user:<id>" for an account, "anon:<uuid>" for an anonymous
session (the uuid lives in the session, so it survives session key rotation). IPs are
never stored, only their salted hash (voting/identity.py).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Label(models.TextChoices):
    INTERESTING = "interesting", "interesting"
    BORING = "boring", "boring"


class Vote(models.Model):
    face = models.ForeignKey("gallery.Face", on_delete=models.CASCADE, related_name="votes")
    voter = models.CharField(max_length=64)
    label = models.CharField(max_length=11, choices=Label.choices)
    ip_hash = models.CharField(max_length=64, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    # Voided by a moderator (spam): kept for the record, excluded from the face's counters,
    # from training and from exports.
    voided = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["face", "voter"], name="vote_one_per_voter"),
        ]
        indexes = [
            models.Index(fields=["voter", "-created"], name="vote_by_voter"),
            models.Index(fields=["ip_hash", "-created"], name="vote_by_ip"),
            models.Index(fields=["created"], name="vote_created"),
        ]

    def __str__(self) -> str:
        return f"{self.voter} → {self.label} on face #{self.face_id}"


class Report(models.Model):
    """A visitor's report of a face; moderators resolve it (hide the face or dismiss)."""

    class Resolution(models.TextChoices):
        OPEN = "open", "open"
        HIDDEN = "hidden", "face hidden"
        DISMISSED = "dismissed", "dismissed"

    face = models.ForeignKey("gallery.Face", on_delete=models.CASCADE, related_name="reports")
    voter = models.CharField(max_length=64)
    reason = models.CharField(max_length=500, blank=True)
    ip_hash = models.CharField(max_length=64, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    resolution = models.CharField(max_length=9, choices=Resolution.choices, default=Resolution.OPEN)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["face", "voter"], name="report_one_per_voter"),
        ]
        indexes = [
            models.Index(fields=["created"], condition=Q(resolution="open"), name="report_open"),
        ]

    def __str__(self) -> str:
        return f"report on face #{self.face_id} ({self.resolution})"


class Block(models.Model):
    """A voter or an IP hash that may not vote or report."""

    class Kind(models.TextChoices):
        VOTER = "voter", "voter"
        IP_HASH = "ip_hash", "IP hash"

    kind = models.CharField(max_length=7, choices=Kind.choices)
    value = models.CharField(max_length=64)
    reason = models.CharField(max_length=200, blank=True)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="block_unique"),
        ]

    def __str__(self) -> str:
        return f"blocked {self.kind} {self.value}"
