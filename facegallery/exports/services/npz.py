"""sketch-rnn ``.npz`` (Magenta's DataLoader format) and its pickle-free companion.

``faces.npz`` holds ``train``, ``valid`` and ``test``: 1-d object arrays of ``(N, 3)`` int16
stroke-3 drawings in Quick, Draw! pixels, as in Magenta's published datasets (load with
``np.load(path, encoding="latin1", allow_pickle=True)``), plus aligned ``<split>_id``,
``<split>_interesting``, ``<split>_boring`` and ``<split>_label`` arrays. Object arrays are
pickles, so ``faces.flat.npz`` holds the same data without any: ``<split>_points`` ``(P, 3)``
int16 and ``<split>_offsets`` ``(n + 1,)`` int64 (drawing i is points[offsets[i]:offsets[i+1]]).

Memory stays flat: rows are spooled per split to scratch files, then each zip member is
streamed from them. The object arrays are written as the pickle stream ``np.save`` would
produce (protocol 3), one element at a time, instead of building the arrays in memory.
"""

from __future__ import annotations

import pickle
import shutil
import struct
import zipfile
from pathlib import Path
from typing import IO, BinaryIO

import numpy as np

from facegallery.exports.labels import SPLITS
from facegallery.exports.selectors import FaceChunk
from facegallery.exports.services.files import OutputDir

NPZ_NAME = "faces.npz"
FLAT_NAME = "faces.flat.npz"
_FIELDS = {"id": "<i8", "interesting": "<i4", "boring": "<i4", "points": "<i4"}
_COPY = 1 << 20
_APPEND_BATCH = 1000  # items per APPENDS, as pickle itself batches lists

# --- The object-array pickle stream (see pickletools.dis of pickle.dumps(array, 3)) -------


def _global(obj) -> bytes:
    return b"c" + f"{obj.__module__}\n{obj.__name__}\n".encode()


def _int(value: int) -> bytes:
    if 0 <= value < 256:
        return b"K" + bytes([value])
    if 0 <= value < 65536:
        return b"M" + struct.pack("<H", value)
    return b"J" + struct.pack("<i", value)


def _bytes(data: bytes) -> bytes:
    if len(data) < 256:
        return b"C" + bytes([len(data)]) + data
    return b"B" + struct.pack("<I", len(data)) + data


def _fragment(obj) -> bytes:
    """A self-contained pickle fragment of ``obj``: no PROTO, no STOP, no memo use."""
    import pickletools

    return pickletools.optimize(pickle.dumps(obj, protocol=3))[2:-1]


_RECONSTRUCT = np.empty(0).__reduce__()[0]
# Memo slots: 0 _reconstruct, 1 ndarray, 2 b"b", 3 dtype int16 (every element shares them).
_ELEMENT_HEAD = b"h\x00h\x01K\x00\x85h\x02\x87R(K\x01"
_ELEMENT_MID = b"K\x03\x86h\x03\x89"
_ELEMENT_TAIL = b"tb"


def _object_array_head(count: int) -> bytes:
    # Grouped by pickle opcode (hence fmt: skip): one value a line would hide the layout.
    return (
        b"\x80\x03"
        + _global(_RECONSTRUCT) + b"q\x00"
        + _global(np.ndarray) + b"q\x01"
        + b"K\x00\x85C\x01bq\x02\x87R"
        + b"(K\x01" + _int(count) + b"\x85" + _fragment(np.dtype(object)) + b"\x89"
        + _fragment(np.dtype("<i2")) + b"q\x03" + b"0"  # memoise int16's dtype, pop it
        + b"]"
    )  # fmt: skip


