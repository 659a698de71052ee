"""Entries the jury cannot tell apart: adjacent in a ranking, or on either side of an advancement cut.

Two entries i and j are statistically tied when |m_i − m_j| < z·√(se_i² + se_j²), i.e. their difference
is within z standard errors of the difference (z = 1.0 by default: about a 68 % band, deliberately
generous, because a flag only asks the chair to look). Exact ties are always tied. An entry scored by a
single juror has no standard error of its own; it borrows the round's pooled one, sd_pooled/√n, and if
the round has none either it is tied with everything, so it is always looked at.
"""

from __future__ import annotations

import numpy as np

from app.jury.aggregation.methods import TIE_DECIMALS, EntryStatistics

DEFAULT_TIE_Z = 1.0
_BLOCK = 1024  # rows of the pairwise comparison done at once near a cut


def usable_standard_errors(statistics: EntryStatistics, jurors: np.ndarray) -> np.ndarray:
    """Each entry's standard error, the pooled one where it has none, +inf where neither exists."""
    with np.errstate(divide="ignore", invalid="ignore"):
        fallback = statistics.pooled_sd / np.sqrt(jurors)
    se = np.where(np.isnan(statistics.standard_errors), fallback, statistics.standard_errors)
    return np.where(np.isnan(se), np.inf, se)


def tied(first: np.ndarray, second: np.ndarray, se_first: np.ndarray, se_second: np.ndarray, z: float) -> np.ndarray:
    """Elementwise: are these pairs of values statistically (or exactly) tied?"""
    difference = np.abs(np.round(first, TIE_DECIMALS) - np.round(second, TIE_DECIMALS))
    with np.errstate(invalid="ignore"):
        return (difference == 0) | (difference < z * np.sqrt(se_first**2 + se_second**2))


def adjacent_ties(values: np.ndarray, se: np.ndarray, order: np.ndarray, z: float) -> np.ndarray:
    """For a ranking `order` (positions, best first): is each entry tied with the next one? Length len(order)−1."""
    return tied(values[order[:-1]], values[order[1:]], se[order[:-1]], se[order[1:]], z)


def cutoff_ties(values: np.ndarray, se: np.ndarray, order: np.ndarray, cut: int, z: float) -> np.ndarray:
    """Positions of entries in order[:cut] tied with any in order[cut:], and of those tied the other way round.

    Only entries within reach of the best-placed entry on the other side are compared pairwise, so
    a cut in a long ranking costs about as much as the entries near it.
    """
    inside, outside = order[:cut], order[cut:]
    if not len(inside) or not len(outside):
        return np.array([], dtype=np.int64)
    # m_i − m_j ≥ m_i − max(m_out) and se_j ≤ max(se_out): an entry failing this is tied with nobody across.
    with np.errstate(invalid="ignore"):
        near_in = inside[values[inside] - values[outside].max() <= z * np.hypot(se[inside], se[outside].max())]
        near_out = outside[values[inside].min() - values[outside] <= z * np.hypot(se[outside], se[inside].max())]
    flagged_in = np.zeros(len(near_in), dtype=bool)
    flagged_out = np.zeros(len(near_out), dtype=bool)
    for start in range(0, len(near_in), _BLOCK):
        block = near_in[start : start + _BLOCK]
        pairs = tied(values[block, None], values[None, near_out], se[block, None], se[None, near_out], z)
        flagged_in[start : start + _BLOCK] = pairs.any(axis=1)
        flagged_out |= pairs.any(axis=0)
    return np.concatenate([near_in[flagged_in], near_out[flagged_out]])
