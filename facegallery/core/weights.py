"""The weight manifest (models/manifest.json) and verified fetching of the files it names.

Pure Python without Django, so the launcher and the Celery worker can verify weights
before Django is configured. Paths and sources are arguments.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

CHUNK = 1 << 20


class WeightsError(Exception):
    """A weight file is missing, truncated, or not the one the manifest names."""


@dataclass(frozen=True)
class WeightSpec:
    name: str
    file: str
    url: str
    sha256: str
    size: int


def read_manifest(models_dir: Path) -> list[WeightSpec]:
    path = models_dir / "manifest.json"
    try:
        entries = json.loads(path.read_text())["models"]
        return [
            WeightSpec(e["name"], e["file"], e["url"], e["sha256"].lower(), int(e["size"]))
            for e in entries
        ]
    except FileNotFoundError:
        raise WeightsError(f"{path} is missing: the weight manifest ships with the code") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise WeightsError(f"{path} is malformed: {exc}") from None


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# (path, mtime_ns, size) -> sha256: /healthz verifies the weights on every probe without
# rehashing 3 MB each time; any rewrite of the file changes mtime or size.
_digest_cache: dict[tuple[str, int, int], str] = {}


def verify(spec: WeightSpec, models_dir: Path) -> Path:
    """Return the verified path of `spec`'s file, or raise WeightsError saying what is wrong."""
    path = models_dir / spec.file
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise WeightsError(
            f"{path} is missing: run `python manage.py fetch_models` "
            "(FACEGALLERY_MODELS_FROM=/folder/with/weights on an offline machine)"
        ) from None
    if stat.st_size != spec.size:
        raise WeightsError(
            f"{path} has {stat.st_size} bytes, expected {spec.size} (truncated or wrong file): "
            "run `python manage.py fetch_models`"
        )
    key = (str(path), stat.st_mtime_ns, stat.st_size)
    digest = _digest_cache.get(key) or sha256_of(path)
    if digest != spec.sha256:
        raise WeightsError(
            f"{path} has sha256 {digest}, expected {spec.sha256}: "
            "delete it and run `python manage.py fetch_models`"
        )
    _digest_cache[key] = digest
    return path


ProgressFactory = Callable[[int, str], Callable[[int], None]]


def fetch(
    spec: WeightSpec,
    models_dir: Path,
    source: str = "",
    progress: ProgressFactory | None = None,
) -> tuple[Path, str]:
    """Copy or download `spec`'s file into `models_dir` and verify it.

    `source` is a folder or a URL base holding the file; empty means the canonical URL.
    The file is written to a temporary name and renamed only once its size and sha256
    match, so a failed fetch never leaves a file that looks valid. Returns (path, origin).
    """
    origin = _origin(spec, source)
    models_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=models_dir, suffix=".part", delete=False) as tmp:
        tmp_path = Path(tmp.name)
        try:
            _copy_into(origin, tmp, spec.size, progress)
        except (OSError, ValueError) as exc:
            tmp_path.unlink(missing_ok=True)
            reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or exc
            raise WeightsError(f"cannot read {origin}: {reason}") from None
    size = tmp_path.stat().st_size
    digest = sha256_of(tmp_path)
    if size != spec.size or digest != spec.sha256:
        tmp_path.unlink()
        raise WeightsError(
            f"{origin} is not the expected {spec.file}: got {size} bytes with sha256 {digest}, "
            f"expected {spec.size} bytes with sha256 {spec.sha256}; refusing it"
        )
    final = models_dir / spec.file
    tmp_path.replace(final)
    return final, origin


def _origin(spec: WeightSpec, source: str) -> str:
    if not source:
        return spec.url
    if source.startswith(("http://", "https://")):
        return source.rstrip("/") + "/" + spec.file
    return str(Path(source).expanduser().resolve() / spec.file)


def _copy_into(origin: str, out, total: int, progress: ProgressFactory | None) -> None:
    advance = progress(total, origin) if progress else (lambda n: None)
    is_url = origin.startswith(("http://", "https://"))
    with urllib.request.urlopen(origin, timeout=30) if is_url else open(origin, "rb") as handle:
        while chunk := handle.read(CHUNK):
            out.write(chunk)
            advance(len(chunk))
