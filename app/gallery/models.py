"""Public votes and their counters, voidings of votes, and reach counters.

The database has the last word on fairness: a vote takes one numbered slot of the voter's daily
quota, and (voter, contest, day, quota key, slot) is unique, so no race can give anyone an extra
vote. Counters move only by atomic UPDATE ... SET n = n + 1 in the same transaction as the vote.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.models import string_enum
from app.core.timeutil import UTCDateTime, utcnow
from app.entries.models import Entry
from app.extensions import db


class Vote(db.Model):
    """One public vote: who, for which entry, on which contest-local day, from where.

    `quota_key` is "e<entry id>" when the policy limits votes per entry per day, or "all" when it
    limits votes per day in total; `slot` numbers the votes inside that quota (1..votes_per_day).
    A voided vote keeps its row (is_valid false, voiding_id set): votes are never deleted.
    """

    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("voter_id", "contest_id", "day", "quota_key", "slot", name="uq_votes_quota_slot"),
        CheckConstraint("slot >= 1", name="slot_positive"),
        Index("ix_votes_entry_cast_at", "entry_id", "cast_at"),
        Index("ix_votes_contest_cast_at", "contest_id", "cast_at"),
        Index("ix_votes_contest_day", "contest_id", "day"),
        Index("ix_votes_contest_ip_prefix", "contest_id", "ip_prefix"),
        Index("ix_votes_voter_cast_at", "voter_id", "cast_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"))
    # SET NULL: a deleted account's votes stay counted (they were cast), but no longer point at anyone.
    voter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    day: Mapped[date] = mapped_column(Date)
    quota_key: Mapped[str] = mapped_column(String(24))
    slot: Mapped[int] = mapped_column(SmallInteger, default=1)
    cast_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ip: Mapped[str] = mapped_column(String(45), default="")
    ip_prefix: Mapped[str] = mapped_column(String(45), default="")  # /24 for IPv4, /48 for IPv6
    user_agent: Mapped[str] = mapped_column(String(200), default="")
    is_valid: Mapped[bool] = mapped_column(default=True, server_default=true())
    voiding_id: Mapped[int | None] = mapped_column(ForeignKey("vote_voidings.id", ondelete="SET NULL"), index=True)

    entry: Mapped[Entry] = relationship()
    voter: Mapped[User | None] = relationship()


class EntryVoteCount(db.Model):
    """An entry's valid and voided vote counts, kept in step with the votes inside each transaction."""

    __tablename__ = "entry_vote_counts"
    __table_args__ = (
        CheckConstraint("valid_votes >= 0", name="valid_not_negative"),
        CheckConstraint("voided_votes >= 0", name="voided_not_negative"),
        Index("ix_entry_vote_counts_contest_valid", "contest_id", "valid_votes"),
    )

    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    valid_votes: Mapped[int] = mapped_column(Integer, default=0)
    voided_votes: Mapped[int] = mapped_column(Integer, default=0)
    last_vote_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class VoidingStatus(enum.StrEnum):
    """A voiding is proposed by one organiser and takes effect only when a second one confirms it."""

    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    REVERTED = "reverted"


class VoteVoiding(db.Model):
    """A set of votes an organiser proposes to void, with the reason; a second organiser confirms.

    Reverting a confirmed voiding makes its votes valid again; every step is audited.
    """

    __tablename__ = "vote_voidings"
    __table_args__ = (
        CheckConstraint("length(reason) > 0", name="reason_given"),
        CheckConstraint(
            "confirmed_by_id IS NULL OR confirmed_by_id <> proposed_by_id", name="two_people_confirm"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    status: Mapped[VoidingStatus] = mapped_column(
        string_enum(VoidingStatus, "voiding_status"), default=VoidingStatus.PROPOSED
    )
    reason: Mapped[str] = mapped_column(Text)
    flag_codes: Mapped[str] = mapped_column(String(200), default="")  # the fraud flags that prompted it
    vote_count: Mapped[int] = mapped_column(Integer, default=0)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # rejected or reverted
    close_reason: Mapped[str] = mapped_column(Text, default="")

    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])
    confirmed_by: Mapped[User | None] = relationship(foreign_keys=[confirmed_by_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])


class ReachEvent(enum.StrEnum):
    """What the reach counters count."""

    GALLERY_VIEW = "gallery_view"
    ENTRY_VIEW = "entry_view"
    SHARE = "share"
    VOTE = "vote"


class ReachCount(db.Model):
    """How many times something happened on one contest-local day, by entry, language, country and referrer.

    Counted from the request alone (no third-party tracker, no cookie): the language from
    Accept-Language, the country from a header set by the trusted proxy (e.g. CF-IPCountry) when
    configured, the referrer's host only. entry_id 0 means "not about one entry".
    """

    __tablename__ = "reach_counts"
    __table_args__ = (
        UniqueConstraint(
            "contest_id", "day", "event", "entry_id", "language", "country", "referrer", name="uq_reach_counts_key"
        ),
        CheckConstraint("count >= 0", name="count_not_negative"),
        Index("ix_reach_counts_contest_day", "contest_id", "day"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date)
    event: Mapped[ReachEvent] = mapped_column(string_enum(ReachEvent, "reach_event"))
    entry_id: Mapped[int] = mapped_column(Integer, default=0)  # no foreign key: 0 for contest-wide events
    language: Mapped[str] = mapped_column(String(16), default="")
    country: Mapped[str] = mapped_column(String(2), default="")
    referrer: Mapped[str] = mapped_column(String(120), default="")
    count: Mapped[int] = mapped_column(Integer, default=0)
