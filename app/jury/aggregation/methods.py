"""Per-entry statistics over a (jurors × entries) matrix of weighted scores, NaN where a juror did not score.

Each function returns one value per entry (column) and never warns on empty columns: an entry no
juror scored gets NaN, which the results report as "unranked".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# Scores equal after rounding to this many decimals are exact ties (so float noise never splits a tie).
TIE_DECIMALS = 9


@dataclass(frozen=True)
class TrimRule:
    """Drop max(1, ⌊proportion·n⌋) jurors from each end of an entry's scores once at least min_jurors scored it."""

    proportion: float = 0.1
    min_jurors: int = 5

    def dropped_per_end(self, jurors: np.ndarray) -> np.ndarray:
        """How many scores to drop from each end for entries with these numbers of jurors."""
        if self.proportion <= 0:
            return np.zeros_like(jurors)
        drop = np.maximum(1, np.floor(self.proportion * jurors).astype(jurors.dtype))
        drop = np.minimum(drop, (jurors - 1) // 2)  # always keep at least one score
        return np.where(jurors >= self.min_jurors, drop, 0)

    def describe(self) -> str:
        """The rule in words, for the record."""
        return (
            f"trimmed mean: {self.proportion:g} of the jurors (at least one) dropped at each end "
            f"from {self.min_jurors} jurors"
        )


@dataclass(frozen=True)
class EntryStatistics:
    """One method's value, standard error and spread per entry; `pooled_sd` stands in where n < 2."""

    values: np.ndarray
    standard_errors: np.ndarray
    pooled_sd: float


def _column_moments(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per column: count of scores, mask of scores, mean and sample variance (ddof=1; NaN where n < 2)."""
    present = ~np.isnan(matrix)
    count = present.sum(axis=0)
    filled = np.where(present, matrix, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = filled.sum(axis=0) / count
        deviations = np.where(present, matrix - mean, 0.0)
        variance = (deviations**2).sum(axis=0) / (count - 1)
    variance[count < 2] = np.nan
    return count, present, mean, variance


def _pooled_sd(count: np.ndarray, variance: np.ndarray) -> float:
    """√(Σ(n−1)s² / Σ(n−1)) over the entries with at least two scores; NaN if there are none."""
    usable = count >= 2
    degrees = (count[usable] - 1).sum()
    return float(np.sqrt((variance[usable] * (count[usable] - 1)).sum() / degrees)) if degrees else float("nan")


def mean_scores(weighted: np.ndarray) -> EntryStatistics:
    """Plain mean of the jurors' weighted scores, with standard error s/√n."""
    count, _, mean, variance = _column_moments(weighted)
    with np.errstate(invalid="ignore", divide="ignore"):
        se = np.sqrt(variance / count)
    return EntryStatistics(mean, se, _pooled_sd(count, variance))


def trimmed_scores(weighted: np.ndarray, rule: TrimRule) -> EntryStatistics:
    """Trimmed mean per entry, with the Tukey–McLaughlin standard error s_w·√n / (n − 2k).

    s_w is the sample standard deviation of the winsorised scores (the k dropped at each end replaced
    by the nearest kept score); with k = 0 this is the plain mean and its standard error. The pooled sd
    that stands in for entries with fewer than two scores is the untrimmed one.
    """
    count = (~np.isnan(weighted)).sum(axis=0)
    drop = rule.dropped_per_end(count)
    ordered = np.sort(weighted, axis=0)  # NaN sorts last, so the n scores of an entry come first
    sums = np.vstack([np.zeros(ordered.shape[1]), np.cumsum(np.nan_to_num(ordered), axis=0)])
    columns = np.arange(ordered.shape[1])
    kept = count - 2 * drop
    with np.errstate(invalid="ignore", divide="ignore"):
        trimmed = (sums[count - drop, columns] - sums[drop, columns]) / kept
        low = ordered[np.minimum(drop, len(ordered) - 1), columns] if len(ordered) else trimmed
        high = ordered[np.clip(count - drop - 1, 0, None), columns] if len(ordered) else trimmed
        _, _, _, winsorised_variance = _column_moments(np.clip(weighted, low, high))
        se = np.sqrt(winsorised_variance * count) / kept
    _, _, _, variance = _column_moments(weighted)
    return EntryStatistics(trimmed, se, _pooled_sd(count, variance))


def juror_z_scores(weighted: np.ndarray) -> np.ndarray:
    """Each juror's weighted scores standardised over the entries they scored: z = (x − μ) / σ.

    σ is the population standard deviation (ddof=0) of that juror's scores, so each juror's z-scores
    have mean 0 and standard deviation 1. A juror with a single score or σ = 0 (scored everything
    alike) says nothing about the order of entries: all their z-scores are 0. Unscored stays NaN.
    """
    present = ~np.isnan(weighted)
    count = present.sum(axis=1, keepdims=True)
    filled = np.where(present, weighted, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = filled.sum(axis=1, keepdims=True) / count
        sd = np.sqrt((np.where(present, weighted - mean, 0.0) ** 2).sum(axis=1, keepdims=True) / count)
        informative = (count >= 2) & (sd > 1e-12 * np.maximum(1.0, np.abs(mean)))
        z = np.where(informative, (weighted - mean) / np.where(informative, sd, 1.0), 0.0)
    return np.where(present, z, np.nan)


def z_score_means(weighted: np.ndarray) -> EntryStatistics:
    """Mean of the jurors' z-scores per entry, with standard error s_z/√n."""
    return mean_scores(juror_z_scores(weighted))


def competition_ranks(values: np.ndarray) -> np.ndarray:
    """Rank 1 for the highest value, "1224" for exact ties, 0 for NaN (unranked)."""
    rounded = np.round(values, TIE_DECIMALS)
    ranked = ~np.isnan(rounded)
    descending = np.sort(-rounded[ranked])
    ranks = np.zeros(len(values), dtype=np.int64)
    ranks[ranked] = np.searchsorted(descending, -rounded[ranked], side="left") + 1
    return ranks


def ranking_order(values: np.ndarray) -> np.ndarray:
    """Positions of the ranked entries, best first; exact ties keep the entries' own order."""
    rounded = np.round(values, TIE_DECIMALS)
    ranked = np.flatnonzero(~np.isnan(rounded))
    return ranked[np.argsort(-rounded[ranked], kind="stable")]
