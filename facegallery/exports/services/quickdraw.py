"""Quick, Draw! ndjson: one face a line, the fields of the public dataset plus labels.

The shape follows the "simplified" files (``word``, ``countrycode``, ``timestamp``,
``recognized``, ``key_id``, ``drawing``): ``drawing`` is one ``[[x...], [y...]]`` per stroke
in 0..255 integer coordinates. ``countrycode`` is empty (faces are drawn by the model, not
by a player somewhere) and ``recognized`` is always true (drawn by the face model; no
classifier ran). Label fields follow: interesting, boring, wilson, label, split, and the
provenance (generator, seed, temperature).

Lines are assembled by Arrow kernels a chunk at a time (see chunks.py); every value is a
number, a fixed word or a JSON-escaped generator name, so the text is valid JSON.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from facegallery.exports.labels import SPLITS
from facegallery.exports.selectors import FaceChunk
from facegallery.exports.services.chunks import join, quickdraw_json, text
from facegallery.exports.services.files import OutputDir

NDJSON_NAME = "faces.ndjson"
# The dataset's "2017-03-19 15:52:39.229 UTC" (Arrow's %S carries the fraction).
TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S UTC"
_HARD_LABELS = np.array(['"boring"', '"interesting"', "null"], dtype=object)


def _labels_json(labels: np.ndarray, soft: bool) -> pa.Array:
    if soft:
        return text(labels.astype(np.float64))
    return pa.array(_HARD_LABELS[np.where(labels < 0, 2, labels)], type=pa.string())


class QuickDrawWriter:
    files = (NDJSON_NAME,)

    def __init__(self, output: OutputDir, *, soft: bool):
        self.soft = soft
        self.out = open(output.path(NDJSON_NAME), "wb")  # noqa: SIM115
        self.names: dict[str, str] = {}

    def write(self, chunk: FaceChunk, labels: np.ndarray, splits: np.ndarray) -> None:
        created = pa.array(chunk.created_us, type=pa.timestamp("us", tz="UTC"))
        names = [self.names.setdefault(g, json.dumps(g)) for g in chunk.generators]
        lines = join(
            '{"word":"face","countrycode":"","timestamp":"',
            pc.strftime(created, format=TIMESTAMP_FORMAT),
            '","recognized":true,"key_id":"',
            text(chunk.ids),
            '","drawing":',
            quickdraw_json(chunk.points, chunk.offsets),
            ',"interesting":',
            text(chunk.interesting),
            ',"boring":',
            text(chunk.boring),
            ',"wilson":',
            text(chunk.wilson_interesting),
            ',"label":',
            _labels_json(labels, self.soft),
            ',"split":"',
            pa.array(np.array(SPLITS, dtype=object)[splits], type=pa.string()),
            '","generator":',
            pa.array(names, type=pa.string()),
            ',"seed":',
            text(chunk.seeds),
            ',"temperature":',
            text(chunk.temperatures),
            "}\n",
        )
        for piece in lines.chunks if isinstance(lines, pa.ChunkedArray) else [lines]:
            _write_strings(self.out, piece)

    def finish(self) -> list[str]:
        self.close()
        return list(self.files)

    def close(self) -> None:
        self.out.close()


def _write_strings(out, strings: pa.Array) -> None:
    """Write the concatenated characters of a string array (its data buffer, sliced)."""
    if not len(strings):
        return
    if strings.null_count:  # a null input would drop its whole line: never write that
        raise ValueError("an ndjson line came out null")
    offsets = np.frombuffer(strings.buffers()[1], dtype=np.int32)[strings.offset :]
    data = strings.buffers()[2]
    out.write(memoryview(data)[offsets[0] : offsets[len(strings)]])
