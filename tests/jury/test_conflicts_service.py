"""Assignment as stored rows: balanced loads, conflicts of interest (linked, declared, by name), dropouts."""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.audit.models import AuditRecord
from app.extensions import db
from app.jury import services
from app.jury.models import (
    AssignmentMode,
    Conflict,
    ConflictSource,
    JuryRound,
    Review,
    RoundJuror,
    RoundKind,
    Score,
)
from app.jury.services import RoundNotReady
from tests.jury.conftest import CRITERIA


def active_pairs(round_: JuryRound) -> set[tuple[int, int]]:
    """(juror id, entry id) of the round's active reviews."""
    rows = db.session.execute(
        select(Review.juror_id, Review.entry_id).where(Review.round_id == round_.id, Review.removed_at.is_(None))
    )
    return {(juror_id, entry_id) for juror_id, entry_id in rows}


def jurors_per_entry(round_: JuryRound) -> dict[int, set[int]]:
    by_entry: dict[int, set[int]] = defaultdict(set)
    for juror_id, entry_id in active_pairs(round_):
        by_entry[entry_id].add(juror_id)
    return by_entry


def review_of(round_: JuryRound, juror_id: int, entry_id: int) -> Review:
    return db.session.scalars(
        select(Review).where(Review.round_id == round_.id, Review.juror_id == juror_id, Review.entry_id == entry_id)
    ).one()


def assert_positions_gapless(round_: JuryRound) -> None:
    """Every juror's active reviews are numbered 1..n in presentation order."""
    positions: dict[int, list[int]] = defaultdict(list)
    for juror_id, position in db.session.execute(
        select(Review.juror_id, Review.position).where(Review.round_id == round_.id, Review.removed_at.is_(None))
    ):
        positions[juror_id].append(position)
    for juror_id, numbers in positions.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), juror_id


def loads(round_: JuryRound) -> Counter:
    return Counter(juror_id for juror_id, _ in active_pairs(round_))


def full_scores(round_: JuryRound, value: float) -> services.ReviewInput:
    return services.ReviewInput(scores={criterion.id: value for criterion in round_.criteria})


def test_balanced_round_stores_n_jurors_per_entry_and_even_loads(make_round, make_accepted, make_juror):
    entries = make_accepted(7)
    jurors = [make_juror() for _ in range(3)]
    round_ = make_round(jurors, assignment_mode=AssignmentMode.BALANCED, jurors_per_entry=2)
    by_entry = jurors_per_entry(round_)
    assert set(by_entry) == {entry.id for entry in entries}
    assert all(len(js) == 2 for js in by_entry.values())
    assert db.session.scalar(select(func.count(Review.id)).where(Review.round_id == round_.id)) == 14
    assert sorted(loads(round_).values()) == [4, 5, 5]
    assert_positions_gapless(round_)


def test_all_mode_gives_every_juror_every_entry(make_round, make_accepted, make_juror):
    entries = make_accepted(3)
    jurors = [make_juror() for _ in range(2)]
    round_ = make_round(jurors)
    assert active_pairs(round_) == {(j.id, e.id) for j in jurors for e in entries}
    assert_positions_gapless(round_)


def test_linked_juror_never_meets_the_entrants_entries_at_open(make_round, make_accepted, make_juror, chair):
    entries = make_accepted(4)
    jurors = [make_juror() for _ in range(3)]
    linked, entry = jurors[0], entries[0]
    services.link_juror_to_entrant(entry.contest, linked, entry.entrant, "anh em ruột", chair)
    db.session.commit()
    round_ = make_round(jurors, assignment_mode=AssignmentMode.BALANCED, jurors_per_entry=2)
    assert db.session.scalar(select(func.count(Review.id)).where(Review.juror_id == linked.id,
                                                                 Review.entry_id == entry.id)) == 0
    assert jurors_per_entry(round_)[entry.id] == {jurors[1].id, jurors[2].id}
    assert all(len(js) == 2 for js in jurors_per_entry(round_).values())
    record = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "jury.conflict_link")).one()
    assert record.after == {"entrant_id": entry.entrant_id} and record.reason == "anh em ruột"


