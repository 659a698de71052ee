"""Which entries go on to the next round: the top N or everything at or above a threshold, per category.

Entries tied exactly at the cut all advance (so more than N may go on). Entries statistically tied with
one on the other side of the cut are listed, on both sides, for the chair to look at before deciding.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass

import numpy as np

from app.jury.aggregation.methods import TIE_DECIMALS, competition_ranks
from app.jury.aggregation.results import Method, RoundResults
from app.jury.aggregation.ties import cutoff_ties

_METHOD_NAMES = {
    Method.MEAN: "mean weighted score",
    Method.TRIMMED: "trimmed mean",
    Method.ZSCORE: "mean of per-juror z-scores",
}


@dataclass(frozen=True)
class Advancement:
    """The entries chosen per category, those statistically tied across the cut, and the rule in words."""

    method: Method
    description: str
    selected: dict[Hashable, tuple[Hashable, ...]]
    tied_at_cut: dict[Hashable, tuple[Hashable, ...]]

    @property
    def selected_ids(self) -> tuple[Hashable, ...]:
        """Every selected entry, category by category, best first."""
        return tuple(entry for entries in self.selected.values() for entry in entries)


def describe_rule(results: RoundResults, method: Method, top_n: int | None, threshold: float | None) -> str:
    """The advancement rule in words, to be recorded with the decision."""
    rule = f"top {top_n} (ties at the cut all advance)" if top_n is not None else f"score ≥ {threshold:g}"
    detail = f"; {results.trim_rule.describe()}" if method is Method.TRIMMED else ""
    return (
        f"{rule} per category by {_METHOD_NAMES[method]}{detail}; entries within "
        f"{results.tie_z:g}·√(se_i² + se_j²) of one across the cut flagged as tied"
    )


def select_advancing(
    results: RoundResults,
    method: Method,
    *,
    top_n: int | None = None,
    threshold: float | None = None,
    categories: Mapping[Hashable, Hashable] | None = None,
) -> Advancement:
    """Choose the top_n entries, or those scoring at least threshold, in each category under a method.

    `categories` maps entry id → category (all entries in one category, None, if omitted). The
    threshold is in the method's own units (z-score means for Method.ZSCORE). Unscored entries never advance.
    """
    if (top_n is None) == (threshold is None):
        raise ValueError("give exactly one of top_n and threshold")
    if top_n is not None and top_n < 0:
        raise ValueError("top_n cannot be negative")
    scores = results.methods[method]
    values = np.round(scores.values, TIE_DECIMALS)
    labels = [categories[entry] for entry in results.entry_ids] if categories else [None] * len(values)
    selected: dict[Hashable, tuple[Hashable, ...]] = {}
    tied_at_cut: dict[Hashable, tuple[Hashable, ...]] = {}
    for category, members in _group_positions(labels).items():
        scored = members[~np.isnan(values[members])]
        order = scored[np.argsort(-values[scored], kind="stable")]
        if top_n is not None:
            cut = int((competition_ranks(values[order]) <= top_n).sum())
        else:
            cut = int((values[order] >= round(threshold, TIE_DECIMALS)).sum())
        tied = cutoff_ties(values, scores.tie_standard_errors, order, cut, results.tie_z)
        selected[category] = tuple(results.entry_ids[i] for i in order[:cut].tolist())
        tied_at_cut[category] = tuple(results.entry_ids[i] for i in order[np.isin(order, tied)].tolist())
    return Advancement(method, describe_rule(results, method, top_n, threshold), selected, tied_at_cut)


def _group_positions(labels: list[Hashable]) -> dict[Hashable, np.ndarray]:
    """Entry positions per category, categories in order of first appearance."""
    groups: dict[Hashable, list[int]] = {}
    for position, label in enumerate(labels):
        groups.setdefault(label, []).append(position)
    return {label: np.array(positions, dtype=np.int64) for label, positions in groups.items()}
