"""A juror's scores through the services: the scale, the round's kind and comment mode, dates, seats, confirmation."""

from __future__ import annotations

import math
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.audit.models import AuditRecord
from app.core.timeutil import utcnow
from app.extensions import db
from app.jury import services
from app.jury.models import CommentMode, JuryRound, Review, RoundJuror, RoundKind, Score, Verdict
from app.jury.services import InvalidScore, ReviewInput, ReviewNotFound, RoundNotOpen, ScoresConfirmed


def reviews_of(round_: JuryRound, juror) -> list[Review]:
    """A juror's active reviews in presentation order."""
    return list(
        db.session.scalars(
            select(Review)
            .where(Review.round_id == round_.id, Review.juror_id == juror.id, Review.removed_at.is_(None))
            .order_by(Review.position)
        )
    )


def full_scores(round_: JuryRound, value: float = 7.0) -> dict[int, float]:
    return {criterion.id: value for criterion in round_.criteria}


def score_count() -> int:
    return db.session.scalar(select(func.count(Score.id)))


def assert_untouched(review_id: int) -> None:
    """After the view's rollback: no score, no verdict, no comment, not complete."""
    db.session.rollback()
    review = db.session.get(Review, review_id)
    assert score_count() == 0
    assert review.verdict is None and review.comment == "" and review.completed_at is None
    assert review.updated_at is None


@pytest.fixture
def jurors(make_juror):
    return [make_juror(), make_juror()]


@pytest.fixture
def scoring(make_round, make_accepted, jurors):
    """An open scoring round (0–10 in 0.5 steps, three criteria, a comment per entry) of two entries."""
    make_accepted(2)
    return make_round(jurors)


@pytest.mark.parametrize("value", [10.5, -0.5, 7.3, 0.25, math.nan, math.inf, True, "7"])
def test_scoring_refuses_values_off_the_scale(scoring, jurors, value):
    juror = jurors[0]
    review = reviews_of(scoring, juror)[0]
    first, second = scoring.criteria[0], scoring.criteria[1]
    with pytest.raises(InvalidScore):  # the valid first score must not survive the refused second one
        services.save_review(review, juror, ReviewInput(scores={first.id: 5.0, second.id: value}))
    assert_untouched(review.id)


@pytest.mark.parametrize("value", [0.0, 0.5, 9.5, 10.0, 7])
def test_scoring_accepts_values_on_the_scale(scoring, jurors, value):
    juror = jurors[0]
    review = reviews_of(scoring, juror)[0]
    services.save_review(review, juror, ReviewInput(scores={scoring.criteria[0].id: value}))
    db.session.commit()
    assert [s.value for s in review.scores] == [float(value)]


def test_scoring_refuses_a_criterion_of_another_round(scoring, jurors, make_round):
    other = make_round(jurors, open=False, name_vi="Chung khảo", name_en="Final")
    juror = jurors[0]
    review = reviews_of(scoring, juror)[0]
    with pytest.raises(InvalidScore):
        services.save_review(review, juror, ReviewInput(scores={other.criteria[0].id: 5.0}))
    assert_untouched(review.id)
    with pytest.raises(InvalidScore):
        services.save_review(review, juror, ReviewInput(criterion_comments={other.criteria[0].id: "đẹp"}))
    assert_untouched(review.id)


def test_scoring_refuses_a_verdict_in_a_scoring_round(scoring, jurors):
    juror = jurors[0]
    review = reviews_of(scoring, juror)[0]
    with pytest.raises(InvalidScore):
        services.save_review(review, juror, ReviewInput(scores=full_scores(scoring), verdict=Verdict.YES))
    assert_untouched(review.id)


@pytest.fixture
def selection(make_round, make_accepted, jurors):
    """An open selection round without "maybe"."""
    make_accepted(2)
    return make_round(jurors, kind=RoundKind.SELECTION, criteria=(), allows_maybe=False)


