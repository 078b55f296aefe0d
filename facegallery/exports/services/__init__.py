"""Export services (writes). The formats live one per module; export.py ties them together."""

from __future__ import annotations

from facegallery.exports.services.export import (
    FORMATS,
    ExportResult,
    ExportSpec,
    export_dataset,
    export_spec_check,
)
from facegallery.exports.services.files import ExportError

__all__ = [
    "FORMATS",
    "ExportError",
    "ExportResult",
    "ExportSpec",
    "export_dataset",
    "export_spec_check",
]