def _element(points: bytes) -> bytes:
    return _ELEMENT_HEAD + _int(len(points) // 6) + _ELEMENT_MID + _bytes(points) + _ELEMENT_TAIL


# --- npy members ------------------------------------------------------------------------------


def _npy_header(out: IO[bytes], dtype: str, shape: tuple[int, ...]) -> None:
    header = {"descr": dtype, "fortran_order": False, "shape": shape}
    np.lib.format.write_array_header_1_0(out, header)


class NpzWriter:
    files = (NPZ_NAME, FLAT_NAME)

    def __init__(self, output: OutputDir, *, soft: bool):
        self.output = output
        self.soft = soft
        self.label_dtype = "<f4" if soft else "|i1"
        self.spool: dict[tuple[str, str], BinaryIO] = {}
        self.counts = dict.fromkeys(SPLITS, 0)
        self.point_counts = dict.fromkeys(SPLITS, 0)
        for split in SPLITS:
            for name in (*_FIELDS, "label", "strokes"):
                self.spool[split, name] = open(self._spool_path(split, name), "wb")  # noqa: SIM115

    def _spool_path(self, split: str, name: str) -> Path:
        return self.output.path(f"spool-{split}-{name}.bin")

    def write(self, chunk: FaceChunk, labels: np.ndarray, splits: np.ndarray) -> None:
        points = np.diff(chunk.offsets).astype(np.int32)
        columns = {
            "id": chunk.ids,
            "interesting": chunk.interesting,
            "boring": chunk.boring,
            "points": points,
        }
        for code, split in enumerate(SPLITS):
            mask = splits == code
            if not mask.any():
                continue
            for name, dtype in _FIELDS.items():
                self.spool[split, name].write(columns[name][mask].astype(dtype).tobytes())
            self.spool[split, "label"].write(labels[mask].astype(self.label_dtype).tobytes())
            drawn = chunk.points[np.repeat(mask, points)]  # the points of the picked faces
            self.spool[split, "strokes"].write(drawn.astype("<i2").tobytes())
            self.counts[split] += int(mask.sum())
            self.point_counts[split] += int(points[mask].sum())

    def close(self) -> None:
        for handle in self.spool.values():
            handle.close()

    def finish(self) -> list[str]:
        self.close()
        with _zip(self.output.path(NPZ_NAME)) as npz, _zip(self.output.path(FLAT_NAME)) as flat:
            for split in SPLITS:
                self._write_objects(npz, split)
                self._write_flat(flat, split)
                for archive in (npz, flat):
                    self._write_columns(archive, split)
            if not self.soft:  # label code i means label_names[i]
                names = np.array(["boring", "interesting"])
                for archive in (npz, flat):
                    _member(archive, "label_names", names.dtype.str, names.shape, names.tobytes())
        return list(self.files)

    def _write_objects(self, archive: zipfile.ZipFile, split: str) -> None:
        n = self.counts[split]
        with archive.open(f"{split}.npy", "w", force_zip64=True) as out:
            _npy_header(out, "|O", (n,))
            out.write(_object_array_head(n))
            with (
                open(self._spool_path(split, "points"), "rb") as sizes,
                open(self._spool_path(split, "strokes"), "rb") as strokes,
            ):
                for start in range(0, n, _APPEND_BATCH):
                    count = min(_APPEND_BATCH, n - start)
                    lengths = np.frombuffer(sizes.read(4 * count), dtype="<i4") * 6
                    out.write(b"(" + b"".join(_element(strokes.read(k)) for k in lengths) + b"e")
            out.write(b"tb.")

    def _write_flat(self, archive: zipfile.ZipFile, split: str) -> None:
        with archive.open(f"{split}_points.npy", "w", force_zip64=True) as out:
            _npy_header(out, "<i2", (self.point_counts[split], 3))
            _copy(self._spool_path(split, "strokes"), out)
        n = self.counts[split]
        with archive.open(f"{split}_offsets.npy", "w", force_zip64=True) as out:
            _npy_header(out, "<i8", (n + 1,))
            out.write(np.zeros(1, dtype="<i8").tobytes())
            total = 0
            with open(self._spool_path(split, "points"), "rb") as sizes:
                while block := sizes.read(_COPY):
                    ends = np.cumsum(np.frombuffer(block, dtype="<i4"), dtype=np.int64) + total
                    out.write(ends.astype("<i8").tobytes())
                    total = int(ends[-1])

    def _write_columns(self, archive: zipfile.ZipFile, split: str) -> None:
        n = self.counts[split]
        for name, dtype in (
            *((k, v) for k, v in _FIELDS.items() if k != "points"),
            ("label", self.label_dtype),
        ):
            with archive.open(f"{split}_{name}.npy", "w", force_zip64=True) as out:
                _npy_header(out, dtype, (n,))
                _copy(self._spool_path(split, name), out)


def _zip(path: Path) -> zipfile.ZipFile:
    # Stored, not deflated, like np.savez: drawings barely compress and loaders mmap-read.
    return zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED, allowZip64=True)


def _copy(path: Path, out: IO[bytes]) -> None:
    with open(path, "rb") as src:
        shutil.copyfileobj(src, out, _COPY)


def _member(archive: zipfile.ZipFile, name: str, dtype: str, shape, data: bytes) -> None:
    with archive.open(f"{name}.npy", "w") as out:
        _npy_header(out, dtype, shape)
        out.write(data)
