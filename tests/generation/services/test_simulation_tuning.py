"""simulate_voters --tune: the loop also trains generator versions, and the measurement is
drawn by the base weights and by the newest version that passed its rails."""

from __future__ import annotations

import pytest
import torch

from facegallery.gallery.models import Face, GeneratorVersion
from facegallery.generation.services.simulation import Simulation, simulation_run
from generator.tastes import population_parse
from generator.tuning import TuningConfig
from tests.tuning.conftest import LENIENT, rails_faces, tiny_rails  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("rails_faces")]


@pytest.fixture
def quick_tuning(settings):
    settings.TUNING_MIN_FACES = 3
    settings.SCORER_MIN_TRAINING_FACES = 40
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # two threads on two busy cores draw ten times slower
    yield settings
    torch.set_num_threads(threads)


def test_a_tuning_run_measures_the_base_and_the_tuned_generator_on_the_same_tastes(
    generator, quick_tuning
):
    sim = Simulation(
        population=population_parse("mixed:top+sides"),
        votes=60,
        round_votes=60,
        measure_draws=16,
        tune=True,
        tuning_config=TuningConfig(epochs=1),  # the default step size, one pass
        rails_config=tiny_rails(**LENIENT),
    )
    run = simulation_run(sim, seed=1)
    version = GeneratorVersion.objects.get()
    assert [r.generator_version for r in run.rounds] == [version.version]
    assert version.metrics["rails"]["passed"], version.note
    assert run.tuned_version == version.version
    assert [s.taste for s in run.base] == [s.taste for s in run.tuned] == ["top", "sides"]
    assert run.base[0].drawn == run.tuned[0].drawn == 16
    assert Face.objects.filter(generator_version=version).count() >= 16
