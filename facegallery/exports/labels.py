"""Label rules and dataset splits: pure functions of a face's id and vote counters.

Splits come from a hash of the face id, never from a random draw or the row order, so a
re-export of a grown dataset puts every earlier face in the split it had before (as long
as the ratio is the same). Anyone can recompute a split without this code:

    bucket = int.from_bytes(sha256(str(face_id).encode("ascii")).digest()[:8], "big") % 100
    split = "train" if bucket < train else "valid" if bucket < train + valid else "test"
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

SPLITS = ("train", "valid", "test")
DEFAULT_RATIO = (80, 10, 10)

# Label codes in the .npz label arrays of the hard rules.
INTERESTING, BORING = 1, 0


class LabelRuleError(ValueError):
    """A label rule or split ratio that cannot be parsed; the message names the fix."""


@dataclass(frozen=True)
class LabelRule:
    """How votes become a label.

    - ``majority``: interesting when interesting votes outnumber boring ones, boring when the
      reverse; ties (including faces without votes) have no label and are not exported.
    - ``wilson:T``: interesting when the Wilson lower bound (95%) of the interesting share is
      at least T, boring when that of the boring share is; other faces are not exported.
      T in [0.5, 1): the two bounds can then never both pass.
    - ``soft``: the share of interesting votes in [0, 1] (faces without votes are not
      exported); the label is that number rather than a class.
    """

    name: str
    threshold: float | None = None

    @property
    def is_soft(self) -> bool:
        return self.name == "soft"

    def __str__(self) -> str:
        return f"wilson:{self.threshold:g}" if self.name == "wilson" else self.name


def label_rule_parse(text: str) -> LabelRule:
    name, _, arg = text.strip().partition(":")
    if name in ("majority", "soft") and not arg:
        return LabelRule(name)
    if name == "wilson":
        try:
            threshold = float(arg) if arg else 0.5
        except ValueError:
            threshold = -1.0
        if not 0.5 <= threshold < 1:
            raise LabelRuleError(f"wilson threshold must be a number in [0.5, 1), got {arg!r}")
        return LabelRule("wilson", threshold)
    raise LabelRuleError(
        f"unknown label rule {text!r}: use majority, wilson[:T] (e.g. wilson:0.6) or soft"
    )


def split_ratio_parse(text: str) -> tuple[int, int, int]:
    """ "80/10/10" (or "80,10,10"): whole percentages of train/valid/test summing to 100."""
    parts = text.replace(",", "/").split("/")
    try:
        ratio = tuple(int(p) for p in parts)
    except ValueError:
        ratio = ()
    if len(ratio) != 3 or min(ratio) < 0 or sum(ratio) != 100:
        raise LabelRuleError(
            f"split ratio must be three whole percentages summing to 100, e.g. 80/10/10, "
            f"got {text!r}"
        )
    return ratio


def split_bucket(face_id: int) -> int:
    """The face's bucket in [0, 100): the first 8 bytes of sha256(str(id)), modulo 100."""
    digest = hashlib.sha256(str(face_id).encode("ascii")).digest()
    return int.from_bytes(digest[:8], "big") % 100


def split_codes(face_ids: Sequence[int], ratio: Sequence[int] = DEFAULT_RATIO) -> np.ndarray:
    """Index into SPLITS (0 train, 1 valid, 2 test) for each face id, as int8."""
    buckets = np.fromiter((split_bucket(i) for i in face_ids), dtype=np.int16, count=len(face_ids))
    train, valid = ratio[0], ratio[0] + ratio[1]
    return np.where(buckets < train, 0, np.where(buckets < valid, 1, 2)).astype(np.int8)


def label_values(
    rule: LabelRule,
    *,
    interesting: np.ndarray,
    boring: np.ndarray,
    wilson_interesting: np.ndarray,
    wilson_boring: np.ndarray,
) -> np.ndarray:
    """The label of each face: int8 INTERESTING/BORING (-1: none) or, for soft, float32 share."""
    if rule.is_soft:
        total = interesting + boring
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, interesting / total, np.nan).astype(np.float32)
    if rule.name == "wilson":
        assert rule.threshold is not None
        yes = wilson_interesting >= rule.threshold
        no = wilson_boring >= rule.threshold
    else:
        yes, no = interesting > boring, boring > interesting
    return np.where(yes, INTERESTING, np.where(no, BORING, -1)).astype(np.int8)


def label_names(labels: np.ndarray) -> list[str | None]:
    """Hard label codes as "interesting" / "boring" / None."""
    names = {INTERESTING: "interesting", BORING: "boring"}
    return [names.get(code) for code in labels.tolist()]
