"""Decoders of generator versions, loaded once per process and kept by version id.

A version's artifact is a state_dict over its base decoder (generator.tuning.
decoder_state_bytes), so the base is loaded first (facegallery.core.decoders, verified against
the manifest) and the version's weights are read onto a copy of it. Only a version that passed
its rails is ever loaded: the rails are enforced here, where every drawing starts, as well as
where versions are promoted (services/rollouts.py).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict

from facegallery.core import decoders
from facegallery.gallery.models import GeneratorVersion
from facegallery.tuning.selectors import rails_passed
from generator.model import SketchDecoder

logger = logging.getLogger(__name__)

# A worker draws with the base, the active version and a candidate; a few more (a batch
# retried for an older version) are cheap, but the cache must not grow without end.
CACHED_VERSIONS = 4

_lock = threading.Lock()
_versions: OrderedDict[int, SketchDecoder] = OrderedDict()


class VersionUnusable(Exception):
    """A version that may not draw (it never passed its rails) or cannot be loaded."""


def version_decoder_get(version_id: int) -> SketchDecoder:
    """The decoder of generator version `version_id` (eval mode, no grad), cached."""
    from generator.tuning import decoder_from_state_bytes

    with _lock:
        decoder = _versions.get(version_id)
        if decoder is not None:
            _versions.move_to_end(version_id)
            return decoder
    version = GeneratorVersion.objects.select_related("base").get(pk=version_id)
    if not rails_passed(version):
        raise VersionUnusable(f"{version} did not pass its rails: it never draws")
    spec = decoders.weight_spec(version.base.name)
    if spec.sha256 != version.base.sha256:
        raise VersionUnusable(
            f"{version} was tuned from {version.base}, not the installed {spec.sha256[:12]}"
        )
    try:
        decoder = decoder_from_state_bytes(
            decoders.decoder_get(version.base.name), bytes(version.artifact)
        )
    except ValueError as exc:
        raise VersionUnusable(f"{version}: unreadable artifact ({exc})") from exc
    with _lock:
        _versions[version_id] = decoder
        while len(_versions) > CACHED_VERSIONS:
            _versions.popitem(last=False)
    logger.info("loaded %s over %s", version, version.base)
    return decoder


def drawing_decoder_get(*, generator_name: str, version_id: int | None) -> SketchDecoder:
    """The decoder a batch is drawn with: its version's, or the base weights'."""
    if version_id is None:
        return decoders.decoder_get(generator_name)
    return version_decoder_get(version_id)


def version_decoders_clear() -> None:
    """Forget the loaded versions (tests of reproducibility load a version afresh)."""
    with _lock:
        _versions.clear()
