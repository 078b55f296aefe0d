"""Rollouts of generator versions. The versions themselves are gallery.GeneratorVersion (faces
and batches point at them, and gallery sits below this app)."""

from __future__ import annotations

from django.db import models

from facegallery.gallery.models import GeneratorVersion


class Rollout(models.Model):
    """One experiment: `candidate` draws its rollout_share of new batches from `started_at`,
    `control` (the version active then; null: the base weights) draws the rest. The arms'
    votes are counted on faces drawn since `started_at`; `arms` keeps the figures the
    decision was taken on."""

    candidate = models.OneToOneField(
        GeneratorVersion, on_delete=models.PROTECT, related_name="rollout"
    )
    control = models.ForeignKey(
        GeneratorVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    arms = models.JSONField(default=dict, blank=True)

    def __str__(self) -> str:
        return f"rollout #{self.pk} (version id {self.candidate_id})"
