"""The dataset card: README.md with YAML front matter in the Hugging Face style.

The YAML is emitted by hand (a few dicts and lists of plain scalars; strings are written
as JSON strings, which YAML reads as they are) so that PyYAML stays a test dependency.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from facegallery.exports.labels import SPLITS, LabelRule
from facegallery.exports.selectors import FaceFilters
from facegallery.exports.services.files import CARD_MARKER
from facegallery.gallery.models import FaceStatus

LICENSE = "cc-by-4.0"

_FACE_FEATURES = [
    ("id", "int64"),
    ("created", "timestamp[us, tz=UTC]"),
    ("generator", "string"),
    ("seed", "int64"),
    ("temperature", "float64"),
    ("points", "int32"),
    ("strokes", "int32"),
    ("drawing", "stroke3"),
    ("interesting", "int32"),
    ("boring", "int32"),
    ("wilson", "float64"),
    ("label", "label"),
    ("split", "string"),
]
_NDJSON_FEATURES = [
    ("word", "string"),
    ("countrycode", "string"),
    ("timestamp", "string"),
    ("recognized", "bool"),
    ("key_id", "string"),
    ("drawing", "quickdraw"),
    ("interesting", "int32"),
    ("boring", "int32"),
    ("wilson", "float64"),
    ("label", "label"),
    ("split", "string"),
    ("generator", "string"),
    ("seed", "int64"),
    ("temperature", "float64"),
]
_VOTE_FEATURES = [
    ("face_id", "int64"),
    ("label", "string"),
    ("created", "string"),
    ("voter", "string"),
]
_NPZ_FEATURES = [
    ("drawing", "stroke3"),
    ("id", "int64"),
    ("interesting", "int32"),
    ("boring", "int32"),
    ("label", "label"),
]


@dataclass
class ExportStats:
    """What was written, counted as it streamed past."""

    rows: int = 0
    splits: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SPLITS, 0))
    labels: dict[str, int] = field(default_factory=dict)


def _feature(name: str, kind: str, rule: LabelRule) -> dict:
    if kind == "stroke3":
        return {"name": name, "sequence": {"sequence": "int16"}}
    if kind == "quickdraw":
        return {"name": name, "sequence": {"sequence": {"sequence": "int16"}}}
    if kind == "label":
        return {"name": name, "dtype": "float32" if rule.is_soft else "string"}
    return {"name": name, "dtype": kind}


def _size_category(n: int) -> str:
    for limit, text in (
        (1_000, "n<1K"),
        (10_000, "1K<n<10K"),
        (100_000, "10K<n<100K"),
        (1_000_000, "100K<n<1M"),
        (10_000_000, "1M<n<10M"),
    ):
        if n < limit:
            return text
    return "n>10M"


def _yaml(value, indent: int = 0) -> list[str]:
    pad = "  " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if isinstance(item, dict | list) and item:
                lines.append(f"{pad}{key}:")
                lines += _yaml(item, indent + 1)
            else:
                lines.append(f"{pad}{key}: {_scalar(item)}")
    else:
        for item in value:
            nested = _yaml(item, indent + 1) if isinstance(item, dict | list) else None
            if nested:
                lines.append(f"{pad}- {nested[0].strip()}")
                lines += nested[1:]
            else:
                lines.append(f"{pad}- {_scalar(item)}")
    return lines


def _scalar(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | dict):
        return "[]" if isinstance(value, list) else "{}"
    return json.dumps(str(value), ensure_ascii=False)


def card_front_matter(*, fmt: str, files: list[str], rule: LabelRule, stats: ExportStats) -> dict:
    features = {"votes": _VOTE_FEATURES, "ndjson": _NDJSON_FEATURES, "npz": _NPZ_FEATURES}.get(
        fmt, _FACE_FEATURES
    )
    splits = (
        [{"name": "votes", "num_examples": stats.rows}]
        if fmt == "votes"
        else [{"name": name, "num_examples": count} for name, count in stats.splits.items()]
    )
    return {
        "license": LICENSE,
        "pretty_name": "Face Gallery: vote-labelled sketch-rnn faces",
        "tags": ["sketch-rnn", "quickdraw", "stroke-3", "human-feedback", "drawings"],
        "size_categories": [_size_category(stats.rows)],
        "source_datasets": ["Quick, Draw! (via the Magenta sketch-rnn face model)"],
        "dataset_info": {
            "features": [_feature(name, kind, rule) for name, kind in features],
            "splits": splits,
        },
        "data_files": files,
        "export": {"format": fmt, "rows": stats.rows, "labels": stats.labels},
    }


_LOADING = {
    "npz": """```python
import numpy as np
data = np.load("faces.npz", encoding="latin1", allow_pickle=True)  # Magenta's DataLoader input
train = data["train"]              # object array of (N, 3) int16 stroke-3 drawings
labels = data["train_label"]       # aligned with train
flat = np.load("faces.flat.npz")   # the same without pickles
pts, off = flat["train_points"], flat["train_offsets"]
first = pts[off[0]:off[1]]
```""",
    "ndjson": """```python
import json
faces = [json.loads(line) for line in open("faces.ndjson")]
```""",
    "parquet": """```python
import pyarrow.parquet as pq
table = pq.read_table("faces.parquet")  # or pandas.read_parquet / datasets.load_dataset
```""",
    "csv": """```python
import csv, json
rows = list(csv.DictReader(open("faces.csv")))
drawing = json.loads(rows[0]["drawing"])  # [[dx, dy, p], ...]
```""",
    "votes": """```python
import json
votes = [json.loads(line) for line in open("votes.jsonl")]
```""",
}

_LABELS_NPZ = (
    "In `.npz` files hard labels are int8 codes, `label_names[code]` (0 boring, 1 interesting); "
    "soft labels are float32 shares."
)


def _rule_text(rule: LabelRule) -> str:
    if rule.name == "wilson":
        return (
            f"`wilson:{rule.threshold:g}`: *interesting* when the 95% Wilson lower bound of the "
            f"interesting share is at least {rule.threshold:g}, *boring* when that of the boring "
            "share is; faces with neither are not included."
        )
    if rule.is_soft:
        return (
            "`soft`: the label is the share of interesting votes (0 to 1); faces without "
            "votes are not included."
        )
    return "`majority`: *interesting* when interesting votes outnumber boring ones, *boring* when the reverse; ties (and faces without votes) are not included."  # noqa: E501


def _filters_text(filters: FaceFilters) -> list[str]:
    statuses = ", ".join(FaceStatus(s).label for s in filters.statuses)
    return [
        f"- minimum votes: {filters.min_votes}",
        f"- created from: {filters.since.isoformat() if filters.since else 'the beginning'}",
        f"- created before: {filters.until.isoformat() if filters.until else 'the export'}",
        f"- generator model: {filters.generator or 'any'}",
        f"- face status: {statuses}",
    ]


def card_render(
    *,
    fmt: str,
    files: list[str],
    filters: FaceFilters,
    ratio: tuple[int, int, int],
    stats: ExportStats,
    generators: list[tuple[str, str, float]],
    exported_at: datetime,
) -> str:
    """The whole README.md: front matter, then the prose a reader needs to use the data."""
    rule = filters.label_rule
    front = _yaml(card_front_matter(fmt=fmt, files=files, rule=rule, stats=stats))
    counts = ["| split | rows |", "|---|---|"] + [
        f"| {name} | {count:,} |" for name, count in stats.splits.items()
    ]
    if fmt == "votes":
        counts = ["| votes | rows |", "|---|---|", f"| all | {stats.rows:,} |"]
    label_lines = [f"- {name}: {count:,}" for name, count in stats.labels.items()]
    models = [
        f"- `{name}` (sha256 `{sha}`, scale factor {scale:g} px)" for name, sha, scale in generators
    ]
    body = [
        "---",
        *front,
        "---",
        CARD_MARKER,
        "",
        "# Face Gallery: vote-labelled sketch-rnn faces",
        "",
        f"Faces drawn by a sketch-rnn decoder and labelled *interesting* or *boring* by visitors "
        f"of Face Gallery. Exported {exported_at.isoformat(timespec='seconds')} as `{fmt}`: "
        + ", ".join(f"`{name}`" for name in files)
        + ".",
        "",
        "## Loading",
        "",
        _LOADING[fmt],
        "",
        "## Counts",
        "",
        *counts,
        "",
        *(["Labels:", "", *label_lines, ""] if label_lines else []),
        "## Labels",
        "",
        _rule_text(rule),
        *([_LABELS_NPZ] if fmt == "npz" else []),
        "",
        "Vote counts exclude votes voided by moderators. `wilson` is the 95% Wilson lower "
        "bound of the interesting share.",
        "",
        "## Splits",
        "",
        f"Deterministic, {ratio[0]}/{ratio[1]}/{ratio[2]} (train/valid/test), from a hash of "
        "the face id, so a later export of a grown dataset keeps every earlier face in its "
        "split:",
        "",
        "```python",
        'bucket = int.from_bytes(hashlib.sha256(str(face_id).encode("ascii")).digest()[:8], "big") % 100',  # noqa: E501
        f'split = "train" if bucket < {ratio[0]} else "valid" if bucket < {ratio[0] + ratio[1]} else "test"',  # noqa: E501
        "```",
        "",
        "## Drawings",
        "",
        "Stroke-3 (`[dx, dy, p]`, p = 1 on the last point of a stroke), int16, in Quick, Draw! "
        "pixels (y down); the first delta is from the origin. sketch-rnn loaders normalise by "
        "the standard deviation of dx and dy over the training set, as Magenta's DataLoader "
        "does. The ndjson `drawing` is in the simplified dataset's coordinates (moved to the "
        "top-left corner, scaled so the longer side spans 0 to 255).",
        "",
        "## Selection",
        "",
        *_filters_text(filters),
        "",
        "## Provenance and license",
        "",
        "Generated by these sketch-rnn models:",
        "",
        *models,
        "",
        "The face model's weights are Magenta's pretrained sketch-rnn `face` model (Apache "
        "License 2.0), trained on the Quick, Draw! dataset (Google, CC BY 4.0). As the "
        "project's choice, this export is released under **CC BY 4.0**, the license of the "
        "data the model learned from; credit Face Gallery, Magenta (sketch-rnn) and the "
        "Quick, Draw! dataset.",
        "",
        "Voters are pseudonymous: `voter` is a salted HMAC-SHA256 of the site's voter id, "
        "stable across exports and not reversible. No raw voter ids or IP hashes are "
        "exported.",
        "",
    ]
    return "\n".join(body)
