"""generator.priming: faces that continue a prime, reproducibly, and primes that are refused."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from generator.model import SketchDecoder
from generator.priming import (
    MAX_EXTENT,
    first_strokes,
    prime_check,
    prime_max_points,
    prime_state,
    sample_primed,
)
from generator.sampling import sample_faces
from generator.strokes import START_TOKEN, stroke3_to_stroke5

TEMPERATURE = 0.3


@pytest.fixture(scope="module")
def prime(decoder: SketchDecoder) -> np.ndarray:
    """The opening of a face the decoder drew itself: its first two strokes."""
    face = sample_faces(decoder, [11], TEMPERATURE)[0]
    opening = first_strokes(face, strokes=2)
    assert 3 <= len(opening) < len(face)
    return opening


def test_every_primed_face_starts_with_the_primes_points(decoder, prime) -> None:
    faces = sample_primed(decoder, prime, range(8), TEMPERATURE)
    assert len(faces) == 8
    for face in faces:
        assert face.dtype == np.float32 and face.shape[1] == 3
        np.testing.assert_array_equal(face[: len(prime)], prime)
        assert len(prime) <= len(face) <= decoder.max_seq_len
        assert face[-1, 2] == 1  # the last point ends the final stroke
    # The network drew something after the prime, and not the same thing for every seed.
    continuations = {face[len(prime) :].tobytes() for face in faces}
    assert len(continuations) > 1 and any(len(face) > len(prime) for face in faces)


def test_a_primed_face_is_the_same_alone_and_in_any_slot_of_a_batch(decoder, prime) -> None:
    seeds = list(range(40, 48))
    batched = sample_primed(decoder, prime, seeds, TEMPERATURE, batch_size=3)  # refilled
    alone = sample_primed(decoder, prime, [seeds[5]], TEMPERATURE, batch_size=1)[0]
    np.testing.assert_array_equal(alone, batched[5])
    again = sample_primed(decoder, prime.tolist(), seeds[::-1], TEMPERATURE, batch_size=8)
    for a, b in zip(again[::-1], batched, strict=True):
        np.testing.assert_array_equal(a, b)


def test_the_start_state_is_the_decoder_after_reading_s0_and_the_prime(decoder, prime) -> None:
    start = prime_state(decoder, prime_check(prime, decoder.max_seq_len))
    inputs = np.concatenate([START_TOKEN[None], stroke3_to_stroke5(prime)[:-2]])  # S0..p_{n-1}
    with torch.inference_mode():
        _, h, c = decoder(torch.from_numpy(inputs).float()[None])  # (1, n, H) each
    torch.testing.assert_close(start.h, h[0, -1], atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(start.c, c[0, -1], atol=1e-5, rtol=1e-5)
    np.testing.assert_array_equal(start.x.numpy(), stroke3_to_stroke5(prime)[-2])


def test_the_prime_steers_the_drawing(decoder, prime) -> None:
    # Same seeds and temperature from the start token: other faces than the primed ones.
    primed = sample_primed(decoder, prime, range(2), TEMPERATURE)
    plain = sample_faces(decoder, range(2), TEMPERATURE)
    assert all(
        a.shape != b.shape or not np.allclose(a, b) for a, b in zip(primed, plain, strict=True)
    )


def test_a_prime_of_the_longest_allowed_length_still_leaves_room(decoder) -> None:
    longest = prime_max_points(decoder.max_seq_len)
    prime = np.tile([[0.05, 0.0, 0.0]], (longest, 1))
    prime[-1, 2] = 1
    faces = sample_primed(decoder, prime, [1, 2], 0.1)
    assert all(len(prime) <= len(face) <= decoder.max_seq_len for face in faces)


@pytest.mark.parametrize(
    ("prime", "message"),
    [
        ([], "shape"),
        (np.zeros((0, 3)), "no points"),
        ([[1.0, 2.0]], "shape"),
        ([[[1.0, 2.0, 1.0]]], "shape"),
        ([["a", 1, 1]], "numbers"),
        ([[float("nan"), 0.0, 1.0]], "NaN"),
        ([[float("inf"), 0.0, 1.0]], "NaN"),
        ([[0.1, 0.1, 0.5]], "pen column"),
        ([[0.1, 0.1, 1.0], [0.1, 0.1, 0.0]], "lift the pen"),
        ([[MAX_EXTENT * 2, 0.0, 1.0]], "spans"),
        ([[8.0, 0.0, 0.0]] * 5 + [[8.0, 0.0, 1.0]], "spans"),
        ([[0.01, 0.0, 1.0]] * 200, "more than"),
    ],
)
def test_an_unusable_prime_is_refused_with_a_clear_value_error(decoder, prime, message) -> None:
    with pytest.raises(ValueError, match=message):
        sample_primed(decoder, prime, [0], TEMPERATURE)


def test_first_strokes_take_the_opening_strokes_and_leave_the_last_one() -> None:
    face = np.array(
        [[1, 0, 0], [1, 0, 1], [0, 1, 0], [0, 1, 1], [2, 2, 0], [2, 2, 1]], dtype=np.float32
    )
    np.testing.assert_array_equal(first_strokes(face, strokes=2), face[:4])
    np.testing.assert_array_equal(first_strokes(face, strokes=5), face[:4])  # never the last
    np.testing.assert_array_equal(first_strokes(face[4:], strokes=2), [[2, 2, 1]])  # half
    cut = first_strokes(face, strokes=2, max_points=3)
    np.testing.assert_array_equal(cut, [[1, 0, 0], [1, 0, 1], [0, 1, 1]])  # pen lifted at the cut
    assert first_strokes(face[:0]).shape == (0, 3)
