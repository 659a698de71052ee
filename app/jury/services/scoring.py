"""A juror's scores: saved one field at a time (autosave), checked against the round's scale, confirmed at the end.

Every save is one audit record with what changed before and after, so a disputed score can be traced.
After confirming, only the chair can reopen a juror's scores (audited with a reason).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.audit.services import record_decision
from app.auth.models import User
from app.core.timeutil import utcnow
from app.extensions import db
from app.jury.models import CommentMode, JuryRound, Review, RoundJuror, RoundKind, RoundStatus, Score, Verdict
from app.jury.services.errors import InvalidScore, ReviewNotFound, RoundLocked, RoundNotOpen, ScoresConfirmed

COMMENT_MAX = 4000
_STEP_TOLERANCE = 1e-9


@dataclass(frozen=True)
class ReviewInput:
    """What a juror sends for one entry; only the fields present change (None in scores clears one)."""

    scores: dict[int, float | None] = field(default_factory=dict)  # criterion id → value
    criterion_comments: dict[int, str] = field(default_factory=dict)
    comment: str | None = None
    verdict: Verdict | None = None
    clear_verdict: bool = False


def review_for(round_: JuryRound, juror: User, token: str) -> Review:
    """The juror's active review with this token in this round; ReviewNotFound otherwise."""
    review = db.session.scalar(
        select(Review).where(
            Review.round_id == round_.id,
            Review.juror_id == juror.id,
            Review.token == token,
            Review.removed_at.is_(None),
        )
    )
    if review is None:
        raise ReviewNotFound()
    return review


def check_open_for_judging(round_: JuryRound, now: datetime) -> None:
    """Scores are taken only while the round is open and inside its dates."""
    if round_.status is not RoundStatus.OPEN:
        raise RoundNotOpen()
    if (round_.opens_at and now < round_.opens_at) or (round_.closes_at and now >= round_.closes_at):
        raise RoundNotOpen()


def save_review(review: Review, juror: User, data: ReviewInput, now: datetime | None = None) -> Review:
    """Store what a juror gave one entry, after checking round, seat, scale and step."""
    now = now or utcnow()
    round_ = review.round
    if review.juror_id != juror.id or review.removed_at is not None:
        raise ReviewNotFound()
    check_open_for_judging(round_, now)
    if _seat(round_, juror).confirmed_at is not None:
        raise ScoresConfirmed()
    before = review_record(review)
    if round_.kind is RoundKind.SCORING:
        _apply_scores(review, round_, data, now)
    else:
        _apply_verdict(review, round_, data)
    if data.comment is not None:
        _check_comment_allowed(round_, CommentMode.PER_ENTRY, data.comment)
        review.comment = data.comment.strip()
    review.updated_at = now
    db.session.flush()
    review.completed_at = (review.completed_at or now) if is_complete(review) else None
    after = review_record(review)
    if after != before:
        record_decision(
            juror, "score.save", "jury_review", review.id, before=before, after=after, contest_id=round_.contest_id
        )
    db.session.flush()
    return review


def is_complete(review: Review) -> bool:
    """A verdict given (selection) or every criterion scored (scoring)."""
    if review.round.kind is RoundKind.SELECTION:
        return review.verdict is not None
    return {score.criterion_id for score in review.scores} >= {c.id for c in review.round.criteria}


def review_record(review: Review) -> dict:
    """What the audit log keeps of a review: verdict, scores and comments."""
    return {
        "verdict": review.verdict.value if review.verdict else None,
        "scores": {str(s.criterion_id): s.value for s in sorted(review.scores, key=lambda s: s.criterion_id)},
        "criterion_comments": {str(s.criterion_id): s.comment for s in review.scores if s.comment},
        "comment": review.comment,
    }


def confirm_scores(round_: JuryRound, juror: User, now: datetime | None = None) -> RoundJuror:
    """The juror is done: every review must be complete; from now on only the chair can reopen."""
    now = now or utcnow()
    check_open_for_judging(round_, now)
    seat = _seat(round_, juror)
    if seat.confirmed_at is not None:
        raise ScoresConfirmed()
    missing = db.session.scalar(
        select(func.count(Review.id)).where(
            Review.round_id == round_.id,
            Review.juror_id == juror.id,
            Review.removed_at.is_(None),
            Review.completed_at.is_(None),
        )
    )
    if missing:
        raise InvalidScore(_l("%(count)d entries still need your scores before you can confirm.", count=missing))
    seat.confirmed_at = now
    db.session.flush()
    record_decision(
        juror,
        "score.confirm",
        "jury_round",
        round_.id,
        before={"confirmed": False},
        after={"confirmed": True, "juror_id": juror.id},
        contest_id=round_.contest_id,
    )
    return seat


