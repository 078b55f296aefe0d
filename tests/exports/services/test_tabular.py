"""Parquet (read with pyarrow) and CSV (read with csv + json) hold one row per face."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pyarrow.parquet as pq
import pytest
from django.core.management import call_command

from tests.exports.expected import expected_majority, expected_split, strokes_of

pytestmark = pytest.mark.django_db

COLUMNS = ["id", "created", "generator", "seed", "temperature", "points", "strokes", "drawing",
           "interesting", "boring", "wilson", "label", "split"]  # fmt: skip


def _export(fmt, tmp_path, *args):
    out = tmp_path / fmt
    call_command("export_dataset", "--format", fmt, "--out", str(out), *args,
                 stderr=io.StringIO(), stdout=io.StringIO())  # fmt: skip
    return out


def _check_row(row, face):
    assert row["id"] == face.pk
    assert row["generator"] == face.generator.name
    assert (row["seed"], row["temperature"]) == (face.seed, pytest.approx(face.temperature))
    assert (row["points"], row["strokes"]) == (face.num_points, face.num_strokes)
    np.testing.assert_array_equal(np.array(row["drawing"]).reshape(-1, 3), strokes_of(face))
    assert (row["interesting"], row["boring"]) == (face.interesting_count, face.boring_count)
    assert row["wilson"] == pytest.approx(face.wilson_interesting)
    assert row["label"] == expected_majority(face)
    assert row["split"] == expected_split(face.pk)


def test_parquet_rows_match_the_database(dataset, tmp_path):
    table = pq.read_table(_export("parquet", tmp_path) / "faces.parquet")
    assert table.column_names == COLUMNS
    rows = table.to_pylist()
    faces = dataset.exported()
    assert len(rows) == len(faces)
    for row, face in zip(rows, faces, strict=True):
        assert row["created"] == face.created
        _check_row(row, face)


def test_csv_rows_match_the_database(dataset, tmp_path):
    with open(_export("csv", tmp_path) / "faces.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    faces = dataset.exported()
    assert len(rows) == len(faces) and list(rows[0]) == COLUMNS
    for row, face in zip(rows, faces, strict=True):
        typed = {
            **row,
            **{
                k: int(row[k]) for k in ("id", "seed", "points", "strokes", "interesting", "boring")
            },
            "temperature": float(row["temperature"]),
            "wilson": float(row["wilson"]),
            "drawing": json.loads(row["drawing"]),
            "label": row["label"] or None,
        }
        _check_row(typed, face)


def test_hidden_faces_are_left_out_unless_asked_for(dataset, tmp_path):
    (tmp_path / "all").mkdir()
    default = pq.read_table(_export("parquet", tmp_path) / "faces.parquet")
    everything = pq.read_table(
        _export("parquet", tmp_path / "all", "--status", "visible", "filtered", "hidden")
        / "faces.parquet"
    )
    hidden = {f.pk for f in dataset.faces if f.status == 3 and expected_majority(f)}
    assert hidden and not hidden & set(default.column("id").to_pylist())
    assert hidden <= set(everything.column("id").to_pylist())
