"""Faces, the weights they were drawn with, and the generation settings and batches.

Storage budget: ≤ 1 KB a face on disk with indexes (README, "Storage"). Strokes are integer
stroke-3 packed as varints (generator.packing: about 2.5 bytes a point, 6 as int16), enums
are small integers, and the generator model is a 2-byte foreign key rather than its name
and digest.
"""

from __future__ import annotations

import random

from django.db import models
from django.db.models import Q


class GeneratorModel(models.Model):
    """A sketch-rnn weight file faces were drawn with (models/manifest.json entry)."""

    id = models.SmallAutoField(primary_key=True)
    name = models.CharField(max_length=64)
    sha256 = models.CharField(max_length=64)
    scale_factor = models.FloatField(help_text="normalised units to Quick, Draw! pixels")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "sha256"], name="generator_unique")]

    def __str__(self) -> str:
        return f"{self.name} ({self.sha256[:12]})"


class VersionStatus(models.IntegerChoices):
    """Where a generator version stands (facegallery/tuning). Only ACTIVE and CANDIDATE draw."""

    TRAINED = 1, "trained"  # rails not checked yet
    FAILED_RAILS = 2, "failed rails"  # kept for inspection, never drawn with
    CANDIDATE = 3, "candidate"  # drawing its rollout share of batches
    ACTIVE = 4, "active"  # draws every batch the candidate does not
    REJECTED = 5, "rejected"  # lost its rollout
    RETIRED = 6, "retired"  # was active, replaced by a later version


class GeneratorVersion(models.Model):
    """The base decoder fine-tuned from votes (facegallery/tuning): drawn with in place of the
    base weights once its rails hold and it wins a rollout. No row active: the base draws."""

    version = models.PositiveIntegerField(unique=True)
    base = models.ForeignKey(GeneratorModel, on_delete=models.PROTECT, related_name="versions")
    # torch.save(SketchDecoder.state_dict()) bytes, loaded with weights_only=True over the
    # base decoder (whose sha256 is base.sha256).
    artifact = models.BinaryField()
    method = models.CharField(max_length=32, help_text="how it was tuned, e.g. dpo")
    config = models.JSONField(default=dict)
    votes_seen = models.PositiveIntegerField(default=0)
    max_vote_id = models.BigIntegerField(null=True, blank=True)
    pairs = models.PositiveIntegerField(default=0, help_text="preference pairs trained on")
    # Rails and training figures (human and base-sample NLL against the base's, diversity).
    metrics = models.JSONField(default=dict)
    status = models.PositiveSmallIntegerField(
        choices=VersionStatus.choices, default=VersionStatus.TRAINED
    )
    rollout_share = models.FloatField(
        default=0.0, help_text="share of batches a candidate draws during its rollout"
    )
    note = models.CharField(max_length=300, blank=True)
    seconds = models.FloatField(default=0.0, help_text="training time")
    created = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=Q(status=4), name="generator_version_one_active"
            ),
            models.UniqueConstraint(
                fields=["status"], condition=Q(status=3), name="generator_version_one_candidate"
            ),
            models.CheckConstraint(
                condition=Q(rollout_share__gte=0, rollout_share__lte=1),
                name="generator_version_rollout_share",
            ),
        ]

    def __str__(self) -> str:
        return f"generator v{self.version}"


class FaceOrigin(models.IntegerChoices):
    """What started a face's drawing."""

    GENERATED = 1, "generated"  # the continuous pipeline, from the start token
    MORE_LIKE_THIS = 2, "more like this"  # primed with another face's first strokes
    VISITOR_PRIMED = 3, "visitor primed"  # primed with strokes a visitor drew ("finish my drawing")


class FaceStatus(models.IntegerChoices):
    VISIBLE = 1, "visible"
    FILTERED = 2, "filtered"  # rejected by the scoring filter: kept for training, never shown
    HIDDEN = 3, "hidden"  # hidden by a moderator


class FacePrecision(models.IntegerChoices):
    """The sampling precision a face was drawn in (generator.precision; labels are its names)."""

    FLOAT32 = 1, "float32"
    BFLOAT16 = 2, "bfloat16"

    @classmethod
    def from_name(cls, name: str) -> FacePrecision:
        return next(choice for choice in cls if choice.label == name)