def reopen_scores(round_: JuryRound, juror: User, actor: User, reason: str) -> None:
    """The chair lets a juror change confirmed scores again (only while the round is open)."""
    if round_.status is not RoundStatus.OPEN:
        raise RoundLocked()
    if not reason.strip():
        raise InvalidScore(_l("Give a reason for reopening this juror's scores."))
    seat = _seat(round_, juror)
    if seat.confirmed_at is None:
        raise RoundLocked(_l("This juror's scores are not confirmed."))
    seat.confirmed_at = None
    db.session.flush()
    record_decision(
        actor,
        "score.reopen",
        "jury_round",
        round_.id,
        before={"confirmed": True, "juror_id": juror.id},
        after={"confirmed": False, "juror_id": juror.id},
        reason=reason.strip(),
        contest_id=round_.contest_id,
    )


def _seat(round_: JuryRound, juror: User) -> RoundJuror:
    seat = db.session.scalar(select(RoundJuror).where(RoundJuror.round_id == round_.id, RoundJuror.user_id == juror.id))
    if seat is None or seat.dropped_out_at is not None:
        raise ReviewNotFound()
    return seat


def _apply_scores(review: Review, round_: JuryRound, data: ReviewInput, now: datetime) -> None:
    if data.verdict is not None:
        raise InvalidScore(_l("This round is scored, not marked yes or no."))
    criteria = {criterion.id: criterion for criterion in round_.criteria}
    existing = {score.criterion_id: score for score in review.scores}
    for criterion_id in [*data.scores, *data.criterion_comments]:
        if criterion_id not in criteria:
            raise InvalidScore(_l("This criterion is not part of the round."))
    for criterion_id, value in data.scores.items():
        if value is None:
            if criterion_id in existing:
                review.scores.remove(existing.pop(criterion_id))
            continue
        check_on_scale(round_, value)
        score = existing.get(criterion_id)
        if score is None:
            score = existing[criterion_id] = Score(criterion_id=criterion_id, value=value, updated_at=now)
            review.scores.append(score)
        score.value, score.updated_at = float(value), now
    for criterion_id, text in data.criterion_comments.items():
        _check_comment_allowed(round_, CommentMode.PER_CRITERION, text)
        if criterion_id not in existing:
            raise InvalidScore(_l("Score this criterion before commenting on it."))
        existing[criterion_id].comment = text.strip()


def check_on_scale(round_: JuryRound, value: float) -> None:
    """The value lies on the round's scale: between its ends, on one of its steps."""
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise InvalidScore()
    steps = (value - round_.scale_min) / round_.scale_step
    if (
        value < round_.scale_min
        or value > round_.scale_max
        or abs(steps - round(steps)) > _STEP_TOLERANCE * max(1, steps)
    ):
        raise InvalidScore(
            _l(
                "Scores go from %(low)s to %(high)s in steps of %(step)s.",
                low=f"{round_.scale_min:g}",
                high=f"{round_.scale_max:g}",
                step=f"{round_.scale_step:g}",
            )
        )


def _apply_verdict(review: Review, round_: JuryRound, data: ReviewInput) -> None:
    if data.scores or data.criterion_comments:
        raise InvalidScore(_l("This round is marked yes or no, not scored."))
    if data.verdict is Verdict.MAYBE and not round_.allows_maybe:
        raise InvalidScore(_l("This round takes only yes or no."))
    if data.verdict is not None:
        review.verdict = data.verdict
    elif data.clear_verdict:
        review.verdict = None


def _check_comment_allowed(round_: JuryRound, mode: CommentMode, text: str) -> None:
    if round_.kind is RoundKind.SCORING and round_.comment_mode is not mode:
        raise InvalidScore(_l("Comments of this kind are not taken in this round."))
    if len(text) > COMMENT_MAX:
        raise InvalidScore(_l("Comments can be at most %(count)d characters.", count=COMMENT_MAX))
