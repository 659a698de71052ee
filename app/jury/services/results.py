"""A round's results for the chair, and the advancement decision.

The weighted score of each complete review is computed in SQL (Σ weight·score / Σ weight), so only one
row per juror and entry crosses to Python: 300,000 rows for 20,000 entries and 15 jurors, however many
criteria. `app.jury.aggregation` then ranks them three ways, side by side.
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass

import numpy as np
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from app.audit.services import record_decision
from app.auth.models import User
from app.core.timeutil import utcnow
from app.entries.models import Entry
from app.extensions import db
from app.jury.aggregation import Method, RoundResults, Scale, ScoreSheet, TrimRule, aggregate_round, select_advancing
from app.jury.models import (
    AdvanceMethod,
    Criterion,
    JuryRound,
    Review,
    RoundEntry,
    RoundKind,
    RoundStatus,
    Score,
    Verdict,
)
from app.jury.services.errors import AdvancementRefused, RoundLocked

WEIGHTED = "weighted"  # the single column of a sheet built from SQL-weighted scores


def round_scale(round_: JuryRound) -> Scale:
    """The round's score scale as the aggregation module takes it."""
    return Scale(round_.scale_min, round_.scale_max, round_.scale_step)


def weighted_rows(round_: JuryRound) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(juror ids, entry ids, weighted scores) of every complete, active review of a scoring round."""
    total_weight = select(func.sum(Criterion.weight)).where(Criterion.round_id == round_.id).scalar_subquery()
    # Scores are summed per review_id alone, then joined to the reviews: grouping by one integer lets
    # PostgreSQL hash-aggregate in parallel (grouping after the join made it merge-join and sort, 2× slower).
    per_review = (
        select(Score.review_id, func.sum(Score.value * Criterion.weight).label("weighted"))
        .join(Criterion, Criterion.id == Score.criterion_id)
        .where(Criterion.round_id == round_.id)
        .group_by(Score.review_id)
        .subquery()
    )
    query = (
        select(Review.juror_id, Review.entry_id, per_review.c.weighted / total_weight)
        .join(per_review, per_review.c.review_id == Review.id)
        .where(Review.round_id == round_.id, Review.removed_at.is_(None), Review.completed_at.is_not(None))
    )
    # Core rows straight into one float array: the ORM's row handling and zip(*rows) took twice the SQL's time.
    # Ids stay exact as float64 (below 2**53). A Core execute does not autoflush, so flush first.
    db.session.flush()
    result = db.session.connection().execute(query)
    table = np.fromiter(itertools.chain.from_iterable(result), dtype=np.float64).reshape(-1, 3)
    return table[:, 0].astype(np.int64), table[:, 1].astype(np.int64), table[:, 2].copy()


def round_sheet(round_: JuryRound) -> ScoreSheet:
    """The round's weighted scores as a one-criterion sheet (weights already applied in SQL)."""
    jurors, entries, values = weighted_rows(round_)
    return ScoreSheet.from_arrays(jurors, entries, [WEIGHTED] * len(values), values, weights={WEIGHTED: 1.0})


def round_results(round_: JuryRound) -> RoundResults:
    """Mean, trimmed mean and z-score mean with ranks, ties and agreement for a scoring round."""
    trim = TrimRule(proportion=round_.trim_proportion, min_jurors=round_.trim_min_jurors)
    return aggregate_round(round_sheet(round_), trim)


@dataclass(frozen=True)
class Tally:
    """A selection round's marks for one entry."""

    entry_id: int
    yes: int
    maybe: int
    no: int

    @property
    def jurors(self) -> int:
        return self.yes + self.maybe + self.no


def selection_tally(round_: JuryRound) -> list[Tally]:
    """Yes / maybe / no counts per entry, most yes first (entries nobody marked come last with zeros)."""
    counts: dict[int, Counter] = {
        entry_id: Counter()
        for entry_id in db.session.scalars(select(RoundEntry.entry_id).where(RoundEntry.round_id == round_.id))
    }
    for entry_id, verdict, number in db.session.execute(
        select(Review.entry_id, Review.verdict, func.count(Review.id))
        .where(Review.round_id == round_.id, Review.removed_at.is_(None), Review.verdict.is_not(None))
        .group_by(Review.entry_id, Review.verdict)
    ):
        counts.setdefault(entry_id, Counter())[verdict] = number
    tallies = [Tally(e, c[Verdict.YES], c[Verdict.MAYBE], c[Verdict.NO]) for e, c in counts.items()]
    return sorted(tallies, key=lambda t: (-t.yes, -t.maybe, t.entry_id))