def test_selection_refuses_scores_and_maybe_when_not_allowed(selection, jurors):
    juror = jurors[0]
    review = reviews_of(selection, juror)[0]
    with pytest.raises(InvalidScore):
        services.save_review(review, juror, ReviewInput(scores={1: 5.0}, verdict=Verdict.YES))
    assert_untouched(review.id)
    with pytest.raises(InvalidScore):
        services.save_review(review, juror, ReviewInput(verdict=Verdict.MAYBE))
    assert_untouched(review.id)
    services.save_review(review, juror, ReviewInput(verdict=Verdict.NO, comment="  bố cục chưa chặt  "))
    db.session.commit()
    assert review.verdict is Verdict.NO and review.completed_at is not None
    assert review.comment == "bố cục chưa chặt"
    services.save_review(review, juror, ReviewInput(clear_verdict=True))
    db.session.commit()
    assert review.verdict is None and review.completed_at is None


def test_selection_takes_maybe_when_allowed(make_round, make_accepted, jurors):
    make_accepted(1)
    round_ = make_round(jurors, kind=RoundKind.SELECTION, criteria=(), allows_maybe=True)
    review = reviews_of(round_, jurors[0])[0]
    services.save_review(review, jurors[0], ReviewInput(verdict=Verdict.MAYBE))
    db.session.commit()
    assert review.verdict is Verdict.MAYBE


@pytest.mark.parametrize(
    ("mode", "refused", "accepted"),
    [
        (CommentMode.NONE, "entry", None),
        (CommentMode.NONE, "criterion", None),
        (CommentMode.PER_ENTRY, "criterion", "entry"),
        (CommentMode.PER_CRITERION, "entry", "criterion"),
    ],
)
def test_scoring_comments_follow_the_comment_mode(make_round, make_accepted, jurors, mode, refused, accepted):
    make_accepted(1)
    round_ = make_round(jurors, comment_mode=mode)
    juror = jurors[0]
    review = reviews_of(round_, juror)[0]
    first = round_.criteria[0].id

    def comment(kind: str) -> ReviewInput:
        if kind == "entry":
            return ReviewInput(scores={first: 6.0}, comment="ánh sáng đẹp")
        return ReviewInput(scores={first: 6.0}, criterion_comments={first: "ánh sáng đẹp"})

    with pytest.raises(InvalidScore):
        services.save_review(review, juror, comment(refused))
    assert_untouched(review.id)
    if accepted:
        services.save_review(review, juror, comment(accepted))
        db.session.commit()
        stored = review.comment if accepted == "entry" else review.scores[0].comment
        assert stored == "ánh sáng đẹp"


def test_scoring_refuses_an_overlong_comment(scoring, jurors):
    juror = jurors[0]
    review = reviews_of(scoring, juror)[0]
    with pytest.raises(InvalidScore):
        services.save_review(review, juror, ReviewInput(scores=full_scores(scoring), comment="x" * 4001))
    assert_untouched(review.id)


def test_scoring_only_inside_the_round_dates(make_round, make_accepted, jurors):
    make_accepted(1)
    opens = utcnow() + timedelta(hours=1)
    closes = opens + timedelta(days=2)
    round_ = make_round(jurors, opens_at=opens, closes_at=closes)
    juror = jurors[0]
    review = reviews_of(round_, juror)[0]
    data = ReviewInput(scores=full_scores(round_))
    for moment in (None, opens - timedelta(seconds=1), closes):
        with pytest.raises(RoundNotOpen):
            services.save_review(review, juror, data, now=moment)
        assert_untouched(review.id)
    with pytest.raises(RoundNotOpen):
        services.confirm_scores(round_, juror, now=closes)
    services.save_review(review, juror, data, now=opens)
    services.save_review(review, juror, data, now=closes - timedelta(seconds=1))
    db.session.commit()
    assert score_count() == 3 and review.completed_at is not None


def test_scoring_another_jurors_review_is_not_found(scoring, jurors):
    mine, theirs = jurors
    review = reviews_of(scoring, theirs)[0]
    with pytest.raises(ReviewNotFound):
        services.review_for(scoring, mine, review.token)
    assert services.review_for(scoring, theirs, review.token) == review
    with pytest.raises(ReviewNotFound):
        services.save_review(review, mine, ReviewInput(scores=full_scores(scoring)))
    assert_untouched(review.id)


def test_scoring_a_juror_outside_the_round_is_not_found(scoring, jurors, make_juror):
    stranger = make_juror()
    with pytest.raises(ReviewNotFound):
        services.confirm_scores(scoring, stranger)


