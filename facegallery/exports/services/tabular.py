"""Parquet and CSV: one row per face, written a chunk (one Parquet row group) at a time.

Columns: id, created, generator, seed, temperature, points, strokes, drawing (stroke-3 in
Quick, Draw! pixels: a list of [dx, dy, p] int16 triples; in CSV the same as JSON text),
interesting, boring, wilson (lower bound of the interesting share), label, split.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from facegallery.exports.labels import SPLITS, label_names
from facegallery.exports.selectors import FaceChunk
from facegallery.exports.services.chunks import stroke3_json
from facegallery.exports.services.files import OutputDir

PARQUET_NAME = "faces.parquet"
CSV_NAME = "faces.csv"
DRAWING_TYPE = pa.list_(pa.list_(pa.int16(), 3))


def face_schema(*, soft: bool, drawing: pa.DataType) -> pa.Schema:
    return pa.schema(
        [
            ("id", pa.int64()),
            ("created", pa.timestamp("us", tz="UTC")),
            ("generator", pa.string()),
            ("seed", pa.int64()),
            ("temperature", pa.float64()),
            ("points", pa.int32()),
            ("strokes", pa.int32()),
            ("drawing", drawing),
            ("interesting", pa.int32()),
            ("boring", pa.int32()),
            ("wilson", pa.float64()),
            ("label", pa.float32() if soft else pa.string()),
            ("split", pa.string()),
        ]
    )


def _columns(chunk: FaceChunk, labels: np.ndarray, splits: np.ndarray, soft: bool) -> dict:
    return {
        "id": chunk.ids,
        "created": pa.array(chunk.created_us, type=pa.timestamp("us", tz="UTC")),
        "generator": chunk.generators,
        "seed": chunk.seeds,
        "temperature": chunk.temperatures,
        "points": chunk.num_points,
        "strokes": chunk.num_strokes,
        "interesting": chunk.interesting.astype(np.int32),
        "boring": chunk.boring.astype(np.int32),
        "wilson": chunk.wilson_interesting,
        "label": labels if soft else label_names(labels),
        "split": np.array(SPLITS, dtype=object)[splits],
    }


def drawing_array(chunk: FaceChunk) -> pa.Array:
    flat, offsets = chunk.points, chunk.offsets
    triples = pa.FixedSizeListArray.from_arrays(pa.array(flat.reshape(-1)), 3)
    return pa.ListArray.from_arrays(pa.array(offsets.astype(np.int32)), triples)


class ParquetFaceWriter:
    files = (PARQUET_NAME,)

    def __init__(self, output: OutputDir, *, soft: bool):
        self.soft = soft
        self.schema = face_schema(soft=soft, drawing=DRAWING_TYPE)
        self.writer = pq.ParquetWriter(output.path(PARQUET_NAME), self.schema)

    def write(self, chunk: FaceChunk, labels: np.ndarray, splits: np.ndarray) -> None:
        columns = _columns(chunk, labels, splits, self.soft)
        columns["drawing"] = drawing_array(chunk)
        table = pa.table({name: columns[name] for name in self.schema.names}, schema=self.schema)
        self.writer.write_table(table)  # one row group per chunk

    def finish(self) -> list[str]:
        self.close()
        return list(self.files)

    def close(self) -> None:
        self.writer.close()


class CsvFaceWriter:
    files = (CSV_NAME,)

    def __init__(self, output: OutputDir, *, soft: bool):
        self.soft = soft
        self.schema = face_schema(soft=soft, drawing=pa.string())
        self.writer = pa_csv.CSVWriter(output.path(CSV_NAME), self.schema)

    def write(self, chunk: FaceChunk, labels: np.ndarray, splits: np.ndarray) -> None:
        columns = _columns(chunk, labels, splits, self.soft)
        columns["drawing"] = stroke3_json(chunk.points, chunk.offsets)
        table = pa.table({name: columns[name] for name in self.schema.names}, schema=self.schema)
        self.writer.write_table(table)

    def finish(self) -> list[str]:
        self.close()
        return list(self.files)

    def close(self) -> None:
        self.writer.close()
