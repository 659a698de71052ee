"""A round's results from stored scores, checked against numbers worked out by hand, and the advancement decision."""

from __future__ import annotations

import math

import pytest
from sqlalchemy import select

from app.entries.models import Entry
from app.extensions import db
from app.jury import services
from app.jury.aggregation import Method
from app.jury.models import AdvanceMethod, AssignmentMode, JuryRound, Review, RoundEntry, RoundKind, Verdict
from app.jury.services import AdvancementRefused, CriterionData, ReviewInput, RoundLocked
from tests.jury.conftest import score_all


def advanced(round_: JuryRound) -> set[int]:
    return set(
        db.session.scalars(select(RoundEntry.entry_id).where(RoundEntry.round_id == round_.id, RoundEntry.is_advanced))
    )


@pytest.fixture
def lenient_and_harsh(make_round, make_accepted, make_juror, chair):
    """Balanced, two jurors per entry. The lenient juror (quality + 2) judges A and B, the harsh one (quality − 2)
    C and D, a neutral juror (quality) all four; conflicts of interest steer the assignment that way."""
    a, b, c, d = make_accepted(4)
    lenient, harsh, neutral = make_juror(), make_juror(), make_juror()
    for entry in (c, d):
        services.link_juror_to_entrant(entry.contest, lenient, entry.entrant, "người nhà", chair)
    for entry in (a, b):
        services.link_juror_to_entrant(entry.contest, harsh, entry.entrant, "người nhà", chair)
    db.session.commit()
    round_ = make_round([lenient, harsh, neutral], assignment_mode=AssignmentMode.BALANCED, jurors_per_entry=2)
    quality = {a.id: 5.0, b.id: 4.0, c.id: 6.5, d.id: 5.5}
    score_all(round_, lenient, lambda review, criterion: quality[review.entry_id] + 2)
    score_all(round_, harsh, lambda review, criterion: quality[review.entry_id] - 2)
    score_all(round_, neutral, lambda review, criterion: quality[review.entry_id])
    return round_, (a, b, c, d), (lenient, harsh, neutral)


def test_results_zscore_corrects_lenient_and_harsh_jurors(lenient_and_harsh):
    round_, (a, b, c, d), (lenient, harsh, neutral) = lenient_and_harsh
    pairs = {(r.juror_id, r.entry_id) for r in db.session.scalars(select(Review).where(Review.removed_at.is_(None)))}
    assert pairs == {
        (lenient.id, a.id), (lenient.id, b.id), (harsh.id, c.id), (harsh.id, d.id),
        *((neutral.id, e.id) for e in (a, b, c, d)),
    }
    # Every criterion has the same score, so each juror's weighted score is that score.
    #   lenient: A 7, B 6          harsh: C 4.5, D 3.5          neutral: A 5, B 4, C 6.5, D 5.5
    # Means: A (7+5)/2 = 6, B (6+4)/2 = 5, C (4.5+6.5)/2 = 5.5, D (3.5+5.5)/2 = 4.5 → A, C, B, D.
    # Each pair of scores is 2 apart: s = √2, standard error s/√2 = 1.
    # z-scores (population sd per juror):
    #   lenient: mean 6.5, sd 0.5 → A +1, B −1;   harsh: mean 4, sd 0.5 → C +1, D −1
    #   neutral: mean 21/4 = 5.25, deviations −0.25, −1.25, +1.25, +0.25, sd = √(3.25/4)
    sd = math.sqrt(3.25 / 4)
    z_neutral = {a.id: -0.25 / sd, b.id: -1.25 / sd, c.id: 1.25 / sd, d.id: 0.25 / sd}
    z_own = {a.id: 1.0, b.id: -1.0, c.id: 1.0, d.id: -1.0}
    z_mean = {e: (z_own[e] + z_neutral[e]) / 2 for e in z_own}  # C 1.19, A 0.36, D −0.36, B −1.19
    mean = {a.id: 6.0, b.id: 5.0, c.id: 5.5, d.id: 4.5}

    results = services.round_results(round_)
    by_mean = results.rows(Method.MEAN)
    assert [row.entry_id for row in by_mean] == [a.id, c.id, b.id, d.id]
    assert [row.entry_id for row in results.rows(Method.ZSCORE)] == [c.id, a.id, d.id, b.id]
    for row in by_mean:
        assert row.jurors == 2
        assert row.mean == pytest.approx(mean[row.entry_id])
        assert row.trimmed_mean == pytest.approx(mean[row.entry_id])  # fewer than 5 jurors: nothing trimmed
        assert row.z_mean == pytest.approx(z_mean[row.entry_id])
        assert row.standard_error == pytest.approx(1.0)
    assert {row.entry_id: (row.ranks[Method.MEAN], row.ranks[Method.ZSCORE]) for row in by_mean} == {
        a.id: (1, 2), c.id: (2, 1), b.id: (3, 4), d.id: (4, 3)
    }


