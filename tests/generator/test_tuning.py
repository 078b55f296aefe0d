"""generator.tuning: fine-tuning the decoder from liked and disliked faces (issue #17)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from generator.likelihood import drawing_nll
from generator.model import SketchDecoder
from generator.sampling import sample_faces
from generator.tastes import taste_likes
from generator.tuning import (
    TuningConfig,
    TuningResult,
    decoder_from_state_bytes,
    decoder_state_bytes,
    planned_pairs,
    tune_decoder,
)

# One torch thread: two spin-wait, and ran 5x slower, on the shared 2-core machine.
pytestmark = pytest.mark.usefixtures("one_torch_thread")
TEMPERATURE = 0.4
# Small and quick: three epochs of 3 steps each (the default head-only tuning is cheap).
QUICK = TuningConfig(epochs=3, batch_size=16, seed=3)


@pytest.fixture(scope="module")
def voted(decoder: SketchDecoder) -> dict[str, list[np.ndarray]]:
    """96 base faces voted by the "big" taste: 64 to train on, 32 held out."""
    faces = sample_faces(decoder, range(96), TEMPERATURE)
    likes = taste_likes("big", faces)
    split: dict[str, list[np.ndarray]] = {
        "liked": [],
        "disliked": [],
        "held_liked": [],
        "held_disliked": [],
    }
    for k, (face, like) in enumerate(zip(faces, likes, strict=True)):
        side = "liked" if like else "disliked"
        split[side if k < 64 else f"held_{side}"].append(face)
    return split


@pytest.fixture(scope="module")
def tuned(decoder: SketchDecoder, voted: dict[str, list[np.ndarray]]) -> TuningResult:
    base_state = {k: v.clone() for k, v in decoder.state_dict().items()}
    result = tune_decoder(
        decoder,
        voted["liked"],
        voted["disliked"],
        config=QUICK,
        liked_temperatures=[TEMPERATURE] * len(voted["liked"]),
        disliked_temperatures=[TEMPERATURE] * len(voted["disliked"]),
    )
    result.metrics["base_unchanged"] = float(
        all(torch.equal(base_state[k], v) for k, v in decoder.state_dict().items())
    )
    return result


def test_tuning_leaves_the_base_decoder_untouched(
    decoder: SketchDecoder, tuned: TuningResult
) -> None:
    assert tuned.metrics["base_unchanged"] == 1.0
    assert not decoder.training
    assert not any(t.requires_grad for t in decoder.state_dict().values())


def test_the_tuned_decoder_is_frozen_and_shaped_like_the_base(
    decoder: SketchDecoder, tuned: TuningResult
) -> None:
    assert not tuned.decoder.training
    assert not any(t.requires_grad for t in tuned.decoder.state_dict().values())
    assert {k: v.shape for k, v in tuned.decoder.state_dict().items()} == {
        k: v.shape for k, v in decoder.state_dict().items()
    }
    assert not torch.equal(tuned.decoder.head.weight, decoder.head.weight)


def test_tuning_raises_held_out_liked_faces_likelihood_relative_to_disliked_ones(
    decoder: SketchDecoder, tuned: TuningResult, voted: dict[str, list[np.ndarray]]
) -> None:
    def mean_log_ratio(faces: list[np.ndarray]) -> float:
        base = drawing_nll(decoder, faces)
        new = drawing_nll(tuned.decoder, faces)
        return float(np.mean([b.total - n.total for b, n in zip(base, new, strict=True)]))

    assert voted["held_liked"] and voted["held_disliked"]
    assert mean_log_ratio(voted["held_liked"]) > mean_log_ratio(voted["held_disliked"]) + 0.5


def test_training_figures_show_the_preference_margin_growing(
    tuned: TuningResult, voted: dict[str, list[np.ndarray]]
) -> None:
    assert tuned.metrics["margin_end"] > tuned.metrics["margin_start"]
    assert tuned.pairs == max(len(voted["liked"]), len(voted["disliked"]))
    assert tuned.seconds > 0


def test_tuning_is_deterministic_for_a_seed(
    decoder: SketchDecoder, voted: dict[str, list[np.ndarray]]
) -> None:
    liked, disliked = voted["liked"][:6], voted["disliked"][:6]
    config = TuningConfig(epochs=1, batch_size=3, seed=7)
    steps: list[int] = []
    first = tune_decoder(decoder, liked, disliked, config=config, progress=steps.append)
    second = tune_decoder(decoder, liked, disliked, config=config)
    assert decoder_state_bytes(first.decoder) == decoder_state_bytes(second.decoder)
    assert sum(steps) == planned_pairs(config, 6, 6) == 6


def test_tuning_needs_both_sides_for_dpo(decoder: SketchDecoder) -> None:
    face = np.array([[0.1, 0.2, 0.0], [0.3, -0.1, 1.0]])
    with pytest.raises(ValueError, match="disliked"):
        tune_decoder(decoder, [face], [])


def test_state_bytes_round_trip_to_the_same_weights(
    decoder: SketchDecoder, tuned: TuningResult
) -> None:
    restored = decoder_from_state_bytes(decoder, decoder_state_bytes(tuned.decoder))
    for name, tensor in tuned.decoder.state_dict().items():
        assert torch.equal(restored.state_dict()[name], tensor), name
    assert not restored.training


def test_bad_state_bytes_raise_value_error(decoder: SketchDecoder) -> None:
    with pytest.raises(ValueError):
        decoder_from_state_bytes(decoder, b"not a checkpoint")
    small = SketchDecoder(hidden_size=8, num_mixture=2)
    with pytest.raises(ValueError, match="shape"):
        decoder_from_state_bytes(decoder, decoder_state_bytes(small))
