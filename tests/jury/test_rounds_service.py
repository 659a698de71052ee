"""A round's life through the services: draft → open → closed → finalised, each step refused out of turn and audited."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditRecord
from app.extensions import db
from app.jury import services
from app.jury.models import AdvanceMethod, JuryRound, Review, RoundEntry, RoundKind, RoundStatus, Score
from app.jury.services import RoundLocked, RoundNotOpen, RoundNotReady, RoundSettings
from tests.jury.conftest import score_all


def round_actions(round_: JuryRound) -> list[str]:
    """The audit actions recorded about a round, oldest first."""
    return list(
        db.session.scalars(
            select(AuditRecord.action)
            .where(AuditRecord.subject_type == "jury_round", AuditRecord.subject_id == str(round_.id))
            .order_by(AuditRecord.id)
        )
    )


def entries_of(round_: JuryRound) -> set[int]:
    return set(db.session.scalars(select(RoundEntry.entry_id).where(RoundEntry.round_id == round_.id)))


def settings_like(round_: JuryRound, **changes) -> RoundSettings:
    """The round's current settings with some fields changed."""
    current = services.current_settings(round_)
    return RoundSettings(**{**current.__dict__, **changes})


@pytest.fixture
def two_jurors(make_juror):
    return [make_juror(), make_juror()]


def test_round_update_allowed_only_while_draft_and_audited(make_round, make_accepted, two_jurors, chair):
    make_accepted(2)
    round_ = make_round(two_jurors, open=False)
    services.update_round(round_, settings_like(round_, name_en="First look", scale_max=20.0), chair)
    db.session.commit()
    assert round_.name_en == "First look" and round_.scale_max == 20.0
    services.open_round(round_, chair)
    db.session.commit()
    with pytest.raises(RoundLocked):
        services.update_round(round_, settings_like(round_, name_en="Changed while open"), chair)
    with pytest.raises(RoundLocked):
        services.set_round_jurors(round_, two_jurors[:1], chair)
    with pytest.raises(RoundLocked):
        services.open_round(round_, chair)
    db.session.rollback()
    assert db.session.get(JuryRound, round_.id).name_en == "First look"
    assert round_actions(round_) == ["round.create", "round.jurors", "round.update", "round.open"]


def test_round_open_refused_without_criteria(make_round, make_accepted, two_jurors):
    make_accepted(2)
    round_ = make_round(two_jurors, criteria=(), open=False)
    with pytest.raises(RoundNotReady):
        services.open_round(round_, round_.contest.jury_chair)
    db.session.rollback()
    assert round_.status is RoundStatus.DRAFT
    assert db.session.scalar(select(func.count(Review.id))) == 0


def test_round_selection_opens_without_criteria(make_round, make_accepted, two_jurors):
    make_accepted(2)
    round_ = make_round(two_jurors, kind=RoundKind.SELECTION, criteria=())
    assert round_.status is RoundStatus.OPEN
    assert db.session.scalar(select(func.count(Review.id)).where(Review.round_id == round_.id)) == 4


def test_round_open_refused_without_jurors(make_round, make_accepted, chair):
    make_accepted(2)
    round_ = make_round([], open=False)
    with pytest.raises(RoundNotReady):
        services.open_round(round_, chair)
    db.session.rollback()
    assert db.session.get(JuryRound, round_.id).status is RoundStatus.DRAFT


def test_round_open_refused_without_entries(make_round, make_accepted, two_jurors, chair, video):
    make_accepted(2)  # photo entries; the video category has none
    round_ = make_round(two_jurors, category=video, open=False)
    with pytest.raises(RoundNotReady):
        services.open_round(round_, chair)
    db.session.rollback()
    assert entries_of(round_) == set()
    assert round_actions(round_) == ["round.create", "round.jurors"]


def test_round_jurors_must_be_on_the_contest_jury(make_round, make_entrant, two_jurors, chair):
    round_ = make_round(two_jurors, open=False)
    outsider = make_entrant(email="outsider@example.com", full_name="Người Ngoài")
    with pytest.raises(RoundNotReady):
        services.set_round_jurors(round_, [*two_jurors, outsider], chair)


def test_round_two_waits_for_round_one_and_takes_its_advanced_entries(make_round, make_accepted, two_jurors, chair):
    entries = make_accepted(5)
    first = make_round(two_jurors)
    second = make_round(two_jurors, open=False, name_vi="Chung khảo", name_en="Final")
    assert second.position == 2
    with pytest.raises(RoundNotReady):
        services.open_round(second, chair)
    db.session.rollback()

    rank_of = {entry.id: index for index, entry in enumerate(entries)}
    for juror in two_jurors:
        score_all(first, juror, lambda review, c: 9.0 - rank_of[review.entry_id])
    services.close_round(first, chair)
    db.session.commit()
    with pytest.raises(RoundNotReady):  # closed is not enough: finalised
        services.open_round(second, chair)
    db.session.rollback()
    with pytest.raises(RoundNotReady):  # a round follows, so finalising needs an advancement
        services.finalise_round(first, chair)
    db.session.rollback()

    outcome = services.advance_entries(first, chair, AdvanceMethod.MEAN, top_n=3)
    services.finalise_round(first, chair)
    services.open_round(second, chair)
    db.session.commit()
    expected = {entries[0].id, entries[1].id, entries[2].id}
    assert set(outcome.selected) == expected
    assert entries_of(second) == expected
    assert {r.entry_id for r in db.session.scalars(select(Review).where(Review.round_id == second.id))} == expected
    assert round_actions(first) == [
        "round.create",
        "round.jurors",
        "round.open",
        "round.close",
        "round.advance",
        "round.finalise",
    ]
    assert round_actions(second)[-1] == "round.open"