def test_results_leave_out_incomplete_reviews(make_round, make_accepted, make_juror):
    first, second = make_accepted(2)
    jurors = [make_juror(), make_juror()]
    round_ = make_round(jurors)
    score_all(round_, jurors[0], lambda review, c: 8.0 if review.entry_id == first.id else 6.0)
    partial = db.session.scalars(
        select(Review).where(Review.juror_id == jurors[1].id, Review.entry_id == first.id)
    ).one()
    # Two of three criteria: would pull the first entry down if it counted.
    services.save_review(partial, jurors[1], ReviewInput(scores={c.id: 1.0 for c in round_.criteria[:2]}))
    db.session.commit()
    assert partial.completed_at is None
    rows = {row.entry_id: row for row in services.round_results(round_).rows(Method.MEAN)}
    assert set(rows) == {first.id, second.id}
    assert (rows[first.id].jurors, rows[first.id].mean) == (1, 8.0)
    assert (rows[second.id].jurors, rows[second.id].mean) == (1, 6.0)


def test_results_weights_decide_the_ranking(make_round, make_accepted, make_juror, chair):
    x, y = make_accepted(2)
    jurors = [make_juror(), make_juror()]
    # Criterion 1 / criterion 2 scores: X 8 and 2, Y 4 and 6, from both jurors.
    given = {x.id: (8.0, 2.0), y.id: (4.0, 6.0)}

    def value_of(round_):
        first = round_.criteria[0].id
        return lambda review, c: given[review.entry_id][0 if c.id == first else 1]

    content_first = (CriterionData("Nội dung", "Content", 3.0), CriterionData("Kỹ thuật", "Technique", 1.0))
    first = make_round(jurors, criteria=content_first)
    for juror in jurors:
        score_all(first, juror, value_of(first))
    # Weights 3 and 1: X (3·8 + 1·2)/4 = 6.5, Y (3·4 + 1·6)/4 = 4.5.
    rows = services.round_results(first).rows(Method.MEAN)
    assert [(row.entry_id, row.mean) for row in rows] == [(x.id, 6.5), (y.id, 4.5)]
    services.close_round(first, chair)
    services.advance_entries(first, chair, AdvanceMethod.MEAN, top_n=2)
    services.finalise_round(first, chair)
    db.session.commit()

    technique_first = (CriterionData("Nội dung", "Content", 1.0), CriterionData("Kỹ thuật", "Technique", 3.0))
    final = make_round(jurors, criteria=technique_first, name_vi="Chung khảo", name_en="Final")
    for juror in jurors:
        score_all(final, juror, value_of(final))
    # Weights 1 and 3: X (8 + 3·2)/4 = 3.5, Y (4 + 3·6)/4 = 5.5.
    rows = services.round_results(final).rows(Method.MEAN)
    assert [(row.entry_id, row.mean) for row in rows] == [(y.id, 5.5), (x.id, 3.5)]


@pytest.fixture
def marked(make_round, make_accepted, make_juror):
    """A selection round of four entries marked by three jurors (the fourth entry by nobody)."""
    entries = make_accepted(4)
    jurors = [make_juror() for _ in range(3)]
    round_ = make_round(jurors, kind=RoundKind.SELECTION, criteria=(), min_yes=2)
    marks = {
        entries[0].id: (Verdict.YES, Verdict.YES, Verdict.NO),
        entries[1].id: (Verdict.YES, Verdict.MAYBE, Verdict.NO),
        entries[2].id: (Verdict.NO, Verdict.NO, Verdict.MAYBE),
    }
    for review in db.session.scalars(select(Review).where(Review.round_id == round_.id)).all():
        if review.entry_id in marks:
            verdict = marks[review.entry_id][[j.id for j in jurors].index(review.juror_id)]
            services.save_review(review, review.juror, ReviewInput(verdict=verdict))
    db.session.commit()
    return round_, entries


