"""Ranking scores kept next to a face's vote counters (pure maths, no Django).

The gallery sorts by these columns through indexes, so they are recomputed in the same
UPDATE that changes the counters rather than at query time.
"""

from __future__ import annotations

import math

Z_95 = 1.959963984540054  # two-sided 95% normal quantile


def wilson_lower_bound(positive: int, total: int, z: float = Z_95) -> float:
    """Lower bound of the Wilson score interval for a Bernoulli share (Wilson 1927).

    Ranks "3 of 3 interesting" below "90 of 100": few votes mean a wide interval.
    0.0 when there are no votes.
    """
    if total <= 0:
        return 0.0
    share = positive / total
    z2 = z * z
    centre = share + z2 / (2 * total)
    margin = z * math.sqrt((share * (1 - share) + z2 / (4 * total)) / total)
    return (centre - margin) / (1 + z2 / total)


def controversy(interesting: int, boring: int) -> float:
    """High when many votes split evenly: total ** balance (balance = minority / majority)."""
    if interesting <= 0 or boring <= 0:
        return 0.0
    balance = min(interesting, boring) / max(interesting, boring)
    return float((interesting + boring) ** balance)


def face_ranking(interesting: int, boring: int) -> dict[str, float]:
    """The ranking columns of a face for the given counters."""
    total = interesting + boring
    return {
        "wilson_interesting": wilson_lower_bound(interesting, total),
        "wilson_boring": wilson_lower_bound(boring, total),
        "controversy": controversy(interesting, boring),
    }
