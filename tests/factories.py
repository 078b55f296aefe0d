"""Test data, one home for it: factory_boy factories and the few builders that are not.

Faces are copies of real drawings, never made-up strokes: `real_drawings()` has the real
generation service draw a few faces once per test session, and FaceFactory copies them
under fresh seeds. `create_batch` inserts in one statement, so hundreds of faces cost
milliseconds. When a test needs many *different* drawings (a scorer learns from them),
`faces_drawn` runs the generation service for real.

Make rows with `FaceFactory.create(...)`, not `FaceFactory(...)`: the same row, but mypy
types only the former (as the model; the latter reads as a factory, with no `pk`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import factory
import numpy as np
from django.contrib.auth.models import Group, User
from django.db import transaction
from django.test import Client
from django.utils import timezone
from factory.django import DjangoModelFactory, Password

from facegallery.gallery.models import (
    Face,
    GenerationBatch,
    GeneratorModel,
    GeneratorVersion,
    VersionStatus,
)
from facegallery.generation.services.batches import face_generate_batch, generator_model_get
from facegallery.moderation.roles import MODERATORS_GROUP
from facegallery.scoring.models import ScorerVersion
from facegallery.scoring.selectors import FEATURE_FIELDS
from facegallery.scoring.services.features import face_feature_batch
from facegallery.voting.identity import TICKET_COOKIE, voter_ticket_cookie
from facegallery.voting.models import Vote, Voter
from facegallery.voting.services import face_counters_refresh
from generator.scorer import ScorerConfig, artifact_bytes, predict, score_quantiles, train_scorer


def face_generator() -> GeneratorModel:
    """The pretrained face decoder's row, registered as the site registers it."""
    return generator_model_get("face")


# --- Real drawings ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Drawing:
    """What a copy takes from a drawn face (a Face has the same attributes)."""

    strokes: bytes
    num_points: int
    num_strokes: int
    temperature: float


DRAWINGS = 5
# Seeds are batch id × 1024 + [0, count): a batch id no test reaches gives the same five
# faces in every run, whatever ran before.
DRAWINGS_BATCH_ID = 10**6
_drawings: list[Drawing] = []


def real_drawings() -> list[Drawing]:
    """Five faces drawn by the real generation service, the first time a test asks.

    Drawn inside a transaction that is rolled back: the test that happens to ask first
    finds the database as it left it (no batch, no faces, no cached likelihoods).
    """
    if not _drawings:
        with transaction.atomic():
            batch = GenerationBatchFactory.create(id=DRAWINGS_BATCH_ID, count=DRAWINGS)
            face_generate_batch(batch_id=batch.pk)
            drawn = Face.objects.filter(seed__in=batch.seeds).order_by("seed")
            _drawings.extend(
                Drawing(bytes(f.strokes), f.num_points, f.num_strokes, f.temperature) for f in drawn
            )
            transaction.set_rollback(True)
    return _drawings


# The batch ids of drawn_drawings(): fixed and beyond any test's, like DRAWINGS_BATCH_ID.
DRAWN_BATCH_IDS = {0.2: DRAWINGS_BATCH_ID + 1, 0.6: DRAWINGS_BATCH_ID + 2}
DRAWN_PER_TEMPERATURE = 24
_drawn: list[Drawing] = []


def drawn_drawings() -> list[Drawing]:
    """48 different faces, 24 at temperature 0.2 then 24 at 0.6, drawn by the real generation
    service (no filter) the first time a test asks, in a rolled-back transaction as
    real_drawings(); every later test copies them instead of drawing them again."""
    if not _drawn:
        with transaction.atomic():
            for temperature, batch_id in DRAWN_BATCH_IDS.items():
                batch = GenerationBatchFactory.create(
                    id=batch_id, count=DRAWN_PER_TEMPERATURE, temperature=temperature
                )
                face_generate_batch(batch_id=batch.pk)
                drawn = Face.objects.filter(seed__in=batch.seeds).order_by("seed")
                _drawn.extend(
                    Drawing(bytes(f.strokes), f.num_points, f.num_strokes, f.temperature)
                    for f in drawn
                )
            transaction.set_rollback(True)
    return _drawn