# Visible faces nobody has voted on yet: the pool generation keeps topped up and vote mode
# labels first. One definition, shared by the partial index face_pool and every query that
# should use it (gallery.selectors.face_pool): a condition that drifts loses the index.
UNVOTED_POOL = Q(status=FaceStatus.VISIBLE, interesting_count=0, boring_count=0)


def random_shuffle_key() -> float:
    return random.random()


class Face(models.Model):
    """One generated drawing. Reproducible from (generator, seed, temperature, precision) on a
    given CPU."""

    # No index of its own: face_unique_draw starts with generator_id.
    generator = models.ForeignKey(
        GeneratorModel, on_delete=models.PROTECT, related_name="faces", db_index=False
    )
    seed = models.BigIntegerField()
    temperature = models.FloatField()
    # Faces drawn before precisions existed were all float32, hence the default.
    precision = models.PositiveSmallIntegerField(
        choices=FacePrecision.choices, default=FacePrecision.FLOAT32
    )
    # The tuned version that drew it (null: the base weights). A face is reproducible from
    # (generator, version, seed, temperature, precision) and, for a primed face, the prime
    # strokes of its batch (batch id = seed // GenerationBatch.SEED_STRIDE).
    # No full index: most faces have neither; partial indexes below cover the rest.
    generator_version = models.ForeignKey(
        GeneratorVersion,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="faces",
        db_index=False,
    )
    origin = models.PositiveSmallIntegerField(
        choices=FaceOrigin.choices, default=FaceOrigin.GENERATED
    )
    primed_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="primed_faces",
        db_index=False,
    )
    strokes = models.BinaryField(help_text="packed integer stroke-3, Quick, Draw! pixels")
    num_points = models.PositiveSmallIntegerField()
    num_strokes = models.PositiveSmallIntegerField()
    created = models.DateTimeField(auto_now_add=True)
    status = models.PositiveSmallIntegerField(
        choices=FaceStatus.choices, default=FaceStatus.VISIBLE
    )
    # The scorer that admitted the face (null: no scorer existed or filtering was off).
    scorer_version = models.PositiveIntegerField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True)
    # Admitted regardless of its score so that labels stay unbiased; the admission
    # probability it had weighs its votes in training.
    explored = models.BooleanField(default=False)
    admission_probability = models.FloatField(default=1.0)

    # Denormalised vote counters and the ranking scores derived from them (ranking.py),
    # changed only together with the vote rows, in one transaction.
    interesting_count = models.PositiveIntegerField(default=0)
    boring_count = models.PositiveIntegerField(default=0)
    wilson_interesting = models.FloatField(default=0.0)
    wilson_boring = models.FloatField(default=0.0)
    controversy = models.FloatField(default=0.0)
    shuffle_key = models.FloatField(default=random_shuffle_key)  # "random" sort, by index
    featured = models.BooleanField(default=False, help_text="pinned to the top of the gallery")

    class Meta:
        constraints = [
            # Idempotent generation: a retried batch inserts nothing twice.
            models.UniqueConstraint(
                fields=["generator", "seed", "temperature"], name="face_unique_draw"
            ),
        ]
        indexes = [
            # Gallery sorts: newest (id grows with time), most interesting, most boring,
            # controversial, random. Partial on visible faces, the only ones listed publicly.
            models.Index(fields=["-id"], condition=Q(status=1), name="face_visible_newest"),
            models.Index(
                fields=["-wilson_interesting", "-id"],
                condition=Q(status=1),
                name="face_visible_top",
            ),
            models.Index(
                fields=["-wilson_boring", "-id"], condition=Q(status=1), name="face_visible_boring"
            ),
            models.Index(
                fields=["-controversy", "-id"], condition=Q(status=1), name="face_visible_contro"
            ),
            models.Index(
                fields=["shuffle_key"], condition=Q(status=1), name="face_visible_shuffle"
            ),
            # The unvoted pool that generation keeps topped up (and vote mode draws from).
            models.Index(
                fields=["id"],
                condition=UNVOTED_POOL,
                name="face_pool",
            ),
            models.Index(
                fields=["-id"], condition=Q(status=1, featured=True), name="face_featured"
            ),
            # Admin: list by status, newest first.
            models.Index(fields=["status", "-id"], name="face_status_newest"),
            models.Index(
                fields=["generator_version", "-id"],
                condition=Q(generator_version__isnull=False),
                name="face_by_version",
            ),
            models.Index(
                fields=["primed_from", "-id"],
                condition=Q(primed_from__isnull=False),
                name="face_primed_from",
            ),
        ]

    def __str__(self) -> str:
        return f"face #{self.pk}"

    @property
    def total_votes(self) -> int:
        return self.interesting_count + self.boring_count


