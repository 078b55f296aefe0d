"""The feedback loop with simulated visitors (`manage.py simulate_voters`), run repeatably.

Each round draws faces through the real generation service and admission filter until the
round's votes can be cast on unvoted faces, lets simulated visitors vote through the real
vote-mode queue and vote_cast, then retrains the scorer. After the last round a measurement
sample is drawn through the final filter. A visitor belongs to one group of the population
(generator/tastes.py) and calls a face interesting when the group's taste likes it, flipping
the answer with probability `noise`.

Repeatable end to end: a run starts on emptied tables whose ids restart at 1 (face ids decide
the training hold-out, batch ids the faces' seeds), and every random draw comes from `seed`:
the batches' temperatures and the admission's exploration through generators passed down, the
visitors' choices from their own generator, the scorer's training through its config seed
(torch's global generator is forked and restored around the run); the vote-mode queue and the
faces' shuffle keys draw from the `random` module, which the run seeds and gives back as it
found it.

Measures (simulation_shares.py), per group and per stretch of draws: the floor (the taste's
share of all drawn faces), the shown share (of the faces admitted), and the oracle ceiling: the
best share a perfect filter admitting the same number of faces could reach. The gap closed is
(shown - floor) / (ceiling - floor): 0 is no better than no filter, 1 as good as the oracle.

With `tune`, each round also trains a generator version (facegallery/tuning, from the base
weights, rails checked) and lets the rollout decide, as beat would; after the last round the
measurement is drawn twice more, once by the base weights and once by the newest version that
passed its rails, each through the final filter: per taste, the unfiltered liked share (floor)
of the base and the tuned generator, and the shown share with the filter on top.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import torch
from django.db import connection, transaction
from django.utils import timezone

from facegallery.gallery.models import (
    Face,
    GenerationBatch,
    GenerationSettings,
    GeneratorVersion,
)
from facegallery.gallery.selectors import face_pool
from facegallery.generation.services.admission import admission_cache_clear
from facegallery.generation.services.batches import (
    face_generate_batch,
    faces_generate_now,
    generator_model_get,
)
from facegallery.generation.services.simulation_shares import Share, shares_measure
from facegallery.scoring.models import ScorerVersion
from facegallery.scoring.queue import face_get_next_for_voting
from facegallery.scoring.services.features import normalised_drawings
from facegallery.scoring.services.training import scorer_retrain
from facegallery.tuning.models import Rollout
from facegallery.tuning.selectors import rails_passed
from facegallery.tuning.services.rollouts import rollout_decide
from facegallery.tuning.services.versions import version_train
from facegallery.voting.models import Label, Report, Vote, Voter
from facegallery.voting.services import vote_cast
from generator.rails import RailsConfig
from generator.tastes import Population, taste_likes
from generator.tuning import TuningConfig

VOTER_PREFIX = "sim:"
DRAW_BATCH = 64  # faces per batch (one temperature each): a round spans several temperatures


@dataclass(frozen=True)
class Round:
    number: int
    votes: int  # cast so far
    drawn: int
    admitted: int
    shares: list[Share]  # one per group, faces drawn in this round
    filtered: bool  # an active scorer decided (some of) this round's admissions
    scorer_version: int | None  # the candidate trained after the round
    promoted: bool
    reason: str
    auc: float | None
    incumbent_auc: float | None
    generator_version: int | None = None  # the version trained after the round (--tune)
    generator_note: str = ""  # its rails, or why none was trained; the rollout's decision

    @property
    def admitted_share(self) -> float:
        return self.admitted / self.drawn if self.drawn else float("nan")


@dataclass
class Run:
    seed: int
    rounds: list[Round] = field(default_factory=list)
    final: list[Share] = field(default_factory=list)  # the measurement draws, per group
    # With `tune`: the measurement drawn by the base weights and by the newest version that
    # passed its rails (tuned_version), each through the final filter.
    base: list[Share] = field(default_factory=list)
    tuned: list[Share] = field(default_factory=list)
    tuned_version: int | None = None


@dataclass(frozen=True)
class Simulation:
    population: Population
    votes: int
    round_votes: int = 250
    noise: float = 0.1
    visitors: int = 40
    measure_draws: int = 2048
    tune: bool = False
    tuning_config: TuningConfig | None = None  # default: the settings'
    rails_config: RailsConfig | None = None  # default: generator.rails' defaults


def simulated_votes_only() -> bool:
    """Whether every vote in the database is a simulated visitor's (a run may empty it)."""
    return not Vote.objects.exclude(voter__startswith=VOTER_PREFIX).exists()


def simulation_reset() -> None:
    """Empty what a run writes and restart its ids at 1, so that a run repeats exactly.

    TRUNCATE ... CASCADE also empties the tables that point at these (reports, moderation
    rows): only ever on a scratch database, which the command checks first.
    """
    models = (Vote, Report, Voter, Face, GenerationBatch, ScorerVersion, Rollout, GeneratorVersion)
    tables = [m._meta.db_table for m in models]
    with transaction.atomic(), connection.cursor() as cursor:
        quoted = ", ".join(connection.ops.quote_name(t) for t in tables)
        # A caller's transaction may hold deferred foreign-key checks on these tables, which
        # TRUNCATE refuses to run over: check them now, defer again after.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    admission_cache_clear()


@contextmanager
def _seeded_random(seed: int) -> Iterator[None]:
    state = random.getstate()
    random.seed(seed)
    try:
        yield
    finally:
        random.setstate(state)


