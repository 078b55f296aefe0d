"""Tuning fixtures: real tuned weights (a tiny run, once a session) and versions that hold
them."""

from __future__ import annotations

import pytest

from facegallery.gallery.models import GeneratorVersion, VersionStatus
from facegallery.tuning.decoders import version_decoders_clear
from tests.factories import GeneratorVersionFactory

# A few steps at a large learning rate: seconds of CPU, and weights far enough from the
# base's that the version draws other faces.
_artifact: list[bytes] = []


def tiny_config():
    from generator.tuning import TuningConfig

    return TuningConfig(epochs=1, batch_size=4, lr=3e-3, beta=0.5)


def tuned_artifact() -> bytes:
    """Weights tuned for real from the face decoder on 4 of its own faces liked and 4 not."""
    if not _artifact:
        from facegallery.core.decoders import decoder_get
        from generator.sampling import sample_faces
        from generator.tuning import decoder_state_bytes, tune_decoder

        base = decoder_get("face")
        faces = sample_faces(base, range(8), 0.4)
        tuned = tune_decoder(base, faces[:4], faces[4:], config=tiny_config())
        _artifact.append(decoder_state_bytes(tuned.decoder))
    return _artifact[0]


@pytest.fixture(autouse=True)
def one_torch_thread():
    """Tuning, rails and sampling on one thread: two threads on two busy cores run about ten
    times slower (tests/generation/commands/test_simulate_voters.py)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def fresh_version_decoders():
    """Each test loads the versions it draws with: ids restart in every test's database."""
    version_decoders_clear()
    yield
    version_decoders_clear()


@pytest.fixture
def tuned_version(db) -> GeneratorVersion:
    """A version with real tuned weights whose rails passed, fresh from training."""
    return GeneratorVersionFactory.create(artifact=tuned_artifact())


@pytest.fixture
def candidate(tuned_version) -> GeneratorVersion:
    """The tuned version in a rollout that draws every new batch."""
    from facegallery.tuning.services.rollouts import rollout_start

    rollout_start(version=tuned_version.version, share=1.0)
    tuned_version.refresh_from_db()
    assert tuned_version.status == VersionStatus.CANDIDATE
    return tuned_version


@pytest.fixture
def fast_rollout(settings):
    """Decisions after a few dozen votes instead of hundreds."""
    settings.TUNING_ROLLOUT_MIN_VOTES = 20
    settings.TUNING_ROLLOUT_MAX_VOTES = 200
    return settings


@pytest.fixture
def rails_faces(settings, tmp_path):
    """Held-out human faces for the rails: the first five of ../shared's Quick, Draw! sample
    (the setting's default is the whole sample; five keep the test's NLL passes short)."""
    from tests.conftest import REPO_ROOT

    sample = REPO_ROOT.parent / "shared" / "data" / "quickdraw_face_sample.ndjson"
    if not sample.is_file():
        pytest.skip(f"{sample} not found: tests need ../shared beside the checkout")
    path = tmp_path / "rails_faces.ndjson"
    path.write_text("\n".join(sample.read_text().splitlines()[:5]) + "\n")
    settings.TUNING_RAILS_HUMAN_FACES = path
    return path


def tiny_rails(**bounds):
    """Rails on few samples (seconds, not the default's half minute); `bounds` overrides."""
    from generator.rails import RailsConfig

    return RailsConfig(samples=6, temperatures=(0.3,), **bounds)


# Bounds no tuned decoder can meet, and bounds any meets: which way a version goes is the
# test's choice, not the luck of a few training steps.
IMPOSSIBLE = {"human_nll_increase": -10.0}
LENIENT = {"human_nll_increase": 10.0, "sample_nll_increase": 10.0, "min_diversity_ratio": 0.0}
