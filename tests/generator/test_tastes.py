"""The taste suite judges hand-made faces as its one-line descriptions say."""

from __future__ import annotations

import numpy as np
import pytest

from generator.strokes import polylines_to_stroke3
from generator.tastes import TASTES, population_parse, taste_describe, taste_likes, tastes_judge

# Hand-made faces in normalised units, y down: a head of radius 5 around (0, 0), so the
# outline's box spans -5..5 and its top quarter is y < -2.5.


def _circle(cx: float, cy: float, r: float, n: int = 24, rx: float | None = None) -> np.ndarray:
    angle = np.linspace(0, 2 * np.pi, n + 1)
    return np.stack([cx + (rx or r) * np.cos(angle), cy + r * np.sin(angle)], axis=1)


def _line(*points: tuple[float, float]) -> np.ndarray:
    return np.array(points, float)


def _arc(x0: float, x1: float, y: float, sag: float, n: int = 12) -> np.ndarray:
    x = np.linspace(x0, x1, n)
    return np.stack([x, y + sag * (1 - ((x - (x0 + x1) / 2) / ((x1 - x0) / 2)) ** 2)], axis=1)


HEAD = _circle(0, 0, 5)
EYES = [_circle(-2, -1, 0.8, 16), _circle(2, -1, 0.8, 16)]
MOUTH = _arc(-2, 2, 1.2, 1.0)
HAIR = _arc(-3, 3, -3.2, -1.2)
BEARD = _arc(-2, 2, 4.2, 0.4)
EAR = _circle(-5.6, 0, 0.8, 12, rx=0.6)  # a small loop out at the left


def _spiral(cx: float, cy: float, turns: float, n: int = 40) -> np.ndarray:
    angle, radius = np.linspace(0, turns * 2 * np.pi, n), np.linspace(1.2, 0.2, n)
    return np.stack([cx + radius * np.cos(angle), cy + radius * np.sin(angle)], axis=1)


SPIRAL = _spiral(3, 2, 2)
ZIGZAG = np.stack([np.linspace(-2, 2, 21), 3.0 + 0.4 * (np.arange(21) % 2)], axis=1)
LONG_HAIR = _arc(-4.5, 4.5, -4.5, -1.5, 30)


def face(*extra: np.ndarray, head: np.ndarray = HEAD, eyes=EYES, scale: float = 1.0) -> np.ndarray:
    return polylines_to_stroke3([p * scale for p in [head, *eyes, MOUTH, *extra]])


PLAIN = face()
CASES = {
    # taste: (faces it must like, faces it must not)
    "many-strokes": ([face(_line((0, 0)), _line((1, 0)), _line((-1, 0)))], [PLAIN]),
    "asymmetric": ([polylines_to_stroke3([_line((0, 0), (0, 10), (3, 10))])], [PLAIN]),
    "top": ([face(HAIR)], [PLAIN, face(BEARD)]),
    "bottom": ([face(BEARD)], [PLAIN, face(HAIR)]),
    "sides": ([face(EAR)], [PLAIN, face(HAIR), face(BEARD)]),
    "outside": ([face(EAR), face(LONG_HAIR)], [PLAIN, face(HAIR)]),
    "round-eyes": ([PLAIN], [face(eyes=[_line((-2, -1)), _line((2, -1))])]),
    "straight-lines": ([face(_line((0, -0.5), (0, 1.2)))], [PLAIN, face(HAIR)]),
    "spiral": ([face(SPIRAL)], [PLAIN, face(HAIR)]),
    "dots": ([face(_line((0, 0))), face(_line((0, 0), (0.1, 0)))], [PLAIN]),
    "big": ([face(scale=1.3)], [PLAIN]),
    "wide": ([face(head=_circle(0, 0, 5, rx=6))], [PLAIN, face(head=_circle(0, 0, 5, rx=4.5))]),
    "jittery": ([face(ZIGZAG)], [PLAIN, face(SPIRAL)]),
    "long-strokes": ([face(LONG_HAIR)], [PLAIN, face(HAIR)]),
    "top-and-bottom": ([face(HAIR, BEARD)], [face(HAIR), face(BEARD), PLAIN]),
    "sides-not-top": ([face(EAR), face(EAR, BEARD)], [face(EAR, HAIR), PLAIN]),
}


def test_every_taste_has_hand_made_cases_and_a_one_line_description():
    assert set(CASES) == set(TASTES)
    assert len(TASTES) >= 12
    for name in TASTES:
        assert taste_describe(name) and "\n" not in taste_describe(name)


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_taste_likes_its_faces_and_not_the_others(name):
    liked, disliked = CASES[name]
    assert taste_likes(name, liked).all(), taste_describe(name)
    assert not taste_likes(name, disliked).any(), taste_describe(name)


def test_a_batch_is_judged_as_each_face_alone():
    batch = [face(HAIR), PLAIN, face(EAR, BEARD), face(SPIRAL), face(ZIGZAG, scale=1.3)]
    together = tastes_judge(list(TASTES), batch)
    for name in TASTES:
        alone = [taste_likes(name, [drawing])[0] for drawing in batch]
        assert together[name].tolist() == alone, name


def test_empty_drawings_and_batches_are_liked_by_nobody():
    empty = np.zeros((0, 3), np.float32)
    judged = tastes_judge(list(TASTES), [empty, PLAIN, empty])
    for name, liked in judged.items():
        assert liked.dtype == bool and len(liked) == 3
        assert not liked[0] and not liked[2], name
    assert taste_likes("top", []).shape == (0,)


def test_an_unknown_taste_names_the_choices():
    with pytest.raises(ValueError, match="many-strokes"):
        taste_likes("likes-cats", [PLAIN])


def test_a_mixed_population_splits_the_visitors_by_share():
    even = population_parse("mixed:top+sides")
    assert even.tastes == ("top", "sides") and even.shares == (0.5, 0.5)
    assert [even.group_of(k, 40) for k in range(40)] == [0] * 20 + [1] * 20
    uneven = population_parse("mixed:top=3+sides=1")
    assert uneven.shares == (0.75, 0.25)
    assert sum(uneven.group_of(k, 40) == 0 for k in range(40)) == 30
    alone = population_parse("round-eyes")
    assert alone.tastes == ("round-eyes",) and alone.group_of(39, 40) == 0


@pytest.mark.parametrize(
    "spec",
    [
        "mixed:top",
        "mixed:top+top",
        "mixed:top+cats",
        "mixed:top=x+sides",
        "mixed:top=0+sides",
        "cats",
    ],
)
def test_bad_populations_are_refused(spec):
    with pytest.raises(ValueError):
        population_parse(spec)