def test_linked_after_opening_removes_the_pair_and_replaces_the_juror(make_round, make_accepted, make_juror, chair):
    entries = make_accepted(6)
    jurors = [make_juror() for _ in range(4)]
    round_ = make_round(jurors, assignment_mode=AssignmentMode.BALANCED, jurors_per_entry=2)
    entry = entries[0]
    linked_id = min(jurors_per_entry(round_)[entry.id])
    linked = next(j for j in jurors if j.id == linked_id)
    review_ids_before = set(db.session.scalars(select(Review.id)))

    services.link_juror_to_entrant(round_.contest, linked, entry.entrant, "đồng nghiệp", chair)
    db.session.commit()
    removed = review_of(round_, linked_id, entry.id)
    assert removed.removed_at is not None and "đồng nghiệp" in removed.removed_reason
    by_entry = jurors_per_entry(round_)
    assert linked_id not in by_entry[entry.id] and len(by_entry[entry.id]) == 2
    assert all(len(js) == 2 for js in by_entry.values())
    assert review_ids_before <= set(db.session.scalars(select(Review.id)))  # rows are kept, never deleted
    assert len(active_pairs(round_)) == 12
    assert_positions_gapless(round_)
    with pytest.raises(services.ReviewNotFound):
        services.review_for(round_, linked, removed.token)


def test_declare_conflict_removes_the_pair_and_rebalances(make_round, make_accepted, make_juror):
    entries = make_accepted(6)
    jurors = [make_juror() for _ in range(4)]
    round_ = make_round(jurors, assignment_mode=AssignmentMode.BALANCED, jurors_per_entry=2)
    juror = jurors[0]
    review = db.session.scalars(
        select(Review).where(Review.round_id == round_.id, Review.juror_id == juror.id).order_by(Review.position)
    ).first()
    with pytest.raises(RoundNotReady):
        services.declare_conflict(review, juror, "  ")
    db.session.rollback()
    assert review.removed_at is None

    services.declare_conflict(review, juror, "tôi quen tác giả")
    db.session.commit()
    assert review.removed_at is not None
    conflict = db.session.scalars(select(Conflict)).one()
    assert (conflict.juror_id, conflict.entry_id) == (juror.id, review.entry_id)
    assert conflict.source is ConflictSource.DECLARED
    by_entry = jurors_per_entry(round_)
    assert juror.id not in by_entry[review.entry_id]
    assert all(len(js) == 2 for js in by_entry.values()) and set(by_entry) == {e.id for e in entries}
    assert max(loads(round_).values()) - min(loads(round_).values()) <= 1
    assert_positions_gapless(round_)
    record = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "round.conflict")).one()
    assert "tôi quen tác giả" in record.reason and record.subject_id == str(round_.id)


def test_name_linked_juror_is_excluded(make_round, make_accepted, make_juror):
    entries = make_accepted(3)
    entries[1].credit_name = "Lê Văn Hùng"
    db.session.commit()
    namesake = make_juror(full_name="LE VAN  HUNG".replace("  ", " "))
    other = make_juror()
    round_ = make_round([namesake, other])
    pairs = active_pairs(round_)
    assert (namesake.id, entries[1].id) not in pairs
    assert {(namesake.id, entries[0].id), (namesake.id, entries[2].id), (other.id, entries[1].id)} <= pairs
    assert len(pairs) == 5