def test_round_last_finalises_without_advancement(make_round, make_accepted, two_jurors, chair):
    make_accepted(2)
    round_ = make_round(two_jurors)
    with pytest.raises(RoundLocked):  # only a closed round can be finalised
        services.finalise_round(round_, chair)
    services.close_round(round_, chair)
    services.finalise_round(round_, chair)
    db.session.commit()
    assert round_.status is RoundStatus.FINALISED and round_.finalised_at is not None
    assert round_.advanced_at is None
    assert round_actions(round_)[-2:] == ["round.close", "round.finalise"]


def test_round_finalised_refuses_every_change(make_round, make_accepted, two_jurors, chair):
    entries = make_accepted(3)
    round_ = make_round(two_jurors)
    juror = two_jurors[0]
    value_of = {entry.id: 5.0 + index for index, entry in enumerate(entries)}
    score_all(round_, juror, lambda review, c: value_of[review.entry_id])
    services.close_round(round_, chair)
    services.advance_entries(round_, chair, AdvanceMethod.MEAN, top_n=1)
    services.finalise_round(round_, chair)
    db.session.commit()
    scores_before = db.session.scalar(select(func.count(Score.id)))
    review = db.session.scalars(select(Review).where(Review.round_id == round_.id, Review.juror_id == juror.id)).first()
    criterion = round_.criteria[0]

    with pytest.raises(RoundNotOpen):
        services.save_review(review, juror, services.ReviewInput(scores={criterion.id: 2.0}))
    with pytest.raises(RoundLocked):
        services.advance_entries(round_, chair, AdvanceMethod.MEAN, top_n=2)
    with pytest.raises(RoundLocked):
        services.reopen_round(round_, chair, "one more look")
    with pytest.raises(RoundLocked):
        services.close_round(round_, chair)
    with pytest.raises(RoundLocked):
        services.finalise_round(round_, chair)
    with pytest.raises(RoundLocked):
        services.update_round(round_, settings_like(round_, name_en="Renamed"), chair)
    db.session.rollback()
    assert db.session.scalar(select(func.count(Score.id))) == scores_before
    assert {s.value for s in db.session.scalars(select(Score))} == {5.0, 6.0, 7.0}
    assert db.session.get(JuryRound, round_.id).status is RoundStatus.FINALISED
    assert set(db.session.scalars(select(RoundEntry.entry_id).where(RoundEntry.is_advanced))) == {entries[2].id}
    assert round_actions(round_)[-1] == "round.finalise"


def test_round_reopen_until_advanced(make_round, make_accepted, two_jurors, chair):
    make_accepted(2)
    round_ = make_round(two_jurors)
    with pytest.raises(RoundLocked):  # only a closed round reopens
        services.reopen_round(round_, chair, "too early")
    services.close_round(round_, chair)
    services.reopen_round(round_, chair, "a juror asked for another day")
    db.session.commit()
    assert round_.status is RoundStatus.OPEN and round_.closed_at is None
    record = db.session.scalars(
        select(AuditRecord).where(AuditRecord.action == "round.reopen", AuditRecord.subject_id == str(round_.id))
    ).one()
    assert record.reason == "a juror asked for another day"

    for juror in two_jurors:
        score_all(round_, juror, lambda review, c: 6.0)
    services.close_round(round_, chair)
    services.advance_entries(round_, chair, AdvanceMethod.MEAN, top_n=1)
    db.session.commit()
    with pytest.raises(RoundLocked):
        services.reopen_round(round_, chair, "after advancement")
    db.session.rollback()
    assert db.session.get(JuryRound, round_.id).status is RoundStatus.CLOSED
    assert round_actions(round_) == [
        "round.create",
        "round.jurors",
        "round.open",
        "round.close",
        "round.reopen",
        "round.close",
        "round.advance",
    ]


def test_round_advance_refused_while_open(make_round, make_accepted, two_jurors, chair):
    make_accepted(2)
    round_ = make_round(two_jurors)
    with pytest.raises(RoundLocked):
        services.advance_entries(round_, chair, AdvanceMethod.MEAN, top_n=1)
    db.session.rollback()
    assert db.session.get(JuryRound, round_.id).advanced_at is None
    assert "round.advance" not in round_actions(round_)
