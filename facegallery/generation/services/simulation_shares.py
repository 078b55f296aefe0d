"""The simulation's measures (simulation.py): per taste on a stretch of draws, the floor, the
shown share, the oracle ceiling and the gap closed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from facegallery.gallery.models import Face, FaceStatus
from facegallery.scoring.services.features import normalised_drawings
from generator.tastes import Population, tastes_judge


def oracle_ceiling(*, liked: int, admitted: int) -> float:
    """The best liked share of `admitted` faces chosen from draws of which `liked` are liked."""
    return min(liked, admitted) / admitted if admitted else float("nan")


def oracle_on_base(base: Share, tuned: Share) -> float:
    """The best shown share a perfect filter could reach on the base weights' draws, admitting
    the share of them that the filter admitted of the tuned generator's: what tuning plus the
    filter must beat to be worth more than filtering alone (issue 17)."""
    admitted = round(tuned.admitted * base.drawn / tuned.drawn) if tuned.drawn else 0
    return oracle_ceiling(liked=base.liked_drawn, admitted=admitted)


def gap_closed(*, floor: float, shown: float, ceiling: float) -> float:
    """(shown - floor) / (ceiling - floor); NaN when the ceiling is the floor (nothing to win)."""
    if not ceiling - floor > 1e-12:
        return float("nan")
    return (shown - floor) / (ceiling - floor)


@dataclass(frozen=True)
class Share:
    """One taste's standing on one stretch of draws."""

    taste: str
    drawn: int
    admitted: int
    liked_drawn: int
    liked_admitted: int

    @property
    def floor(self) -> float:
        return self.liked_drawn / self.drawn if self.drawn else float("nan")

    @property
    def shown(self) -> float:
        return self.liked_admitted / self.admitted if self.admitted else float("nan")

    @property
    def ceiling(self) -> float:
        return oracle_ceiling(liked=self.liked_drawn, admitted=self.admitted)

    @property
    def gap_closed(self) -> float:
        return gap_closed(floor=self.floor, shown=self.shown, ceiling=self.ceiling)

    def as_dict(self) -> dict:
        return {
            "taste": self.taste,
            "drawn": self.drawn,
            "admitted": self.admitted,
            "floor": self.floor,
            "shown": self.shown,
            "ceiling": self.ceiling,
            "gap_closed": self.gap_closed,
        }


def shares_measure(population: Population, *, first_id: int, last_id: int) -> list[Share]:
    """Per group: its taste on the faces drawn with ids in (first_id, last_id]."""
    rows = list(
        Face.objects.filter(pk__gt=first_id, pk__lte=last_id)
        .exclude(status=FaceStatus.HIDDEN)
        .order_by("id")
        .values_list("strokes", "status", "generator__scale_factor")
    )
    shown = np.array([status == FaceStatus.VISIBLE for _, status, _ in rows], bool)
    scale = rows[0][2] if rows else 1.0
    liked = tastes_judge(
        list(population.tastes), normalised_drawings([bytes(r[0]) for r in rows], scale)
    )
    return [
        Share(
            taste=taste,
            drawn=len(rows),
            admitted=int(shown.sum()),
            liked_drawn=int(liked[taste].sum()),
            liked_admitted=int(liked[taste][shown].sum()),
        )
        for taste in population.tastes
    ]
