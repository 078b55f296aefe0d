"""The sketch-rnn decoders, loaded once per process (worker, web or command), never per task.

Weights are verified against models/manifest.json before they are loaded; the generator
faces are drawn with is settings.GENERATOR_MODEL_NAME (FACEGALLERY_GENERATOR_MODEL), read by
generation and training alike.
"""

from __future__ import annotations

import logging
import threading

import torch
from django.conf import settings

from facegallery.core import weights
from generator.model import SketchDecoder, load_decoder

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_decoders: dict[tuple[str, str], SketchDecoder] = {}


def weight_spec(name: str) -> weights.WeightSpec:
    for spec in weights.read_manifest(settings.MODELS_DIR):
        if spec.name == name:
            return spec
    raise weights.WeightsError(f"no model named {name!r} in {settings.MODELS_DIR}/manifest.json")


def decoder_get(name: str) -> SketchDecoder:
    """The verified decoder for manifest entry `name`, cached by (path, sha256)."""
    spec = weight_spec(name)
    key = (str(settings.MODELS_DIR / spec.file), spec.sha256)
    with _lock:
        decoder = _decoders.get(key)
        if decoder is None:
            path = weights.verify(spec, settings.MODELS_DIR)
            if settings.TORCH_THREADS:
                torch.set_num_threads(settings.TORCH_THREADS)
            decoder = load_decoder(path)
            _decoders[key] = decoder
            logger.info("loaded decoder %s (sha256 %s) from %s", name, spec.sha256[:12], path)
        return decoder
