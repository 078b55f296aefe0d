"""export_dataset: select, label, split and stream faces (or votes) into one format."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np
from django.utils import timezone

from facegallery.exports import selectors
from facegallery.exports.labels import DEFAULT_RATIO, SPLITS, label_values, split_codes
from facegallery.exports.services.card import ExportStats, card_render
from facegallery.exports.services.files import CARD_NAME, ExportError, OutputDir
from facegallery.exports.services.npz import NpzWriter
from facegallery.exports.services.quickdraw import QuickDrawWriter
from facegallery.exports.services.tabular import CsvFaceWriter, ParquetFaceWriter
from facegallery.exports.services.votes import VoteWriter
from facegallery.gallery.models import GeneratorModel

logger = logging.getLogger(__name__)


class FaceWriter(Protocol):
    """A face format's writer: made with (output, soft=...), fed chunk by chunk."""

    def write(self, chunk: selectors.FaceChunk, labels: np.ndarray, splits: np.ndarray) -> None: ...
    def finish(self) -> list[str]: ...  # the names of the files it wrote
    def close(self) -> None: ...


FACE_WRITERS: dict[str, Callable[..., FaceWriter]] = {
    "npz": NpzWriter,
    "ndjson": QuickDrawWriter,
    "parquet": ParquetFaceWriter,
    "csv": CsvFaceWriter,
}
FORMATS = (*FACE_WRITERS, "votes")

Progress = Callable[[int, int], None]  # (rows done, rows in all)


@dataclass(frozen=True)
class ExportSpec:
    format: str
    filters: selectors.FaceFilters
    ratio: tuple[int, int, int] = DEFAULT_RATIO


@dataclass
class ExportResult:
    out: Path
    files: list[str]
    stats: ExportStats = field(default_factory=ExportStats)


def export_spec_check(spec: ExportSpec) -> None:
    if spec.format not in FORMATS:
        raise ExportError(f"unknown format {spec.format!r}: use one of {', '.join(FORMATS)}")
    generator = spec.filters.generator
    if generator and generator not in selectors.generator_names():
        known = ", ".join(selectors.generator_names()) or "none yet"
        raise ExportError(f"no generator model named {generator!r} (known: {known})")


def export_dataset(
    *, spec: ExportSpec, out: Path, progress: Progress | None = None
) -> ExportResult:
    """Write the export into folder ``out`` (created if missing), all or nothing.

    Raises ExportError (one line) for an unknown format or generator, an unwritable
    folder, an empty selection or a full disk; nothing is left behind then.
    """
    export_spec_check(spec)
    id_bound = selectors.export_id_bound()
    votes = spec.format == "votes"
    count = selectors.export_vote_count if votes else selectors.export_face_count
    total = count(spec.filters, id_bound=id_bound)
    if total == 0:
        what = "votes on faces" if votes else "faces"
        raise ExportError(f"no {what} match the filters: nothing to export")
    progress = progress or (lambda done, total: None)
    progress(0, total)
    with OutputDir(Path(out)) as output:
        if votes:
            files, stats = _write_votes(spec, output, id_bound, total, progress)
        else:
            files, stats = _write_faces(spec, output, id_bound, total, progress)
        output.path(CARD_NAME).write_text(
            card_render(
                fmt=spec.format,
                files=files,
                filters=spec.filters,
                ratio=spec.ratio,
                stats=stats,
                generators=_generators(spec),
                exported_at=timezone.now(),
            ),
            encoding="utf-8",
        )
        output.commit([*files, CARD_NAME])
    logger.info("exported %s rows as %s to %s", stats.rows, spec.format, out)
    return ExportResult(out=Path(out), files=[*files, CARD_NAME], stats=stats)


def _generators(spec: ExportSpec) -> list[tuple[str, str, float]]:
    rows = GeneratorModel.objects.order_by("id")
    if spec.filters.generator:
        rows = rows.filter(name=spec.filters.generator)
    return list(rows.values_list("name", "sha256", "scale_factor"))


def _write_faces(spec, output, id_bound, total, progress) -> tuple[list[str], ExportStats]:
    rule = spec.filters.label_rule
    writer = FACE_WRITERS[spec.format](output, soft=rule.is_soft)
    stats = ExportStats()
    try:
        for chunk in selectors.export_face_chunks(spec.filters, id_bound=id_bound):
            labels = label_values(
                rule,
                interesting=chunk.interesting,
                boring=chunk.boring,
                wilson_interesting=chunk.wilson_interesting,
                wilson_boring=chunk.wilson_boring,
            )
            splits = split_codes(chunk.ids.tolist(), spec.ratio)
            writer.write(chunk, labels, splits)
            _count(stats, labels, splits, soft=rule.is_soft)
            progress(stats.rows, max(total, stats.rows))
        files = writer.finish()
    except BaseException:
        _close_quietly(writer)
        raise
    return files, stats


def _count(stats: ExportStats, labels: np.ndarray, splits: np.ndarray, *, soft: bool) -> None:
    stats.rows += len(labels)
    for code, name in enumerate(SPLITS):
        stats.splits[name] += int((splits == code).sum())
    if soft:
        return
    for code, name in ((1, "interesting"), (0, "boring")):
        stats.labels[name] = stats.labels.get(name, 0) + int((labels == code).sum())


def _write_votes(spec, output, id_bound, total, progress) -> tuple[list[str], ExportStats]:
    writer = VoteWriter(output)
    stats = ExportStats()
    try:
        for rows in selectors.export_vote_chunks(spec.filters, id_bound=id_bound):
            writer.write(rows)
            stats.rows += len(rows)
            progress(stats.rows, max(total, stats.rows))
        files = writer.finish()
    except BaseException:
        _close_quietly(writer)
        raise
    stats.labels = dict(writer.counts)
    return files, stats


def _close_quietly(writer: FaceWriter | VoteWriter) -> None:
    """Release the writer's file handles after a failure; the scratch folder goes anyway."""
    try:
        writer.close()
    except Exception:  # a second error while cleaning up must not hide the first one
        logger.debug("closing the %s writer after a failure also failed", type(writer).__name__)
