"""A round's results: every entry's score, standard error, rank and tie flag under each method, side by side."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from app.jury.aggregation.agreement import Agreement, round_agreement
from app.jury.aggregation.methods import (
    EntryStatistics,
    TrimRule,
    competition_ranks,
    mean_scores,
    ranking_order,
    trimmed_scores,
    z_score_means,
)
from app.jury.aggregation.sheet import ScoreSheet
from app.jury.aggregation.ties import DEFAULT_TIE_Z, adjacent_ties, usable_standard_errors


class Method(StrEnum):
    """How jurors' weighted scores become one score per entry."""

    MEAN = "mean"
    TRIMMED = "trimmed"
    ZSCORE = "zscore"


@dataclass(frozen=True, eq=False)
class MethodScores:
    """One method's outcome, arrays aligned with the round's entry_ids.

    `ranks` are competition ranks (0 = no juror scored the entry); `order` lists entry positions best
    first; `tied_with_next[i]` says order[i] is statistically tied with order[i + 1].
    """

    method: Method
    values: np.ndarray
    standard_errors: np.ndarray
    tie_standard_errors: np.ndarray
    ranks: np.ndarray
    order: np.ndarray
    tied_with_next: np.ndarray

    @property
    def statistically_tied(self) -> np.ndarray:
        """Per entry: is it statistically tied with the entry just above or just below it?"""
        flagged = np.zeros(len(self.values), dtype=bool)
        flagged[self.order[:-1][self.tied_with_next]] = True
        flagged[self.order[1:][self.tied_with_next]] = True
        return flagged


@dataclass(frozen=True)
class EntryRow:
    """One line of the chair's results table; None where a value does not exist."""

    entry_id: Hashable
    jurors: int
    mean: float | None
    standard_error: float | None
    trimmed_mean: float | None
    z_mean: float | None
    ranks: dict[Method, int | None]
    statistically_tied: bool


@dataclass(frozen=True, eq=False)
class RoundResults:
    """Everything the chair sees about a round's scores. `weighted` is jurors × entries, NaN where unscored."""

    sheet: ScoreSheet
    weighted: np.ndarray
    jurors_per_entry: np.ndarray
    methods: dict[Method, MethodScores]
    agreement: Agreement
    trim_rule: TrimRule
    tie_z: float

    @property
    def entry_ids(self) -> tuple:
        """Entry ids, in the order of every per-entry array."""
        return self.sheet.entry_ids

    def ranking(self, method: Method) -> list[Hashable]:
        """Entry ids best first under a method; entries nobody scored are left out."""
        return [self.entry_ids[position] for position in self.methods[method].order.tolist()]

    def tie_groups(self, method: Method) -> list[tuple[Hashable, ...]]:
        """Runs of adjacent entries in a method's ranking that are statistically tied, best first."""
        scores = self.methods[method]
        if not len(scores.order):
            return []
        groups: list[tuple[Hashable, ...]] = []
        run: list[Hashable] = []
        for position, tied_next in zip(scores.order.tolist(), [*scores.tied_with_next.tolist(), False], strict=True):
            run.append(self.entry_ids[position])
            if not tied_next:
                if len(run) > 1:
                    groups.append(tuple(run))
                run = []
        return groups

    def rows(self, method: Method = Method.ZSCORE, start: int = 0, stop: int | None = None) -> list[EntryRow]:
        """The results table in a method's ranking order, then the entries nobody scored (lines start:stop only)."""
        chosen = self.methods[method]
        unscored = np.flatnonzero(chosen.ranks == 0)
        columns = {name: scores.values.tolist() for name, scores in self.methods.items()}
        ranks = {name: scores.ranks.tolist() for name, scores in self.methods.items()}
        se = self.methods[Method.MEAN].standard_errors.tolist()
        tied = chosen.statistically_tied.tolist()
        jurors = self.jurors_per_entry.tolist()
        return [
            EntryRow(
                entry_id=self.entry_ids[i],
                jurors=jurors[i],
                mean=_number(columns[Method.MEAN][i]),
                standard_error=_number(se[i]),
                trimmed_mean=_number(columns[Method.TRIMMED][i]),
                z_mean=_number(columns[Method.ZSCORE][i]),
                ranks={name: ranks[name][i] or None for name in self.methods},
                statistically_tied=tied[i],
            )
            for i in [*chosen.order.tolist(), *unscored.tolist()][start:stop]
        ]


def _number(value: float) -> float | None:
    """A float, or None for NaN."""
    return None if value != value else value


def _method_scores(method: Method, statistics: EntryStatistics, jurors: np.ndarray, tie_z: float) -> MethodScores:
    """Ranks, ranking order and adjacent tie flags for one method's statistics."""
    order = ranking_order(statistics.values)
    tie_se = usable_standard_errors(statistics, jurors)
    return MethodScores(
        method=method,
        values=statistics.values,
        standard_errors=statistics.standard_errors,
        tie_standard_errors=tie_se,
        ranks=competition_ranks(statistics.values),
        order=order,
        tied_with_next=adjacent_ties(statistics.values, tie_se, order, tie_z),
    )


def aggregate_round(sheet: ScoreSheet, trim_rule: TrimRule | None = None, tie_z: float = DEFAULT_TIE_Z) -> RoundResults:
    """Weighted scores, the three methods with ranks and tie flags, and the jurors' agreement, for one round."""
    trim_rule = trim_rule or TrimRule()
    weighted = sheet.weighted_scores()
    jurors = (~np.isnan(weighted)).sum(axis=0)
    statistics = {
        Method.MEAN: mean_scores(weighted),
        Method.TRIMMED: trimmed_scores(weighted, trim_rule),
        Method.ZSCORE: z_score_means(weighted),
    }
    methods = {method: _method_scores(method, stats, jurors, tie_z) for method, stats in statistics.items()}
    return RoundResults(sheet, weighted, jurors, methods, round_agreement(weighted), trim_rule, tie_z)
