"""A review is one juror's assignment to one entry in one round, with what they gave it."""

from __future__ import annotations

import enum
import secrets
from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.models import string_enum
from app.core.timeutil import UTCDateTime, utcnow
from app.entries.models import Entry
from app.extensions import db
from app.jury.models.round import Criterion, JuryRound


class Verdict(enum.StrEnum):
    """A juror's mark in a selection round."""

    YES = "yes"
    MAYBE = "maybe"
    NO = "no"


def new_review_token() -> str:
    """An opaque id for a review's URLs: says nothing about the entry, its entrant or its order."""
    return secrets.token_urlsafe(12)


class Review(db.Model):
    """Juror × entry × round: the assignment (with its reason and the juror's presentation position),
    the selection verdict or the criterion scores, and a comment.

    A review taken away (conflict declared late, juror dropped out) keeps its row with removed_at set,
    so nothing a juror gave is ever deleted; active reviews are the ones with removed_at NULL.
    """

    __tablename__ = "jury_reviews"
    __table_args__ = (
        UniqueConstraint("round_id", "juror_id", "entry_id"),
        CheckConstraint("position >= 1", name="position_positive"),
        Index("ix_jury_reviews_round_juror_position", "round_id", "juror_id", "position"),
        Index("ix_jury_reviews_round_entry", "round_id", "entry_id"),
        Index(
            "ix_jury_reviews_active",
            "round_id",
            "juror_id",
            sqlite_where=text("removed_at IS NULL"),
            postgresql_where=text("removed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("jury_rounds.id", ondelete="CASCADE"))
    juror_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="RESTRICT"))
    token: Mapped[str] = mapped_column(String(24), unique=True, default=new_review_token)
    position: Mapped[int] = mapped_column(Integer)  # 1-based place in this juror's presentation order
    reason: Mapped[str] = mapped_column(Text, default="")  # why this juror judges this entry
    verdict: Mapped[Verdict | None] = mapped_column(string_enum(Verdict, "verdict"))
    comment: Mapped[str] = mapped_column(Text, default="")
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # verdict given or every criterion scored
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    removed_reason: Mapped[str] = mapped_column(Text, default="")

    round: Mapped[JuryRound] = relationship()
    juror: Mapped[User] = relationship()
    entry: Mapped[Entry] = relationship()
    scores: Mapped[list[Score]] = relationship(back_populates="review", cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:
        """Whether the review still counts (it was not taken away)."""
        return self.removed_at is None


class Score(db.Model):
    """One juror's score of one entry on one criterion; the round's scale is checked by the service."""

    __tablename__ = "jury_scores"
    __table_args__ = (
        UniqueConstraint("review_id", "criterion_id"),
        CheckConstraint("value >= 0 AND value <= 1000", name="value_in_any_scale"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("jury_reviews.id", ondelete="CASCADE"))
    criterion_id: Mapped[int] = mapped_column(ForeignKey("jury_criteria.id", ondelete="CASCADE"), index=True)
    value: Mapped[float] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    review: Mapped[Review] = relationship(back_populates="scores")
    criterion: Mapped[Criterion] = relationship()
