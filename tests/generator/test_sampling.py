"""generator.sampling and generator.rng: reproducible, batched face sampling."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from generator import rng
from generator.likelihood import drawing_nll_and_states
from generator.model import SketchDecoder
from generator.sampling import _sample, sample_faces, sample_faces_with_states

TEMPERATURE = 0.25


def _quantised(face: np.ndarray, scale: float) -> tuple[np.ndarray, np.ndarray]:
    """What the app stores: absolute pixel positions rounded, and the pen column."""
    return np.round(np.cumsum(face[:, :2] * scale, axis=0)), face[:, 2]


def _assert_same_faces(a: list[np.ndarray], b: list[np.ndarray], scale: float) -> None:
    assert len(a) == len(b)
    for face_a, face_b in zip(a, b, strict=True):
        assert face_a.shape == face_b.shape
        for part_a, part_b in zip(
            _quantised(face_a, scale), _quantised(face_b, scale), strict=True
        ):
            np.testing.assert_array_equal(part_a, part_b)
        np.testing.assert_allclose(face_a, face_b, atol=1e-5)


def _tiny_decoder(pen_logits: tuple[float, float, float]) -> SketchDecoder:
    """An 8-unit decoder whose pen distribution is fixed by the head bias."""
    tiny = SketchDecoder(hidden_size=8, num_mixture=2, scale_factor=10.0, max_seq_len=30).eval()
    with torch.no_grad():
        tiny.head.bias.copy_(torch.linspace(-0.5, 0.5, 15))
        tiny.head.bias[:3] = torch.tensor(pen_logits)
    return tiny


def test_a_face_is_the_same_alone_in_a_batch_and_in_any_slot(decoder: SketchDecoder) -> None:
    seeds = list(range(100, 164))
    batched = sample_faces(decoder, seeds, TEMPERATURE, batch_size=64)
    alone = [sample_faces(decoder, [seed], TEMPERATURE, batch_size=1)[0] for seed in seeds[:6]]
    _assert_same_faces(alone, batched[:6], decoder.scale_factor)
    # Reversed order and mixed with other seeds: every face lands in another slot.
    mixed = sample_faces(decoder, [*reversed(seeds), 7, 8, 9], TEMPERATURE, batch_size=24)
    _assert_same_faces(mixed[:64][::-1], batched, decoder.scale_factor)


def test_refilled_slots_give_the_same_faces_as_drawing_alone(decoder: SketchDecoder) -> None:
    seeds = list(range(16))
    refilled = sample_faces(decoder, seeds, TEMPERATURE, batch_size=4)
    alone = [sample_faces(decoder, [seed], TEMPERATURE)[0] for seed in seeds]
    _assert_same_faces(refilled, alone, decoder.scale_factor)


def test_faces_are_normalised_stroke3_with_lifted_last_points(decoder: SketchDecoder) -> None:
    faces = sample_faces(decoder, range(32), TEMPERATURE)
    assert len({face.tobytes() for face in faces}) == 32  # different seeds, different faces
    for face in faces:
        assert face.dtype == np.float32 and face.ndim == 2 and face.shape[1] == 3
        assert 0 < len(face) <= decoder.max_seq_len
        assert set(np.unique(face[:, 2])) <= {0.0, 1.0}
        assert face[-1, 2] == 1.0
        assert np.isfinite(face).all()
        # Normalised units: faces span ~6-14 units (~500-1100 px at scale 78.2), not pixels.
        extent = np.ptp(np.cumsum(face[:, :2], axis=0), axis=0)
        assert (extent < 25).all() and (extent > 2).all()


def test_temperature_and_seed_change_the_face(decoder: SketchDecoder) -> None:
    a, b = sample_faces(decoder, [5, 6], 0.25)
    (c,) = sample_faces(decoder, [5], 0.8)
    assert not np.array_equal(a, b) and not np.array_equal(a, c)


def test_faces_stop_at_max_seq_len_with_the_pen_lifted(decoder: SketchDecoder) -> None:
    faces = sample_faces(decoder, range(10), TEMPERATURE, max_seq_len=5, batch_size=3)
    assert [len(face) for face in faces] == [5] * 10  # no face ends within 5 points
    assert all(face[-1, 2] == 1.0 for face in faces)
    full = sample_faces(decoder, range(10), TEMPERATURE)
    for short, long in zip(faces, full, strict=True):
        np.testing.assert_array_equal(short[:4], long[:4])  # same start, only truncated


def test_the_end_state_is_not_a_point() -> None:
    always_end = _tiny_decoder((-20.0, -20.0, 20.0))
    faces = sample_faces(always_end, range(5), 1.0)
    assert all(face.shape == (0, 3) for face in faces)


def test_a_pen_that_always_lifts_gives_one_point_strokes_until_max_seq_len() -> None:
    always_lift = _tiny_decoder((-20.0, 20.0, -20.0))
    faces = sample_faces(always_lift, range(3), 1.0, max_seq_len=7)
    assert all(face.shape == (7, 3) and (face[:, 2] == 1.0).all() for face in faces)


def test_greedy_sampling_ignores_the_seed(decoder: SketchDecoder) -> None:
    faces = sample_faces(decoder, [1, 2, 3], 0.0, softmax_temperature=0.0, max_seq_len=40)
    assert np.array_equal(faces[0], faces[1]) and np.array_equal(faces[0], faces[2])


def test_progress_reports_every_face(decoder: SketchDecoder) -> None:
    done: list[int] = []
    sample_faces(decoder, range(12), TEMPERATURE, batch_size=5, progress=done.append)
    assert sum(done) == 12
    assert sample_faces(decoder, [], TEMPERATURE) == []


def test_bad_arguments_are_rejected(decoder: SketchDecoder) -> None:
    with pytest.raises(ValueError, match="batch_size"):
        sample_faces(decoder, [1], 0.5, batch_size=0)
    with pytest.raises(ValueError, match="max_seq_len"):
        sample_faces(decoder, [1], 0.5, max_seq_len=0)
    with pytest.raises(ValueError, match="temperature"):
        sample_faces(decoder, [1], -0.1)


def test_uniforms_depend_only_on_seed_step_and_draw() -> None:
    keys = rng.face_keys(torch.tensor([3, 4, 3, -1, 2**62]))
    assert keys[0] == keys[2] and keys[0] != keys[1] and len(set(keys.tolist())) == 4
    steps = torch.tensor([0, 0, 7, 7, 7])
    u = rng.uniforms(keys, steps, 4)  # (5, 4)
    single = rng.uniforms(keys[2:3], steps[2:3], 4)
    assert torch.equal(u[2], single[0])
    assert not torch.equal(u[0], u[2])  # same face, another step


def test_uniforms_are_uniform_and_normals_normal() -> None:
    keys = rng.face_keys(torch.arange(4000))
    u = torch.cat([rng.uniforms(keys, torch.full((4000,), t), 4) for t in range(5)])  # (20000, 4)
    assert float(u.min()) > 0.0 and float(u.max()) < 1.0
    counts = torch.histc(u.flatten(), bins=10, min=0.0, max=1.0)
    expected = u.numel() / 10
    chi2 = float(((counts - expected) ** 2 / expected).sum())
    assert chi2 < 30  # 9 degrees of freedom: p ~ 4e-4
    assert abs(float(torch.corrcoef(u.T)[0, 1])) < 0.03
    n1, n2 = rng.normal_pair(u[:, 2], u[:, 3])
    normals = torch.cat([n1, n2])
    assert abs(float(normals.mean())) < 0.02 and abs(float(normals.std()) - 1.0) < 0.02


@pytest.mark.parametrize("threads", [1, 2])
def test_a_bfloat16_face_is_the_same_alone_in_a_batch_and_in_any_slot(
    decoder: SketchDecoder, threads: int
) -> None:
    # On one thread oneDNN blocks bfloat16 rows by 32, not 16: this failed with 16-row padding.
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        _assert_bfloat16_faces_do_not_depend_on_the_batch(decoder)
    finally:
        torch.set_num_threads(before)


def _assert_bfloat16_faces_do_not_depend_on_the_batch(decoder: SketchDecoder) -> None:
    seeds = list(range(200, 248))
    batched = sample_faces(decoder, seeds, TEMPERATURE, batch_size=48, precision="bfloat16")
    again = sample_faces(decoder, seeds, TEMPERATURE, batch_size=48, precision="bfloat16")
    alone = [
        sample_faces(decoder, [seed], TEMPERATURE, batch_size=1, precision="bfloat16")[0]
        for seed in seeds[:4]
    ]
    refilled = sample_faces(decoder, seeds, TEMPERATURE, batch_size=5, precision="bfloat16")
    for other in (again, alone, refilled):
        for a, b in zip(batched, other, strict=False):
            np.testing.assert_array_equal(a, b)  # bit for bit: same seed, same precision


def test_precisions_draw_different_faces_and_auto_falls_back_to_float32(
    decoder: SketchDecoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeds = list(range(8))
    float32 = sample_faces(decoder, seeds, TEMPERATURE)
    bfloat16 = sample_faces(decoder, seeds, TEMPERATURE, precision="bfloat16")
    assert any(
        len(a) != len(b) or not np.array_equal(a, b) for a, b in zip(float32, bfloat16, strict=True)
    )
    monkeypatch.setattr("generator.precision.cpu_has_native_bfloat16", lambda: False)
    auto = sample_faces(decoder, seeds, TEMPERATURE, precision="auto")
    _assert_same_faces(auto, float32, decoder.scale_factor)
    with pytest.raises(ValueError, match="precision must be one of"):
        sample_faces(decoder, seeds, TEMPERATURE, precision="float16")


def test_a_tiny_decoder_samples_in_bfloat16() -> None:
    tiny = _tiny_decoder((0.0, -1.0, -2.0))
    faces = sample_faces(tiny, range(6), 1.0, precision="bfloat16", max_seq_len=12)
    assert len(faces) == 6 and all(np.isfinite(face).all() for face in faces)


def test_states_pooled_while_drawing_equal_the_teacher_forced_reading(
    decoder: SketchDecoder,
) -> None:
    """The representation's states come free with drawing: the same rows as a second pass.

    Batch 16 for 20 faces: refilled rows and a compacted batch are pooled too."""
    seeds = list(range(300, 320))
    faces, _, pooled = sample_faces_with_states(decoder, seeds, TEMPERATURE, batch_size=16)
    _assert_same_faces(faces, sample_faces(decoder, seeds, TEMPERATURE), decoder.scale_factor)
    kept = [k for k, row in enumerate(pooled) if row is not None]
    assert len(kept) == len(seeds)  # faces cut at max_seq_len too
    _, expected = drawing_nll_and_states(decoder, [faces[k] for k in kept])
    got = np.stack([pooled[k] for k in kept])  # type: ignore[misc]
    np.testing.assert_allclose(got, expected, atol=2e-4)


def test_a_face_cut_at_max_seq_len_is_pooled_as_its_stored_drawing_reads(
    decoder: SketchDecoder,
) -> None:
    faces, nlls, pooled = _sample(
        decoder, [7, 8], TEMPERATURE, None, 5, 16, None, "float32", None,
        track_nll=True, pool_states=True,
    )  # fmt: skip
    assert [len(face) for face in faces] == [5, 5]
    expected_nlls, expected = drawing_nll_and_states(decoder, faces)
    np.testing.assert_allclose(np.stack(pooled), expected, atol=2e-4)  # type: ignore[arg-type]
    for nll, ref in zip(nlls, expected_nlls, strict=True):
        np.testing.assert_allclose(nll, ref.per_step, rtol=1e-3, atol=2e-3)  # type: ignore[arg-type]