def simulation_run(
    sim: Simulation, *, seed: int, progress: Callable[[int], object] | None = None
) -> Run:
    """One run from empty tables (see the module docstring); `progress(n)` after n votes."""
    simulation_reset()
    streams = np.random.SeedSequence(seed).spawn(4)
    temperatures = random.Random(int(streams[0].generate_state(1)[0]))
    explore = np.random.default_rng(streams[1])
    voters = random.Random(int(streams[2].generate_state(1)[0]))
    run = Run(seed=seed)
    draw = _Drawer(temperatures, explore)
    # Training seeds torch's global generator (generator/scorer.py): fork it, so the caller's
    # state is given back untouched.
    with _seeded_random(int(streams[3].generate_state(1)[0])), torch.random.fork_rng(devices=[]):
        cast = 0
        while cast < sim.votes:
            target = min(sim.round_votes, sim.votes - cast)
            first_id = draw.until_pool(target)
            cast += _vote_round(sim, target=target, rng=voters, progress=progress)
            last_id = _last_face_id()
            filtered = Face.objects.filter(
                pk__gt=first_id, pk__lte=last_id, scorer_version__isnull=False
            ).exists()
            result = scorer_retrain(force=True, seed=seed)
            version, note = _tune(sim) if sim.tune else (None, "")
            shares = shares_measure(sim.population, first_id=first_id, last_id=last_id)
            run.rounds.append(
                Round(
                    number=len(run.rounds) + 1,
                    votes=cast,
                    drawn=shares[0].drawn,
                    admitted=shares[0].admitted,
                    shares=shares,
                    filtered=filtered,
                    scorer_version=result.version,
                    promoted=result.promoted,
                    reason=result.reason,
                    auc=result.auc,
                    incumbent_auc=result.incumbent_auc,
                    generator_version=version,
                    generator_note=note,
                )
            )
        first_id = _last_face_id()
        draw.count(sim.measure_draws)
        run.final = shares_measure(sim.population, first_id=first_id, last_id=_last_face_id())
        if sim.tune:
            _measure_generators(sim, run, draw)
    return run


def _tune(sim: Simulation) -> tuple[int | None, str]:
    """Train a generator version from the votes so far, then let the rollout decide."""
    trained = version_train(
        force=True,
        config=sim.tuning_config,
        rails_config=sim.rails_config,
    )
    decision = rollout_decide()
    note = trained.reason if decision.version is None else f"{trained.reason}; {decision.verdict}"
    return trained.version, note


def _measure_generators(sim: Simulation, run: Run, draw: _Drawer) -> None:
    newest = next((v for v in GeneratorVersion.objects.defer("artifact") if rails_passed(v)), None)
    run.tuned_version = newest.version if newest else None
    for version, attribute in ((None, "base"), (newest, "tuned")):
        if attribute == "tuned" and newest is None:
            continue
        first_id = _last_face_id()
        draw.count_by(sim.measure_draws, version_id=version.pk if version else None)
        shares = shares_measure(sim.population, first_id=first_id, last_id=_last_face_id())
        setattr(run, attribute, shares)


class _Drawer:
    def __init__(self, temperatures: random.Random, explore: np.random.Generator) -> None:
        self.temperatures, self.explore = temperatures, explore

    def count(self, count: int) -> None:
        faces_generate_now(
            count=count, batch_size=DRAW_BATCH, rng=self.temperatures, explore_rng=self.explore
        )

    def count_by(self, count: int, *, version_id: int | None) -> None:
        """`count` faces drawn by one generator (`version_id`; None: the base weights),
        whatever the rollout's arms, through the filter."""
        generator, config = generator_model_get(), GenerationSettings.current()
        for start in range(0, count, DRAW_BATCH):
            batch = GenerationBatch.objects.create(
                generator=generator,
                generator_version_id=version_id,
                count=min(DRAW_BATCH, count - start),
                temperature=round(
                    self.temperatures.uniform(config.temperature_min, config.temperature_max), 2
                ),
                dispatched_at=timezone.now(),
            )
            face_generate_batch(batch_id=batch.pk, explore_rng=self.explore)

    def until_pool(self, target: int) -> int:
        """Draw until `target` unvoted faces drawn from now on are shown; the last id before."""
        first_id = _last_face_id()
        while face_pool().filter(pk__gt=first_id).count() < target:
            self.count(DRAW_BATCH)
        return first_id


def _last_face_id() -> int:
    return Face.objects.order_by("-id").values_list("id", flat=True).first() or 0


def _vote_round(
    sim: Simulation, *, target: int, rng: random.Random, progress: Callable[[int], object] | None
) -> int:
    cast = 0
    for _ in range(target):
        visitor = rng.randrange(sim.visitors)
        voter = f"{VOTER_PREFIX}{visitor}"
        face = face_get_next_for_voting(voter=voter)
        if face is None:
            break
        taste = sim.population.tastes[sim.population.group_of(visitor, sim.visitors)]
        drawing = normalised_drawings([bytes(face.strokes)], face.generator.scale_factor)
        likes = bool(taste_likes(taste, drawing)[0])
        if rng.random() < sim.noise:
            likes = not likes
        # No voter_since: the simulation vouches for its visitors, who count as
        # established voters (README "Voting"), as real ones do after ten minutes.
        vote_cast(face_id=face.pk, voter=voter, label=Label.INTERESTING if likes else Label.BORING)
        cast += 1
        if progress:
            progress(1)
    return cast