def test_drop_out_hands_reviews_to_others_and_keeps_scores_out_of_results(
    make_round, make_accepted, make_juror, chair
):
    entries = make_accepted(6)
    jurors = [make_juror() for _ in range(4)]
    round_ = make_round(jurors, assignment_mode=AssignmentMode.BALANCED, jurors_per_entry=2)
    leaving, staying = jurors[0], jurors[1:]
    before = active_pairs(round_)
    leaving_entries = {e for j, e in before if j == leaving.id}
    # The leaving juror scores everything with a 10; the others score each of their entries with a 5.
    for review in db.session.scalars(select(Review).where(Review.round_id == round_.id)).all():
        value = 10.0 if review.juror_id == leaving.id else 5.0
        services.save_review(review, review.juror, full_scores(round_, value))
    db.session.commit()
    scored_by_others = {(j, e) for j, e in before if j != leaving.id}
    scores_before = db.session.scalar(select(func.count(Score.id)))

    services.drop_out_juror(round_, leaving, "ốm", chair)
    db.session.commit()
    after = active_pairs(round_)
    assert scored_by_others <= after  # already scored pairs stay where they were
    assert not any(j == leaving.id for j, _ in after)
    by_entry = jurors_per_entry(round_)
    assert all(len(js) == 2 for js in by_entry.values()) and set(by_entry) == {e.id for e in entries}
    for entry_id in leaving_entries:
        review = review_of(round_, leaving.id, entry_id)
        assert review.removed_at is not None and "ốm" in review.removed_reason
    assert db.session.scalar(select(func.count(Score.id))) == scores_before  # nothing deleted
    seat = db.session.scalar(select(RoundJuror).where(RoundJuror.round_id == round_.id,
                                                      RoundJuror.user_id == leaving.id))
    assert seat.dropped_out_at is not None and seat.dropout_reason == "ốm"
    assert_positions_gapless(round_)
    assert "round.dropout" in set(db.session.scalars(select(AuditRecord.action)))

    results = services.round_results(round_)
    assert leaving.id not in results.sheet.juror_ids
    assert {row.mean for row in results.rows()} == {5.0}  # the 10s are not counted
    with pytest.raises(RoundNotReady):
        services.drop_out_juror(round_, leaving, "again", chair)
    assert set(staying) <= {seat.user for seat in services.active_jurors(round_)}


def test_drop_out_refused_unless_open(make_round, make_accepted, make_juror, chair):
    make_accepted(2)
    jurors = [make_juror() for _ in range(2)]
    round_ = make_round(jurors, open=False)
    with pytest.raises(services.RoundLocked):
        services.drop_out_juror(round_, jurors[0], "ốm", chair)


def test_assignment_never_pairs_a_conflicted_juror_and_entry(
    app_ctx, contest, photo, chair, make_accepted, make_juror
):
    """Property, on stored rows: after open_round, no active review pairs a conflicted juror and entry, and
    each entry has min(N, unconflicted jurors) reviews (N = every juror in "all" mode)."""
    entries = make_accepted(12)
    jurors = [make_juror() for _ in range(6)]

    @settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        entry_count=st.integers(1, 12),
        juror_count=st.integers(1, 6),
        per_entry=st.one_of(st.none(), st.integers(1, 6)),
        conflicts=st.sets(st.tuples(st.integers(0, 5), st.integers(0, 11), st.booleans()), max_size=20),
        seed=st.text("0123456789abcdef", min_size=1, max_size=8),
    )
    def check(entry_count, juror_count, per_entry, conflicts, seed):
        chosen_entries, chosen_jurors = entries[:entry_count], jurors[:juror_count]
        conflicted = set()
        for juror_index, entry_index, by_entrant in conflicts:
            juror, entry = jurors[juror_index], entries[entry_index]
            if by_entrant:
                db.session.add(Conflict(contest_id=contest.id, juror_id=juror.id, entrant_id=entry.entrant_id,
                                        source=ConflictSource.LINKED, reason="linked"))
            else:
                db.session.add(Conflict(contest_id=contest.id, juror_id=juror.id, entry_id=entry.id,
                                        source=ConflictSource.DECLARED, reason="declared"))
            conflicted.add((juror.id, entry.id))  # each entrant has exactly one entry here
        for entry in entries[entry_count:]:
            entry.status = entry.status.__class__.REJECTED
        mode = AssignmentMode.ALL if per_entry is None else AssignmentMode.BALANCED
        round_ = services.create_round(
            contest,
            photo,
            services.RoundSettings(name_vi="Vòng", name_en="Round", kind=RoundKind.SCORING, criteria=CRITERIA,
                                   assignment_mode=mode, jurors_per_entry=per_entry),
            chair,
        )
        round_.seed = seed
        services.set_round_jurors(round_, chosen_jurors, chair)
        services.open_round(round_, chair)
        try:
            pairs = active_pairs(round_)
            assert not pairs & conflicted
            by_entry = jurors_per_entry(round_)
            for entry in chosen_entries:
                free = sum((j.id, entry.id) not in conflicted for j in chosen_jurors)
                wanted = free if per_entry is None else min(per_entry, free)
                assert len(by_entry.get(entry.id, ())) == wanted
            assert set(by_entry) <= {e.id for e in chosen_entries}
            assert_positions_gapless(round_)
        finally:
            db.session.rollback()

    check()
