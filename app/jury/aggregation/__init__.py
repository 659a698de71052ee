"""A jury round's scores turned into rankings, with numpy only: no Flask, database or models.

`ScoreSheet` holds the scores; `aggregate_round()` returns `RoundResults` with three methods side by
side (mean, trimmed mean, mean of per-juror z-scores), their ranks, standard errors and statistical
tie flags, and the jurors' agreement; `select_advancing()` picks who goes on and records the rule;
`juror_distributions()` feeds the chair's chart.

  sheet         ScoreSheet (juror × entry × criterion cube, weights normalised) and Scale
  methods       per-entry mean, trimmed mean (TrimRule) and z-score mean, competition ranks "1224"
  ties          statistical ties: |m_i − m_j| < z·√(se_i² + se_j²), adjacent in a ranking or across a cut
  agreement     Kendall's W (tie-corrected) and ICC(2,1)/ICC(2,k), complete designs only
  results       aggregate_round(), RoundResults, MethodScores, EntryRow, Method
  advancement   select_advancing() and Advancement: top N or threshold per category, with the rule in words
  distribution  juror_distributions() and JurorDistribution
"""

from app.jury.aggregation.advancement import Advancement, select_advancing
from app.jury.aggregation.agreement import Agreement, icc_two_way_random, kendalls_w
from app.jury.aggregation.distribution import JurorDistribution, juror_distributions
from app.jury.aggregation.methods import TrimRule, competition_ranks, juror_z_scores
from app.jury.aggregation.results import EntryRow, Method, MethodScores, RoundResults, aggregate_round
from app.jury.aggregation.sheet import Scale, ScoreSheet
from app.jury.aggregation.ties import DEFAULT_TIE_Z

__all__ = [
    "DEFAULT_TIE_Z",
    "Advancement",
    "Agreement",
    "EntryRow",
    "JurorDistribution",
    "Method",
    "MethodScores",
    "RoundResults",
    "Scale",
    "ScoreSheet",
    "TrimRule",
    "aggregate_round",
    "competition_ranks",
    "icc_two_way_random",
    "juror_distributions",
    "juror_z_scores",
    "kendalls_w",
    "select_advancing",
]