class GenerationSettings(models.Model):
    """The one row of generation settings, editable in the admin without a restart."""

    target_pool_size = models.PositiveIntegerField(
        default=300, help_text="visible faces nobody has voted on yet, kept in stock"
    )
    batch_size = models.PositiveIntegerField(default=128, help_text="faces drawn per task (≤1024)")
    max_batches_in_flight = models.PositiveSmallIntegerField(default=4)
    temperature_min = models.FloatField(default=0.15)
    temperature_max = models.FloatField(default=0.6)
    filter_enabled = models.BooleanField(default=True, help_text="admit faces by the scorer")
    # The scoring filter (facegallery/generation/services/admission.py).
    keep_share = models.FloatField(
        default=0.3, help_text="share of drawn faces the scorer admits (its top share)"
    )
    explore_share = models.FloatField(
        default=0.1, help_text="share of drawn faces admitted regardless of score (exploration)"
    )
    batch_lease_seconds = models.PositiveIntegerField(
        default=120, help_text="re-dispatch a batch that has not finished after this long"
    )

    class Meta:
        verbose_name_plural = "generation settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(temperature_min__gt=0)
                & Q(temperature_max__gte=models.F("temperature_min")),
                name="generation_temperature_range",
            ),
            models.CheckConstraint(
                condition=Q(batch_size__gte=1, batch_size__lte=1024), name="generation_batch_size"
            ),
            models.CheckConstraint(
                condition=Q(keep_share__gt=0, keep_share__lte=1), name="generation_keep_share"
            ),
            models.CheckConstraint(
                condition=Q(explore_share__gte=0, explore_share__lte=1),
                name="generation_explore_share",
            ),
        ]

    def __str__(self) -> str:
        return "generation settings"

    @classmethod
    def current(cls, *, lock: bool = False) -> GenerationSettings:
        """The one row, made with the defaults the first time it is asked for; `lock`: held
        FOR UPDATE until the caller's transaction ends."""
        row, _ = cls.objects.get_or_create(pk=1)
        return cls.objects.select_for_update().get(pk=row.pk) if lock else row


class BatchStatus(models.IntegerChoices):
    PENDING = 1, "pending"
    DONE = 2, "done"


class GenerationBatch(models.Model):
    """A unit of generation work: `count` consecutive seeds at one temperature.

    Seeds are `id * SEED_STRIDE + [0, count)`, so batches never overlap and a retried or
    re-dispatched batch draws exactly the same faces.
    """

    SEED_STRIDE = 1024

    generator = models.ForeignKey(GeneratorModel, on_delete=models.PROTECT)
    generator_version = models.ForeignKey(
        GeneratorVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="batches"
    )
    # Primed batches ("more like this", "finish my drawing") continue these strokes (packed
    # integer stroke-3, pixels, as Face.strokes) instead of starting from the start token.
    origin = models.PositiveSmallIntegerField(
        choices=FaceOrigin.choices, default=FaceOrigin.GENERATED
    )
    prime = models.BinaryField(null=True, blank=True)
    primed_from = models.ForeignKey(
        "Face", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Who asked for a primed batch (a voter key): rate limits and "your drawings".
    requester = models.CharField(max_length=64, blank=True)
    count = models.PositiveIntegerField()
    temperature = models.FloatField()
    status = models.PositiveSmallIntegerField(
        choices=BatchStatus.choices, default=BatchStatus.PENDING
    )
    created = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    generated = models.PositiveIntegerField(default=0)
    admitted = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name_plural = "generation batches"
        indexes = [
            models.Index(fields=["dispatched_at"], condition=Q(status=1), name="batch_pending"),
        ]

    def __str__(self) -> str:
        return f"batch #{self.pk} ({self.get_status_display()})"

    @property
    def seeds(self) -> range:
        start = self.pk * self.SEED_STRIDE
        return range(start, start + self.count)