def test_scoring_completed_only_when_every_criterion_is_scored(scoring, jurors):
    juror = jurors[0]
    review = reviews_of(scoring, juror)[0]
    first, second, third = (c.id for c in scoring.criteria)
    services.save_review(review, juror, ReviewInput(scores={first: 6.0, second: 7.0}))
    db.session.commit()
    assert review.completed_at is None
    services.save_review(review, juror, ReviewInput(scores={third: 8.0}))
    db.session.commit()
    completed_at = review.completed_at
    assert completed_at is not None
    services.save_review(review, juror, ReviewInput(scores={third: 8.5}))  # a change keeps the first completion
    db.session.commit()
    assert review.completed_at == completed_at
    services.save_review(review, juror, ReviewInput(scores={second: None}))
    db.session.commit()
    assert review.completed_at is None
    assert {s.criterion_id: s.value for s in review.scores} == {first: 6.0, third: 8.5}
    assert score_count() == 2


def test_scoring_saves_are_audited_with_before_and_after(scoring, jurors):
    juror = jurors[0]
    review = reviews_of(scoring, juror)[0]
    first = scoring.criteria[0].id
    services.save_review(review, juror, ReviewInput(scores={first: 6.0}))
    services.save_review(review, juror, ReviewInput(scores={first: 6.0}))  # no change, no record
    services.save_review(review, juror, ReviewInput(scores={first: 4.5}))
    db.session.commit()
    records = db.session.scalars(
        select(AuditRecord).where(AuditRecord.action == "score.save").order_by(AuditRecord.id)
    ).all()
    assert [(r.before["scores"], r.after["scores"]) for r in records] == [
        ({}, {str(first): 6.0}),
        ({str(first): 6.0}, {str(first): 4.5}),
    ]
    assert {r.actor_id for r in records} == {juror.id}


def test_confirm_refused_with_the_number_of_reviews_missing(make_round, make_accepted, jurors):
    make_accepted(4)
    round_ = make_round(jurors)
    juror = jurors[0]
    reviews = reviews_of(round_, juror)
    services.save_review(reviews[0], juror, ReviewInput(scores=full_scores(round_)))
    services.save_review(reviews[1], juror, ReviewInput(scores={round_.criteria[0].id: 5.0}))  # incomplete
    db.session.commit()
    with pytest.raises(InvalidScore) as refused:
        services.confirm_scores(round_, juror)
    with force_locale("en"):
        assert str(refused.value.message) == "3 entries still need your scores before you can confirm."
    db.session.rollback()
    seat = db.session.scalar(select(RoundJuror).where(RoundJuror.round_id == round_.id, RoundJuror.user_id == juror.id))
    assert seat.confirmed_at is None


def test_confirm_locks_scores_until_the_chair_reopens_them(scoring, jurors, chair):
    juror = jurors[0]
    reviews = reviews_of(scoring, juror)
    for review in reviews:
        services.save_review(review, juror, ReviewInput(scores=full_scores(scoring)))
    services.confirm_scores(scoring, juror)
    db.session.commit()
    with pytest.raises(ScoresConfirmed):
        services.save_review(reviews[0], juror, ReviewInput(scores=full_scores(scoring, 2.0)))
    with pytest.raises(ScoresConfirmed):
        services.confirm_scores(scoring, juror)
    db.session.rollback()
    assert {s.value for s in db.session.scalars(select(Score))} == {7.0}

    with pytest.raises(InvalidScore):
        services.reopen_scores(scoring, juror, chair, "   ")
    db.session.rollback()
    with pytest.raises(services.RoundLocked):  # the other juror never confirmed
        services.reopen_scores(scoring, jurors[1], chair, "nothing to reopen")
    db.session.rollback()
    services.reopen_scores(scoring, juror, chair, "  chấm nhầm ảnh số 2  ")
    db.session.commit()
    record = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "score.reopen")).one()
    assert record.actor_id == chair.id and record.reason == "chấm nhầm ảnh số 2"
    assert record.after == {"confirmed": False, "juror_id": juror.id}

    services.save_review(reviews[0], juror, ReviewInput(scores=full_scores(scoring, 2.0)))
    db.session.commit()
    assert sorted(s.value for s in reviews[0].scores) == [2.0, 2.0, 2.0]
    services.confirm_scores(scoring, juror)
    db.session.commit()
    actions = list(db.session.scalars(select(AuditRecord.action).where(AuditRecord.action.like("score.%"))))
    assert actions.count("score.confirm") == 2 and actions.count("score.reopen") == 1