def test_selection_tally_counts_marks(marked):
    round_, entries = marked
    tally = services.selection_tally(round_)
    assert [(t.entry_id, t.yes, t.maybe, t.no) for t in tally] == [
        (entries[0].id, 2, 0, 1),
        (entries[1].id, 1, 1, 1),
        (entries[2].id, 0, 1, 2),
        (entries[3].id, 0, 0, 0),
    ]
    assert [t.jurors for t in tally] == [3, 3, 3, 0]


def test_selection_advances_by_yes_votes(marked, chair):
    round_, entries = marked
    with pytest.raises(RoundLocked):
        services.advance_entries(round_, chair, AdvanceMethod.YES_VOTES)
    db.session.rollback()
    services.close_round(round_, chair)
    db.session.commit()
    with pytest.raises(AdvancementRefused):
        services.advance_entries(round_, chair, AdvanceMethod.MEAN, top_n=1)
    db.session.rollback()
    outcome = services.advance_entries(round_, chair, AdvanceMethod.YES_VOTES)  # the round's min_yes: 2
    db.session.commit()
    assert outcome.selected == (entries[0].id,)
    assert advanced(round_) == {entries[0].id}
    outcome = services.advance_entries(round_, chair, AdvanceMethod.YES_VOTES, threshold=1)  # redone before finalising
    db.session.commit()
    assert set(outcome.selected) == advanced(round_) == {entries[0].id, entries[1].id}
    assert round_.advance_method is AdvanceMethod.YES_VOTES and round_.advance_threshold == 1


def test_advance_top_n_takes_both_entries_tied_at_the_cut(make_round, make_accepted, make_juror, chair):
    entries = make_accepted(4)
    jurors = [make_juror(), make_juror()]
    round_ = make_round(jurors)
    value = {entries[0].id: 9.0, entries[1].id: 7.0, entries[2].id: 7.0, entries[3].id: 5.0}
    for juror in jurors:
        score_all(round_, juror, lambda review, c: value[review.entry_id])
    services.close_round(round_, chair)
    outcome = services.advance_entries(round_, chair, AdvanceMethod.MEAN, top_n=2)
    db.session.commit()
    assert set(outcome.selected) == advanced(round_) == {entries[0].id, entries[1].id, entries[2].id}
    codes = {e.id: e.code for e in db.session.scalars(select(Entry))}
    record = services.round_results(round_)  # unchanged by advancing
    assert [row.mean for row in record.rows(Method.MEAN)] == [9.0, 7.0, 7.0, 5.0]
    assert round_.advance_top_n == 2 and "top 2" in round_.advance_rule
    assert codes[entries[3].id] not in str(round_.advance_rule)


def test_advance_refused_while_open(make_round, make_accepted, make_juror, chair):
    make_accepted(2)
    jurors = [make_juror()]
    round_ = make_round(jurors)
    with pytest.raises(RoundLocked):
        services.advance_entries(round_, chair, AdvanceMethod.ZSCORE, top_n=1)
    db.session.rollback()
    assert advanced(round_) == set() and round_.advanced_at is None
    assert services.round_results(round_).rows() == []  # nothing scored yet


def test_results_see_unflushed_changes(make_round, make_accepted, make_juror):
    entry = make_accepted(1)[0]
    juror = make_juror()
    round_ = make_round([juror])
    score_all(round_, juror, lambda review, c: 6.0)
    assert (round_.trim_proportion, round_.trim_min_jurors) == (0.1, 5)  # loaded now, so no lazy load flushes later
    for score in db.session.scalars(select(Review)).one().scores:
        score.value = 8.0  # pending in the session, not flushed
    assert [(row.entry_id, row.mean) for row in services.round_results(round_).rows()] == [(entry.id, 8.0)]