def faces_drawn(count: int, *, temperature: float = 0.3) -> list[Face]:
    """`count` faces drawn now by the real generation service, in a batch of their own
    (all different, unlike FaceFactory's copies; a decoder pass, so slower)."""
    batch = GenerationBatchFactory.create(count=count, temperature=temperature)
    face_generate_batch(batch_id=batch.pk)
    return list(Face.objects.filter(seed__in=batch.seeds, temperature=temperature).order_by("pk"))


# --- Factories --------------------------------------------------------------------------------


class GenerationBatchFactory(DjangoModelFactory[GenerationBatch]):
    """A batch just dispatched to a worker; `face_generate_batch(batch_id=...)` draws it."""

    class Meta:
        model = GenerationBatch

    generator = factory.LazyFunction(face_generator)
    count = 6
    temperature = 0.3
    dispatched_at = factory.LazyFunction(timezone.now)


class FaceFactory(DjangoModelFactory[Face]):
    """A visible face: a copy of a real drawing under a fresh seed.

    `drawing` picks what is copied: by default the first of `real_drawings()`; any Face
    or Drawing will do. `create_batch` and `build_batch` go round `drawings` (default: all
    of `real_drawings()`), and `create_batch` inserts them in one statement.
    """

    class Meta:
        model = Face

    class Params:
        drawing = factory.LazyFunction(lambda: real_drawings()[0])

    generator = factory.LazyFunction(face_generator)
    seed = factory.Sequence(lambda n: 10**13 + n)  # far from the seeds of real batches
    temperature = factory.SelfAttribute("drawing.temperature")
    strokes = factory.LazyAttribute(lambda face: bytes(face.drawing.strokes))
    num_points = factory.SelfAttribute("drawing.num_points")
    num_strokes = factory.SelfAttribute("drawing.num_strokes")

    @classmethod
    def build_batch(cls, size: int, *, drawings: Sequence | None = None, **fields) -> list[Face]:
        drawings = drawings or real_drawings()
        fields.setdefault("generator", face_generator())  # one lookup, not one a face
        return [cls.build(drawing=drawings[i % len(drawings)], **fields) for i in range(size)]

    @classmethod
    def create_batch(cls, size: int, *, drawings: Sequence | None = None, **fields) -> list[Face]:
        """`size` faces, oldest first, inserted in one statement."""
        return Face.objects.bulk_create(cls.build_batch(size, drawings=drawings, **fields))


class VoteFactory(DjangoModelFactory[Vote]):
    """A vote of an anonymous visitor; the face's counters are recounted with it, so they
    always equal the vote rows, as vote_cast keeps them. `signed_in=True`: a user's vote."""

    class Meta:
        model = Vote

    class Params:
        signed_in = factory.Trait(voter=factory.Sequence(lambda n: f"user:{n}"))

    face = factory.SubFactory(FaceFactory)
    voter = factory.Sequence(lambda n: f"anon:{n:032x}")
    label = "interesting"
    ip_hash = factory.Sequence(lambda n: hashlib.sha256(f"ip-{n}".encode()).hexdigest())

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> Vote:
        return votes_insert([model_class(*args, **kwargs)])[0]

    @classmethod
    def create_batch(cls, size: int, **fields) -> list[Vote]:
        """`size` votes inserted in one statement: on `face`, or each on a face of its own."""
        if "face" in fields:
            return votes_insert(cls.build_batch(size, **fields))
        faces = FaceFactory.create_batch(size)
        return votes_insert([cls.build(face=face, **fields) for face in faces])


