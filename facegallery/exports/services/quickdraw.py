"""Quick, Draw! ndjson: one face a line, the fields of the public dataset plus labels.

The shape follows the "simplified" files (``word``, ``countrycode``, ``timestamp``,
``recognized``, ``key_id``, ``drawing``): ``drawing`` is one ``[[x...], [y...]]`` per stroke
in 0..255 integer coordinates. ``countrycode`` is empty (faces are drawn by the model, not
by a player somewhere) and ``recognized`` is always true (drawn by the face model; no
classifier ran). Label fields follow: interesting, boring, wilson, label, split, and the
provenance (generator, seed, temperature).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import TextIO

import numpy as np

from facegallery.exports.labels import SPLITS, label_names
from facegallery.exports.selectors import FaceChunk
from facegallery.exports.services.chunks import simplified_positions, stroke_ends
from facegallery.exports.services.files import OutputDir

NDJSON_NAME = "faces.ndjson"
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def quickdraw_timestamp(moment: datetime) -> str:
    """ "2017-03-19 15:52:39.229 UTC", the dataset's format (trailing zeros trimmed)."""
    text = moment.strftime("%Y-%m-%d %H:%M:%S.%f").rstrip("0").rstrip(".")
    return f"{text} UTC"


def chunk_drawings(chunk: FaceChunk) -> list[list[list[list[int]]]]:
    """The Quick, Draw! ``drawing`` of every face in the chunk."""
    flat, offsets = chunk.points, chunk.offsets
    positions = simplified_positions(flat, offsets)
    xs, ys = positions[:, 0].tolist(), positions[:, 1].tolist()
    ends = stroke_ends(flat, offsets).tolist()
    first = np.searchsorted(ends, offsets[:-1], side="right").tolist()
    drawings = []
    for face, start in enumerate(offsets[:-1].tolist()):
        stop, strokes, k = int(offsets[face + 1]), [], first[face]
        while start < stop:
            end = ends[k]
            strokes.append([xs[start:end], ys[start:end]])
            start, k = end, k + 1
        drawings.append(strokes)
    return drawings


class QuickDrawWriter:
    files = (NDJSON_NAME,)

    def __init__(self, output: OutputDir, *, soft: bool):
        self.soft = soft
        self.out: TextIO = open(output.path(NDJSON_NAME), "w", encoding="utf-8")  # noqa: SIM115

    def write(self, chunk: FaceChunk, labels: np.ndarray, splits: np.ndarray) -> None:
        drawings = chunk_drawings(chunk)
        names = labels.tolist() if self.soft else label_names(labels)
        lines = []
        for i, face_id in enumerate(chunk.ids.tolist()):
            record = {
                "word": "face",
                "countrycode": "",
                "timestamp": quickdraw_timestamp(chunk.created[i]),
                "recognized": True,
                "key_id": str(face_id),
                "drawing": drawings[i],
                "interesting": int(chunk.interesting[i]),
                "boring": int(chunk.boring[i]),
                "wilson": float(chunk.wilson_interesting[i]),
                "label": names[i],
                "split": SPLITS[splits[i]],
                "generator": chunk.generators[i],
                "seed": int(chunk.seeds[i]),
                "temperature": float(chunk.temperatures[i]),
            }
            lines.append(_dumps(record))
        self.out.write("\n".join(lines) + "\n")

    def finish(self) -> list[str]:
        self.close()
        return list(self.files)

    def close(self) -> None:
        self.out.close()
