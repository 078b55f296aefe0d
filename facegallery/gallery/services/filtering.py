"""The admission decision for freshly drawn faces: which are shown, which are filtered.

Until a scorer has been trained (or with the filter switched off) every face is admitted
with probability 1, unflagged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from facegallery.gallery.models import FaceStatus


@dataclass(frozen=True)
class Admission:
    status: int
    scorer_version: int | None = None
    score: float | None = None
    explored: bool = False
    admission_probability: float = 1.0

    def as_fields(self) -> dict:
        return {
            "status": self.status,
            "scorer_version": self.scorer_version,
            "score": self.score,
            "explored": self.explored,
            "admission_probability": self.admission_probability,
        }


ADMIT_ALL = Admission(status=FaceStatus.VISIBLE)


def admission_decide(*, drawings: Sequence[np.ndarray], temperature: float) -> list[Admission]:
    """One Admission per drawing, in order."""
    return [ADMIT_ALL] * len(drawings)


def expected_admit_rate(*, enabled: bool) -> float:
    """The share of drawn faces expected to be shown, for sizing top-up batches."""
    return 1.0
