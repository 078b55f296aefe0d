"""Quick, Draw! ndjson has the public dataset's shape, simplified coordinates and labels."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from generator.strokes import stroke3_to_polylines
from tests.exports.expected import expected_majority, expected_split, strokes_of

pytestmark = pytest.mark.django_db

SAMPLE = Path("/work/shared/data/quickdraw_face_sample.ndjson")


def _simplified(face) -> list:
    """The face in the simplified dataset's coordinates, computed here independently."""
    lines = stroke3_to_polylines(strokes_of(face))
    if not lines:
        return []
    everything = np.concatenate(lines)
    low, extent = everything.min(axis=0), (everything.max(axis=0) - everything.min(axis=0)).max()
    scale = 255 / extent if extent else 1.0
    return [np.rint((line - low) * scale).astype(int).T.tolist() for line in lines]


def test_each_line_is_a_quickdraw_record_plus_labels(dataset, tmp_path):
    out = tmp_path / "qd"
    call_command("export_dataset", "--format", "ndjson", "--out", str(out),
                 stderr=io.StringIO(), stdout=io.StringIO())  # fmt: skip
    records = [json.loads(line) for line in (out / "faces.ndjson").read_text().splitlines()]
    faces = dataset.exported()
    assert [int(r["key_id"]) for r in records] == [f.pk for f in faces]
    real_keys = list(json.loads(SAMPLE.read_text().splitlines()[0])) if SAMPLE.exists() else None
    for record, face in zip(records, faces, strict=True):
        if real_keys:
            assert list(record)[: len(real_keys)] == real_keys
        assert record["word"] == "face" and record["countrycode"] == ""
        assert record["recognized"] is True
        assert record["timestamp"].startswith(face.created.strftime("%Y-%m-%d %H:%M:%S"))
        assert record["timestamp"].endswith(" UTC")
        assert record["drawing"] == _simplified(face)
        assert all(0 <= v <= 255 for stroke in record["drawing"] for xy in stroke for v in xy)
        assert len(record["drawing"]) == face.num_strokes
        assert (record["interesting"], record["boring"]) == (
            face.interesting_count,
            face.boring_count,
        )
        assert record["label"] == expected_majority(face)
        assert record["split"] == expected_split(face.pk)
        assert record["wilson"] == pytest.approx(face.wilson_interesting)


def test_the_real_sample_has_the_shape_we_copy():
    if not SAMPLE.exists():
        pytest.skip("no Quick, Draw! sample in /work/shared/data")
    record = json.loads(SAMPLE.read_text().splitlines()[0])
    assert list(record) == ["word", "countrycode", "timestamp", "recognized", "key_id", "drawing"]
    assert all(len(stroke) == 2 for stroke in record["drawing"])
