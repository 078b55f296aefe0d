"""Scorer versions (artifact + metrics) and the caches of the generator's NLL features and of
the learned representation."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class ScorerVersion(models.Model):
    """One trained scorer. Generation reads only the active one (at most one is active)."""

    version = models.PositiveIntegerField(unique=True)
    # torch.save(state_dict) bytes, loaded with weights_only=True; config rebuilds the module
    # (generator.scorer.ScorerConfig, including the score quantiles used as thresholds).
    artifact = models.BinaryField()
    config = models.JSONField()
    features_used = models.JSONField(default=list)
    generator_name = models.CharField(max_length=64, default="face")
    # Held-out metrics of this version, and of the version active at training time on the
    # very same held-out faces (the promotion rule compares these two).
    auc = models.FloatField(null=True, blank=True)
    log_loss = models.FloatField(null=True, blank=True)
    calibration_error = models.FloatField(null=True, blank=True)
    incumbent_version = models.PositiveIntegerField(null=True, blank=True)
    incumbent_auc = models.FloatField(null=True, blank=True)
    training_faces = models.PositiveIntegerField()
    holdout_faces = models.PositiveIntegerField()
    votes_seen = models.PositiveIntegerField(help_text="non-voided votes when it was trained")
    # Which votes it saw: those with id <= max_vote_id that were not voided then. Votes that
    # moderators void later are counted in voided_votes; a version with too many of them is
    # rolled back (scoring/services/versions.py). None: trained before this was recorded.
    max_vote_id = models.BigIntegerField(null=True, blank=True)
    voided_votes = models.PositiveIntegerField(
        default=0, db_default=0, help_text="votes it trained on that were voided later"
    )
    seconds = models.FloatField(default=0.0, help_text="training time")
    created = models.DateTimeField(auto_now_add=True)
    promoted = models.BooleanField(default=False, help_text="won against the active version")
    is_active = models.BooleanField(default=False)
    pinned = models.BooleanField(
        default=False, help_text="active by a moderator's choice: retraining never replaces it"
    )
    note = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="scorer_one_active"
            ),
            models.CheckConstraint(
                condition=Q(pinned=False) | Q(is_active=True), name="scorer_pinned_is_active"
            ),
        ]

    def __str__(self) -> str:
        return f"scorer v{self.version}"

    @property
    def voided_share(self) -> float:
        """The share of the votes it trained on that moderators voided since."""
        return self.voided_votes / self.votes_seen if self.votes_seen else 0.0


class DrawingNll(models.Model):
    """The generator's NLL statistics of a drawing, computed once and reused.

    Keyed by a digest of the stored stroke bytes and the generator rather than by face:
    the admission filter computes them before the Face rows (and their ids) exist, and the
    trainer later finds them again from Face.strokes without a second decoder pass.
    """

    key = models.CharField(primary_key=True, max_length=40)  # sha1 hex of generator + strokes
    values = models.BinaryField()  # float32 x len(generator.features.NLL_NAMES)

    def __str__(self) -> str:
        return f"NLL {self.key[:12]}"


class DrawingRepresentation(models.Model):
    """A drawing's learned representation (generator.representation), computed once.

    Keyed like DrawingNll, with the representation's version in the digest, so a new version
    never reads an old row. Computed by the decoder's teacher-forced pass when a scorer that
    reads it first sees the drawing (admission, or training for faces drawn before).
    """

    key = models.CharField(primary_key=True, max_length=40)  # sha1 of version, generator, strokes
    values = models.BinaryField()  # float16 x generator.representation.REPR_WIDTH

    def __str__(self) -> str:
        return f"representation {self.key[:12]}"
