"""Prizes awarded from the final ranking, and the published results with their SHA-256."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.contest.models import Prize
from app.core.timeutil import UTCDateTime, utcnow
from app.entries.models import Entry
from app.extensions import db


class PrizeAward(db.Model):
    """An entry given a prize; tie_note records the chair's decision when the ranking was tied."""

    __tablename__ = "prize_awards"
    __table_args__ = (
        UniqueConstraint("prize_id", "entry_id"),
        UniqueConstraint("contest_id", "entry_id"),  # one jury prize per entry
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    prize_id: Mapped[int] = mapped_column(ForeignKey("prizes.id", ondelete="RESTRICT"), index=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="RESTRICT"))
    round_id: Mapped[int | None] = mapped_column(ForeignKey("jury_rounds.id", ondelete="SET NULL"))
    final_rank: Mapped[int | None] = mapped_column(Integer)  # the entry's rank in that round's ranking
    tie_note: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    prize: Mapped[Prize] = relationship()
    entry: Mapped[Entry] = relationship()
    decided_by: Mapped[User | None] = relationship()


class ResultsPublication(db.Model):
    """The canonical results of a contest as published: the exact JSON text and its SHA-256.

    Rows are only ever added; a correction publishes a new version, and every earlier hash stays checkable.
    """

    __tablename__ = "results_publications"
    __table_args__ = (
        UniqueConstraint("contest_id", "version"),
        CheckConstraint("length(sha256) = 64", name="sha256_is_hex"),
        CheckConstraint("version >= 1", name="version_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    canonical_json: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")

    published_by: Mapped[User | None] = relationship()
