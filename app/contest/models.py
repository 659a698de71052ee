"""Contests, their categories and file rules, prizes and staff: rows an organiser edits."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.models import string_enum
from app.core.timeutil import UTCDateTime, utcnow
from app.extensions import db


class ContestStatus(enum.StrEnum):
    """Whether the public can see the contest."""

    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class ContestPhase(enum.StrEnum):
    """Where the contest stands in time, derived from its dates."""

    UPCOMING = "upcoming"
    SUBMISSIONS_OPEN = "submissions_open"
    JUDGING = "judging"
    VOTING = "voting"
    RESULTS = "results"


class MediaType(enum.StrEnum):
    """The kind of work a category takes."""

    PHOTO = "photo"
    VIDEO = "video"


class VotePolicy(enum.StrEnum):
    """How many public votes a voter may cast: per entry each day, or in total each day."""

    PER_ENTRY_PER_DAY = "per_entry_per_day"
    TOTAL_PER_DAY = "total_per_day"


class TieRule(enum.StrEnum):
    """How People's Choice is decided when entries have the same number of valid votes."""

    SHARED = "shared"  # every tied entry receives it
    FIRST_TO_REACH = "first_to_reach"  # the entry that reached the winning count first


class StaffRole(enum.StrEnum):
    """A person's role in running one contest; staff may not enter it."""

    JURY = "jury"
    SECRETARIAT = "secretariat"


