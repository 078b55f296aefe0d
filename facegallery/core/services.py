"""Writes: fetching the model weights into MODELS_DIR."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from facegallery.core import weights

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class FetchResult:
    name: str
    path: Path
    origin: str  # where it came from, or "already present"


def model_weights_fetch(
    *, source: str | None = None, progress: weights.ProgressFactory | None = None
) -> list[FetchResult]:
    """Make every manifest file present and verified; raise WeightsError otherwise.

    Files already present with the right sha256 are kept; anything else is fetched again.
    """
    source = settings.MODELS_FROM if source is None else source
    results = []
    for spec in weights.read_manifest(settings.MODELS_DIR):
        try:
            path = weights.verify(spec, settings.MODELS_DIR)
            results.append(FetchResult(spec.name, path, "already present"))
            continue
        except weights.WeightsError:
            pass
        path, origin = weights.fetch(spec, settings.MODELS_DIR, source, progress)
        logger.info("fetched %s from %s (sha256 %s)", spec.file, origin, spec.sha256)
        results.append(FetchResult(spec.name, path, origin))
    return results