@dataclass(frozen=True)
class AdvancementOutcome:
    """Who goes on and the rule in words; tied_at_cut lists entries statistically tied across the cut."""

    method: AdvanceMethod
    description: str
    selected: tuple[int, ...]
    tied_at_cut: tuple[int, ...]


def preview_advancement(
    round_: JuryRound,
    method: AdvanceMethod,
    *,
    top_n: int | None = None,
    threshold: float | None = None,
    results: RoundResults | None = None,
) -> AdvancementOutcome:
    """What advancing by this rule would select, without changing anything."""
    if round_.kind is RoundKind.SELECTION:
        if method is not AdvanceMethod.YES_VOTES:
            raise AdvancementRefused(_l("A selection round advances by the number of yes votes."))
        return _selection_outcome(round_, threshold)
    if method is AdvanceMethod.YES_VOTES:
        raise AdvancementRefused(_l("A scoring round advances by score."))
    if (top_n is None) == (threshold is None):
        raise AdvancementRefused(_l("Give either a number of entries or a score threshold."))
    results = results or round_results(round_)
    advancement = select_advancing(results, Method(method.value), top_n=top_n, threshold=threshold)
    return AdvancementOutcome(
        method,
        advancement.description,
        tuple(advancement.selected_ids),
        tuple(e for entries in advancement.tied_at_cut.values() for e in entries),
    )


def advance_entries(
    round_: JuryRound,
    actor: User,
    method: AdvanceMethod,
    *,
    top_n: int | None = None,
    threshold: float | None = None,
) -> AdvancementOutcome:
    """Record which entries go on from a closed round, and how they were chosen (may be redone until finalised)."""
    if round_.status is not RoundStatus.CLOSED:
        raise RoundLocked(_l("Close the round before deciding who advances."))
    outcome = preview_advancement(round_, method, top_n=top_n, threshold=threshold)
    db.session.execute(update(RoundEntry).where(RoundEntry.round_id == round_.id).values(is_advanced=False))
    if outcome.selected:
        db.session.execute(
            update(RoundEntry)
            .where(RoundEntry.round_id == round_.id, RoundEntry.entry_id.in_(outcome.selected))
            .values(is_advanced=True)
        )
    before = {"method": round_.advance_method.value if round_.advance_method else None, "rule": round_.advance_rule}
    round_.advance_method, round_.advance_top_n, round_.advance_threshold = method, top_n, threshold
    round_.advance_rule, round_.advanced_at = outcome.description, utcnow()
    db.session.flush()
    codes = dict(db.session.execute(select(Entry.id, Entry.code).where(Entry.id.in_(outcome.selected))).all())
    tied = dict(db.session.execute(select(Entry.id, Entry.code).where(Entry.id.in_(outcome.tied_at_cut))).all())
    record_decision(
        actor,
        "round.advance",
        "jury_round",
        round_.id,
        before=before,
        after={
            "method": method.value,
            "top_n": top_n,
            "threshold": threshold,
            "advanced": sorted(codes.values()),
            "tied_at_cut": sorted(tied.values()),
        },
        reason=outcome.description,
        contest_id=round_.contest_id,
    )
    return outcome


def _selection_outcome(round_: JuryRound, threshold: float | None) -> AdvancementOutcome:
    minimum = int(threshold) if threshold is not None else round_.min_yes
    if minimum < 1:
        raise AdvancementRefused(_l("At least one yes vote is needed to advance."))
    selected = tuple(t.entry_id for t in selection_tally(round_) if t.yes >= minimum)
    return AdvancementOutcome(AdvanceMethod.YES_VOTES, f"at least {minimum} yes vote(s)", selected, ())