def votes_insert(votes: list[Vote]) -> list[Vote]:
    """Insert votes (VoteFactory.build) in one statement and recount their faces."""
    Vote.objects.bulk_create(votes)
    face_counters_refresh(face_ids=sorted({vote.face_id for vote in votes}))
    return votes


class UserFactory(DjangoModelFactory[User]):
    class Meta:
        model = "auth.User"

    username = factory.Sequence(lambda n: f"user{n}")
    password = Password("x" * 20)


class ModeratorFactory(UserFactory):
    """A staff account whose only rights come from the migrated Moderators group."""

    class Meta:
        skip_postgeneration_save = True

    is_staff = True

    @factory.post_generation
    def moderators_group(user: User, create: bool, extracted, **kwargs):
        if create:
            user.groups.add(Group.objects.get(name=MODERATORS_GROUP))


class SuperuserFactory(UserFactory):
    is_staff = True
    is_superuser = True


class GeneratorVersionFactory(DjangoModelFactory[GeneratorVersion]):
    """A generator version tuned from the face decoder, fresh from training: its rails passed
    (`rails_passed=False`: failed, status FAILED_RAILS). No weights unless `artifact` is given
    (tests/tuning/conftest.py tunes real ones)."""

    class Meta:
        model = GeneratorVersion

    class Params:
        rails_passed = True

    version = factory.Sequence(lambda n: n + 1)
    base = factory.LazyFunction(face_generator)
    artifact = b""
    method = "dpo"
    metrics = factory.LazyAttribute(
        lambda row: {"rails": {"passed": row.rails_passed, "checks": []}}
    )
    status = factory.LazyAttribute(
        lambda row: VersionStatus.TRAINED if row.rails_passed else VersionStatus.FAILED_RAILS
    )


# --- Visitors ---------------------------------------------------------------------------------


def visitor(*, address: str = "127.0.0.1", issued: float | None = None, **defaults) -> Client:
    """A test client of a visitor who has opened a page: it holds a fresh voter ticket (what
    a page view or GET /api/csrf hands out; votes need one) and comes from `address`.
    `issued`: when the ticket was issued (epoch seconds; now by default). Other keyword
    arguments go to Client (enforce_csrf_checks=True, ...)."""
    client = Client(REMOTE_ADDR=address, **defaults)
    client.cookies[TICKET_COOKIE] = voter_ticket_cookie(issued=issued)
    return client


def voter_record(
    voter: str, *, established: bool, ip_prefix_hash: str = "", votes: int = 10
) -> Voter:
    """A voter's track record as voting/voters.py keeps it: established or still fresh."""
    now = timezone.now()
    return Voter.objects.create(
        key=voter, ip_prefix_hash=ip_prefix_hash, minted_at=now, first_vote_at=now,
        last_vote_at=now, votes_cast=votes, established_at=now if established else None,
    )  # fmt: skip


# --- Scorers (trained for real: a plain function reads better than a factory here) ------------


def store_scorer(
    *, version: int, labels_of: Callable[[int], float], active: bool = True, quantiles=True
) -> ScorerVersion:
    """A real scorer trained on all faces with labels from `labels_of(num_strokes)`."""
    config = ScorerConfig(use_nll=False, epochs=30)
    rows = list(Face.objects.order_by("pk").values(*FEATURE_FIELDS, "num_strokes"))
    batch = face_feature_batch(config=config, rows=rows)
    labels = np.array([labels_of(r["num_strokes"]) for r in rows], np.float64)
    net = train_scorer(config, batch, labels, np.ones(len(rows)))
    if quantiles:
        config.score_quantiles = score_quantiles(predict(net, batch))
    return ScorerVersion.objects.create(
        version=version, artifact=artifact_bytes(net), config=config.as_dict(),
        features_used=config.features_used(), auc=0.5, training_faces=len(rows),
        holdout_faces=0, votes_seen=0, is_active=active, promoted=active,
    )  # fmt: skip
