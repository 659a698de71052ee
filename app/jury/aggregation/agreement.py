"""Agreement between the jurors of a round: Kendall's W and the two-way random ICC (Shrout & Fleiss 1979).

Both need complete data, every juror scoring every entry; for any other design they return None and
say why (the balanced assignment gives each entry only some of the jurors, and the usual formulas do
not apply; the per-entry standard errors still show where the jury disagrees).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Agreement:
    """Kendall's W, ICC(2,1) and ICC(2,k) of a round, each None with a reason when it cannot be computed."""

    kendall_w: float | None
    kendall_w_reason: str | None
    icc_single: float | None
    icc_average: float | None
    icc_reason: str | None


def _completeness_problem(weighted: np.ndarray) -> str | None:
    """Why a jurors × entries matrix cannot be used for W or ICC, or None if it can."""
    jurors, entries = weighted.shape
    if jurors < 2 or entries < 2:
        return f"needs at least 2 jurors and 2 entries (has {jurors} and {entries})"
    missing = int(np.isnan(weighted).sum())
    if missing:
        return f"incomplete design: {missing} of {weighted.size} juror × entry scores missing"
    return None


def average_ranks(row: np.ndarray) -> tuple[np.ndarray, float]:
    """Ranks 1..n of one juror's scores (ties share their average rank), and Σ(t³ − t) over tie groups."""
    _, inverse, counts = np.unique(row, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    shared = ends - (counts - 1) / 2.0
    return shared[inverse], float((counts.astype(float) ** 3 - counts).sum())


def kendalls_w(weighted: np.ndarray) -> tuple[float | None, str | None]:
    """Kendall's coefficient of concordance with tie correction, W = 12S / (m²(n³ − n) − m·ΣT).

    m jurors rank n entries (rows are jurors); S = Σ(R_i − R̄)² over the entries' rank sums R_i;
    T = Σ(t³ − t) over each juror's groups of t tied entries. 0 = no agreement, 1 = identical rankings.
    """
    problem = _completeness_problem(weighted)
    if problem:
        return None, problem
    m, n = weighted.shape
    ranks = np.empty_like(weighted)
    ties = 0.0
    for juror, row in enumerate(weighted):
        ranks[juror], juror_ties = average_ranks(row)
        ties += juror_ties
    rank_sums = ranks.sum(axis=0)
    s = float(((rank_sums - rank_sums.mean()) ** 2).sum())
    denominator = m**2 * (n**3 - n) - m * ties
    if denominator <= 0:
        return None, "every juror gave every entry the same score"
    return 12 * s / denominator, None


def icc_two_way_random(weighted: np.ndarray) -> tuple[float | None, float | None, str | None]:
    """ICC(2,1) and ICC(2,k) of Shrout & Fleiss (1979): two-way random effects, absolute agreement.

    With entries as targets (n) and jurors as judges (k), from the two-way ANOVA mean squares
    BMS (entries), JMS (jurors) and EMS (residual):
      ICC(2,1) = (BMS − EMS) / (BMS + (k − 1)·EMS + k·(JMS − EMS)/n)   one juror's reliability
      ICC(2,k) = (BMS − EMS) / (BMS + (JMS − EMS)/n)                   the mean of k jurors' reliability
    """
    problem = _completeness_problem(weighted)
    if problem:
        return None, None, problem
    table = weighted.T  # targets × judges, as in the paper
    n, k = table.shape
    grand = table.mean()
    between_targets = k * ((table.mean(axis=1) - grand) ** 2).sum()
    between_judges = n * ((table.mean(axis=0) - grand) ** 2).sum()
    residual = ((table - grand) ** 2).sum() - between_targets - between_judges
    bms = between_targets / (n - 1)
    jms = between_judges / (k - 1)
    ems = residual / ((n - 1) * (k - 1))
    single_denominator = bms + (k - 1) * ems + k * (jms - ems) / n
    average_denominator = bms + (jms - ems) / n
    if single_denominator <= 0 or average_denominator <= 0:
        return None, None, "no variance between entries or jurors"
    return float((bms - ems) / single_denominator), float((bms - ems) / average_denominator), None


def round_agreement(weighted: np.ndarray) -> Agreement:
    """Kendall's W and ICC(2,1)/ICC(2,k) of a jurors × entries matrix of weighted scores."""
    w, w_reason = kendalls_w(weighted)
    single, average, icc_reason = icc_two_way_random(weighted)
    return Agreement(w, w_reason, single, average, icc_reason)
