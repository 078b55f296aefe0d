"""core.bulk: many rows in one INSERT, conflicts skipped, the rows bulk_create would write."""

from __future__ import annotations

import pytest

from facegallery.core.bulk import rows_insert_ignoring_conflicts
from facegallery.gallery.models import Face
from facegallery.scoring.models import DrawingNll
from tests.factories import FaceFactory

pytestmark = pytest.mark.django_db


def test_faces_land_as_bulk_create_would_land_them():
    built = FaceFactory.build_batch(3, score=None, scorer_version=None)
    built[1].score, built[1].scorer_version = 0.75, 4
    rows_insert_ignoring_conflicts(built)
    landed = {face.seed: face for face in Face.objects.filter(seed__in=[f.seed for f in built])}
    assert len(landed) == 3
    for face in built:
        row = landed[face.seed]
        assert row.created is not None  # auto_now_add, as save() sets it
        assert bytes(row.strokes) == bytes(face.strokes)
        for name in ("temperature", "num_points", "num_strokes", "status", "shuffle_key"):
            assert getattr(row, name) == getattr(face, name), name
    assert landed[built[1].seed].score == 0.75 and landed[built[1].seed].scorer_version == 4
    assert landed[built[0].seed].score is None  # nulls in an array land as NULL


def test_rows_that_conflict_with_landed_ones_or_each_other_are_skipped():
    DrawingNll.objects.create(key="a" * 40, values=b"first")
    rows_insert_ignoring_conflicts(
        [
            DrawingNll(key="a" * 40, values=b"second"),  # already there: kept as it was
            DrawingNll(key="b" * 40, values=b"one"),
            DrawingNll(key="b" * 40, values=b"two"),  # twice in one call: the first wins
        ]
    )
    stored = {row.key[0]: bytes(row.values) for row in DrawingNll.objects.all()}
    assert stored == {"a": b"first", "b": b"one"}


def test_nothing_to_insert_runs_no_statement(django_assert_num_queries):
    with django_assert_num_queries(0):
        rows_insert_ignoring_conflicts([])