class Contest(db.Model):
    """One edition of a contest, e.g. Happy Nghe An 2025."""

    __tablename__ = "contests"
    __table_args__ = (
        CheckConstraint("submissions_close_at > submissions_open_at", name="submission_window_ordered"),
        CheckConstraint(
            "voting_open_at IS NULL OR voting_close_at IS NULL OR voting_close_at > voting_open_at",
            name="voting_window_ordered",
        ),
        CheckConstraint("results_at IS NULL OR results_at >= submissions_close_at", name="results_after_close"),
        CheckConstraint(
            "work_created_from IS NULL OR work_created_until IS NULL OR work_created_until >= work_created_from",
            name="creation_window_ordered",
        ),
        CheckConstraint("min_entrant_age >= 0 AND min_entrant_age <= 120", name="min_age_sensible"),
        CheckConstraint("length(slug) > 0", name="slug_not_empty"),
        CheckConstraint("length(entry_code_prefix) > 0", name="entry_code_prefix_not_empty"),
        CheckConstraint("votes_per_day >= 1", name="votes_per_day_positive"),
        # At most one contest is the current one.
        Index(
            "uq_contests_is_current",
            "is_current",
            unique=True,
            sqlite_where=text("is_current"),
            postgresql_where=text("is_current"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    entry_code_prefix: Mapped[str] = mapped_column(String(12))
    name_vi: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    tagline_vi: Mapped[str] = mapped_column(String(300), default="")
    tagline_en: Mapped[str] = mapped_column(String(300), default="")
    description_vi: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    eligibility_vi: Mapped[str] = mapped_column(Text, default="")
    eligibility_en: Mapped[str] = mapped_column(Text, default="")
    rules_vi: Mapped[str] = mapped_column(Text, default="")
    rules_en: Mapped[str] = mapped_column(Text, default="")
    rules_version: Mapped[str] = mapped_column(String(40))
    organiser_vi: Mapped[str] = mapped_column(String(300), default="")
    organiser_en: Mapped[str] = mapped_column(String(300), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Ho_Chi_Minh")
    submissions_open_at: Mapped[datetime] = mapped_column(UTCDateTime)
    submissions_close_at: Mapped[datetime] = mapped_column(UTCDateTime)
    voting_open_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    voting_close_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    results_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    work_created_from: Mapped[date | None] = mapped_column(Date)
    work_created_until: Mapped[date | None] = mapped_column(Date)
    min_entrant_age: Mapped[int] = mapped_column(Integer, default=15)
    status: Mapped[ContestStatus] = mapped_column(
        string_enum(ContestStatus, "contest_status"), default=ContestStatus.DRAFT
    )
    # Public voting: "per_entry_per_day" lets a voter give each entry votes_per_day votes a day;
    # "total_per_day" lets them cast votes_per_day votes a day in all. Counts stay hidden until
    # voting closes unless vote_counts_visible.
    vote_policy: Mapped[VotePolicy] = mapped_column(
        string_enum(VotePolicy, "vote_policy"),
        default=VotePolicy.PER_ENTRY_PER_DAY,
        server_default=VotePolicy.PER_ENTRY_PER_DAY.value,
    )
    votes_per_day: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    vote_counts_visible: Mapped[bool] = mapped_column(default=False, server_default=false())
    peoples_choice_tie_rule: Mapped[TieRule] = mapped_column(
        string_enum(TieRule, "tie_rule"), default=TieRule.SHARED, server_default=TieRule.SHARED.value
    )
    # The public gallery shows authors' names only once results are out (results_at), so the jury stays
    # blind, unless the organisers choose otherwise.
    shows_authors_before_results: Mapped[bool] = mapped_column(default=False, server_default=false())
    is_current: Mapped[bool] = mapped_column(default=False)
    # The jury's chair: sees round results, advances entries, reopens confirmed scores, proposes prizes.
    jury_chair_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    categories: Mapped[list[Category]] = relationship(
        back_populates="contest", cascade="all, delete-orphan", order_by="Category.position"
    )
    prizes: Mapped[list[Prize]] = relationship(
        back_populates="contest", cascade="all, delete-orphan", order_by="(Prize.category_id, Prize.rank)"
    )
    staff: Mapped[list[StaffMembership]] = relationship(back_populates="contest", cascade="all, delete-orphan")
    jury_chair: Mapped[User | None] = relationship(foreign_keys=[jury_chair_id])


class Category(db.Model):
    """A category of a contest with the kinds of entry it takes and its file rules."""

    __tablename__ = "categories"
    __table_args__ = (
        UniqueConstraint("contest_id", "slug"),
        UniqueConstraint("contest_id", "code_letter"),
        CheckConstraint("allows_single_photo OR allows_photo_series OR allows_video", name="takes_some_kind"),
        CheckConstraint("media_type = 'video' OR NOT allows_video", name="photo_category_takes_no_video"),
        CheckConstraint(
            "media_type = 'photo' OR NOT (allows_single_photo OR allows_photo_series)",
            name="video_category_takes_no_photos",
        ),
        CheckConstraint(
            "series_min_photos >= 2 AND series_max_photos >= series_min_photos",
            name="series_bounds_ordered",
        ),
        CheckConstraint(
            "series_code_letter IS NULL OR series_code_letter <> code_letter", name="series_letter_distinct"
        ),
        CheckConstraint("min_long_edge_px IS NULL OR min_long_edge_px > 0", name="min_edge_positive"),
        CheckConstraint("min_bytes IS NULL OR min_bytes >= 0", name="min_bytes_not_negative"),
        CheckConstraint(
            "max_bytes IS NULL OR (max_bytes > 0 AND (min_bytes IS NULL OR max_bytes >= min_bytes))",
            name="byte_bounds_ordered",
        ),
        CheckConstraint("max_video_seconds IS NULL OR max_video_seconds > 0", name="max_seconds_positive"),
        CheckConstraint("max_entries_per_entrant IS NULL OR max_entries_per_entrant > 0", name="entry_limit_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(40))
    code_letter: Mapped[str] = mapped_column(String(4))
    # Photo series get their own letter in entry codes (HNA25-B-0007), when set.
    series_code_letter: Mapped[str | None] = mapped_column(String(4))
    position: Mapped[int] = mapped_column(Integer, default=0)
    name_vi: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    description_vi: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    media_type: Mapped[MediaType] = mapped_column(string_enum(MediaType, "media_type"))
    allows_single_photo: Mapped[bool] = mapped_column(default=False)
    allows_photo_series: Mapped[bool] = mapped_column(default=False)
    allows_video: Mapped[bool] = mapped_column(default=False)
    series_min_photos: Mapped[int] = mapped_column(Integer, default=2)
    series_max_photos: Mapped[int] = mapped_column(Integer, default=10)
    # Formats by content type, e.g. ["jpeg"] or ["mp4", "mov"].
    allowed_formats: Mapped[list[str]] = mapped_column(JSON, default=list)
    min_long_edge_px: Mapped[int | None] = mapped_column(Integer)
    min_bytes: Mapped[int | None] = mapped_column(BigInteger)
    max_bytes: Mapped[int | None] = mapped_column(BigInteger)
    max_video_seconds: Mapped[int | None] = mapped_column(Integer)
    max_entries_per_entrant: Mapped[int | None] = mapped_column(Integer)

    contest: Mapped[Contest] = relationship(back_populates="categories")


class Prize(db.Model):
    """An award a contest offers, per category or contest-wide."""

    __tablename__ = "prizes"
    __table_args__ = (
        UniqueConstraint("contest_id", "category_id", "rank"),
        CheckConstraint("rank > 0", name="rank_positive"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("cash_amount_vnd IS NULL OR cash_amount_vnd >= 0", name="cash_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id", ondelete="CASCADE"))
    rank: Mapped[int] = mapped_column(Integer)
    name_vi: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    cash_amount_vnd: Mapped[int | None] = mapped_column(BigInteger)

    contest: Mapped[Contest] = relationship(back_populates="prizes")
    category: Mapped[Category | None] = relationship()


class StaffMembership(db.Model):
    """A user serving one contest as juror or secretariat member."""

    __tablename__ = "staff_memberships"
    __table_args__ = (UniqueConstraint("contest_id", "user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[StaffRole] = mapped_column(string_enum(StaffRole, "staff_role"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contest: Mapped[Contest] = relationship(back_populates="staff")
    user: Mapped[User] = relationship()
