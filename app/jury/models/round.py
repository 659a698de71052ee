"""A jury round of one category of a contest: its kind, scale, criteria, jurors and entries."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Float, ForeignKey, Integer, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.contest.models import Category, Contest
from app.core.models import string_enum
from app.core.timeutil import UTCDateTime, utcnow
from app.entries.models import Entry
from app.extensions import db


class RoundKind(enum.StrEnum):
    """Selection: each juror says yes/no (maybe); scoring: weighted criteria on a scale."""

    SELECTION = "selection"
    SCORING = "scoring"


class RoundStatus(enum.StrEnum):
    """draft → open → closed → finalised; jurors score only while open, nothing changes once finalised."""

    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    FINALISED = "finalised"


class CommentMode(enum.StrEnum):
    """Where jurors may leave a comment in a scoring round."""

    NONE = "none"
    PER_ENTRY = "per_entry"
    PER_CRITERION = "per_criterion"


class AssignmentMode(enum.StrEnum):
    """Every juror judges every entry, or each entry gets jurors_per_entry jurors with balanced loads."""

    ALL = "all"
    BALANCED = "balanced"


class AdvanceMethod(enum.StrEnum):
    """How the entries going on were chosen: by a method's top N or threshold, or by yes votes."""

    MEAN = "mean"
    TRIMMED = "trimmed"
    ZSCORE = "zscore"
    YES_VOTES = "yes_votes"


class JuryRound(db.Model):
    """One round of judging in one category, e.g. the preliminary round ("sơ khảo") of photo singles."""

    __tablename__ = "jury_rounds"
    __table_args__ = (
        UniqueConstraint("category_id", "position"),
        CheckConstraint("position >= 1", name="position_positive"),
        CheckConstraint("closes_at IS NULL OR opens_at IS NULL OR closes_at > opens_at", name="dates_ordered"),
        CheckConstraint(
            "scale_min >= 0 AND scale_max > scale_min AND scale_max <= 1000 AND scale_step > 0", name="scale_ordered"
        ),
        CheckConstraint("min_yes >= 1", name="min_yes_positive"),
        CheckConstraint("jurors_per_entry IS NULL OR jurors_per_entry >= 1", name="jurors_per_entry_positive"),
        CheckConstraint("assignment_mode = 'all' OR jurors_per_entry IS NOT NULL", name="balanced_needs_count"),
        CheckConstraint("trim_proportion >= 0 AND trim_proportion < 0.5", name="trim_below_half"),
        CheckConstraint("advance_top_n IS NULL OR advance_top_n >= 1", name="advance_top_n_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)  # 1 takes the accepted entries, n takes what n-1 advanced
    name_vi: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    kind: Mapped[RoundKind] = mapped_column(string_enum(RoundKind, "round_kind"))
    status: Mapped[RoundStatus] = mapped_column(string_enum(RoundStatus, "round_status"), default=RoundStatus.DRAFT)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Scoring rounds: every criterion is scored on this scale.
    scale_min: Mapped[float] = mapped_column(Float, default=0.0)
    scale_max: Mapped[float] = mapped_column(Float, default=10.0)
    scale_step: Mapped[float] = mapped_column(Float, default=0.5)
    comment_mode: Mapped[CommentMode] = mapped_column(
        string_enum(CommentMode, "comment_mode"), default=CommentMode.PER_ENTRY
    )
    # Selection rounds: entries with at least min_yes "yes" advance; "maybe" is offered if allows_maybe.
    min_yes: Mapped[int] = mapped_column(Integer, default=1)
    allows_maybe: Mapped[bool] = mapped_column(default=True)
    assignment_mode: Mapped[AssignmentMode] = mapped_column(
        string_enum(AssignmentMode, "assignment_mode"), default=AssignmentMode.ALL
    )
    jurors_per_entry: Mapped[int | None] = mapped_column(Integer)
    seed: Mapped[str] = mapped_column(String(64), default="")  # assignment and presentation order
    trim_proportion: Mapped[float] = mapped_column(Float, default=0.1)
    trim_min_jurors: Mapped[int] = mapped_column(Integer, default=5)
    # The advancement decision, once taken (while closed; fixed when finalised).
    advance_method: Mapped[AdvanceMethod | None] = mapped_column(string_enum(AdvanceMethod, "advance_method"))
    advance_top_n: Mapped[int | None] = mapped_column(Integer)
    advance_threshold: Mapped[float | None] = mapped_column(Float)
    advance_rule: Mapped[str] = mapped_column(Text, default="")
    advanced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contest: Mapped[Contest] = relationship()
    category: Mapped[Category] = relationship()
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="round", cascade="all, delete-orphan", order_by="Criterion.position"
    )
    jurors: Mapped[list[RoundJuror]] = relationship(back_populates="round", cascade="all, delete-orphan")


class Criterion(db.Model):
    """A scored aspect of a scoring round (content, artistry, technique), with its weight."""

    __tablename__ = "jury_criteria"
    __table_args__ = (
        UniqueConstraint("round_id", "position"),
        CheckConstraint("weight > 0", name="weight_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("jury_rounds.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name_vi: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    description_vi: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    weight: Mapped[float] = mapped_column(Float, default=1.0)

    round: Mapped[JuryRound] = relationship(back_populates="criteria")


class RoundJuror(db.Model):
    """A juror serving in a round; confirmed_at is set when they confirm their scores (the chair may reopen)."""

    __tablename__ = "round_jurors"
    __table_args__ = (UniqueConstraint("round_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("jury_rounds.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dropped_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    dropout_reason: Mapped[str] = mapped_column(Text, default="")

    round: Mapped[JuryRound] = relationship(back_populates="jurors")
    user: Mapped[User] = relationship()


class RoundEntry(db.Model):
    """An entry taking part in a round; is_advanced once the chair's advancement chose it."""

    __tablename__ = "round_entries"
    __table_args__ = (UniqueConstraint("round_id", "entry_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("jury_rounds.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="RESTRICT"), index=True)
    is_advanced: Mapped[bool] = mapped_column(default=False, server_default=false())

    entry: Mapped[Entry] = relationship()


__all__ = [
    "AdvanceMethod",
    "AssignmentMode",
    "CommentMode",
    "Criterion",
    "JuryRound",
    "RoundEntry",
    "RoundJuror",
    "RoundKind",
    "RoundStatus",
]
