"""Entries: a work entered in a category of a contest, its files, authors and code.

An entry is one work as the jury judges it: a single photo, a photo series (several
photos in order, judged as one) or a video. Its files are media assets it has claimed.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.contest.models import Category, Contest
from app.core.models import string_enum
from app.core.search import fold_for_search
from app.core.timeutil import UTCDateTime, utcnow
from app.extensions import db
from app.media.models import MediaAsset

TITLE_MAX = 150
STORY_MAX = 5000
PLACE_MAX = 200
CAPTION_MAX = 300
CREDIT_MAX = 200
MEMBER_NAME_MAX = 120
GROUP_MAX_MEMBERS = 20


class EntryKind(enum.StrEnum):
    """What kind of work an entry is."""

    SINGLE_PHOTO = "single_photo"
    PHOTO_SERIES = "photo_series"
    VIDEO = "video"


class EntryStatus(enum.StrEnum):
    """Where an entry stands; organisers move it on from RECEIVED."""

    SUBMITTED = "submitted"  # text saved, files still being checked and processed
    RECEIVED = "received"  # every file processed: the entry is complete
    UNDER_REVIEW = "under_review"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DISQUALIFIED = "disqualified"
    WITHDRAWN = "withdrawn"


class EntryHonour(enum.StrEnum):
    """What the published results say of an entry: it reached the final round, or it won a prize."""

    FINALIST = "finalist"
    PRIZE = "prize"


# States in which an entry still counts: for limits and for "the same file twice".
ACTIVE_STATUSES = (
    EntryStatus.SUBMITTED,
    EntryStatus.RECEIVED,
    EntryStatus.UNDER_REVIEW,
    EntryStatus.ACCEPTED,
    EntryStatus.REJECTED,
    EntryStatus.DISQUALIFIED,
)
# States in which the entrant may still edit or withdraw (before the deadline).
EDITABLE_STATUSES = (EntryStatus.SUBMITTED, EntryStatus.RECEIVED, EntryStatus.UNDER_REVIEW)


class Entry(db.Model):
    """One work entered in a category of a contest."""

    __tablename__ = "entries"
    __table_args__ = (
        UniqueConstraint("contest_id", "code"),
        CheckConstraint("length(trim(title_vi)) > 0", name="title_vi_not_empty"),
        CheckConstraint("length(trim(credit_name)) > 0", name="credit_name_not_empty"),
        CheckConstraint(
            "declared_own_work AND declared_made_in_area AND declared_consent AND declared_licence",
            name="all_declarations_made",
        ),
        CheckConstraint("length(rules_version) > 0", name="rules_version_recorded"),
        CheckConstraint(
            "(status = 'withdrawn') = (withdrawn_at IS NOT NULL)", name="withdrawn_at_iff_withdrawn"
        ),
        Index("ix_entries_entrant_contest", "entrant_id", "contest_id"),
        Index("ix_entries_contest_status", "contest_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="RESTRICT"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id", ondelete="RESTRICT"), index=True)
    entrant_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[EntryKind] = mapped_column(string_enum(EntryKind, "entry_kind"))
    code: Mapped[str] = mapped_column(String(40))
    status: Mapped[EntryStatus] = mapped_column(
        string_enum(EntryStatus, "entry_status"), default=EntryStatus.SUBMITTED
    )
    title_vi: Mapped[str] = mapped_column(String(TITLE_MAX))
    title_en: Mapped[str] = mapped_column(String(TITLE_MAX), default="")
    story: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(PLACE_MAX), default="")
    place_unit: Mapped[str | None] = mapped_column(String(40))
    made_on: Mapped[date] = mapped_column(Date)
    credit_name: Mapped[str] = mapped_column(String(CREDIT_MAX))
    is_group: Mapped[bool] = mapped_column(default=False)
    declared_own_work: Mapped[bool] = mapped_column(default=False)
    declared_made_in_area: Mapped[bool] = mapped_column(default=False)
    declared_consent: Mapped[bool] = mapped_column(default=False)
    declared_licence: Mapped[bool] = mapped_column(default=False)
    rules_version: Mapped[str] = mapped_column(String(40))
    # What triage found in the files' metadata: [{"code": ..., "position": n, ...}]. Organisers only.
    authenticity_flags: Mapped[list] = mapped_column(JSON, default=list)
    # Why organisers rejected or disqualified it, shown to the entrant.
    decision_reason: Mapped[str | None] = mapped_column(Text)
    # Folded copies (lower case, no diacritics) for the gallery's search, kept by _fold_for_search below.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    author_search: Mapped[str] = mapped_column(String(CREDIT_MAX), default="", server_default="")
    # Set only when results are published (by the jury's publication), so nothing shows before.
    honour: Mapped[EntryHonour | None] = mapped_column(string_enum(EntryHonour, "entry_honour"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    contest: Mapped[Contest] = relationship()
    category: Mapped[Category] = relationship()
    entrant: Mapped[User] = relationship()
    files: Mapped[list[EntryFile]] = relationship(
        back_populates="entry",
        cascade="all, delete-orphan",
        order_by="EntryFile.position",
        lazy="selectin",
        foreign_keys="EntryFile.entry_id",
    )
    members: Mapped[list[EntryMember]] = relationship(
        back_populates="entry", cascade="all, delete-orphan", order_by="EntryMember.position", lazy="selectin"
    )

    @property
    def is_withdrawn(self) -> bool:
        """Whether the entrant took the entry back."""
        return self.status == EntryStatus.WITHDRAWN


@event.listens_for(Entry, "before_insert")
@event.listens_for(Entry, "before_update")
def _fold_for_search(_mapper, _connection, entry: Entry) -> None:
    """Keep the folded search copies in step with the title, place and credit, whatever changed them."""
    entry.search_text = "\n".join(fold_for_search(text) for text in (entry.title_vi, entry.title_en, entry.place))
    entry.author_search = fold_for_search(entry.credit_name)[:CREDIT_MAX]


class EntryFile(db.Model):
    """One file of an entry, in order: the photo, one photo of a series, or the video."""

    __tablename__ = "entry_files"
    __table_args__ = (
        UniqueConstraint("entry_id", "position"),
        CheckConstraint("position > 0", name="position_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    # An asset belongs to at most one entry.
    asset_id: Mapped[str] = mapped_column(ForeignKey("media_assets.id", ondelete="RESTRICT"), unique=True)
    caption_vi: Mapped[str] = mapped_column(String(CAPTION_MAX), default="")
    caption_en: Mapped[str] = mapped_column(String(CAPTION_MAX), default="")
    # Why this file cannot stay as it is (found after processing), e.g. "duplicate_file"; the
    # entrant replaces it. Rejected or failed processing shows the asset's own reason instead.
    problem_code: Mapped[str | None] = mapped_column(String(40))
    problem_params: Mapped[dict] = mapped_column(JSON, default=dict)
    # Set when processing found this exact file (SHA-256) in an earlier entry of the contest.
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("entries.id", ondelete="SET NULL"))

    entry: Mapped[Entry] = relationship(back_populates="files", foreign_keys=[entry_id])
    asset: Mapped[MediaAsset] = relationship(lazy="joined")
    duplicate_of: Mapped[Entry | None] = relationship(foreign_keys=[duplicate_of_id])


class EntryMember(db.Model):
    """A named member of a group of authors."""

    __tablename__ = "entry_members"
    __table_args__ = (
        UniqueConstraint("entry_id", "position"),
        CheckConstraint("length(trim(name)) > 0", name="name_not_empty"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(MEMBER_NAME_MAX))

    entry: Mapped[Entry] = relationship(back_populates="members")


class EntryCodeCounter(db.Model):
    """The last number handed out per contest and code letter, so codes never repeat."""

    __tablename__ = "entry_code_counters"
    __table_args__ = (CheckConstraint("last_number >= 0", name="last_number_not_negative"),)

    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), primary_key=True)
    letter: Mapped[str] = mapped_column(String(4), primary_key=True)
    last_number: Mapped[int] = mapped_column(Integer, default=0)


class DuplicateVerdict(enum.StrEnum):
    """What organisers decided about two photos that look alike."""

    NOT_DUPLICATE = "not_duplicate"  # alike by chance (same place, same subject): never shown again
    DUPLICATE = "duplicate"  # the same photo: the later entry is dealt with on its review page


class DuplicateDecision(db.Model):
    """An organiser's verdict on a pair of media assets found alike; one per pair, the lower id first."""

    __tablename__ = "duplicate_decisions"
    __table_args__ = (
        UniqueConstraint("asset_a_id", "asset_b_id"),
        CheckConstraint("asset_a_id < asset_b_id", name="pair_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_a_id: Mapped[str] = mapped_column(ForeignKey("media_assets.id", ondelete="CASCADE"))
    asset_b_id: Mapped[str] = mapped_column(ForeignKey("media_assets.id", ondelete="CASCADE"), index=True)
    verdict: Mapped[DuplicateVerdict] = mapped_column(string_enum(DuplicateVerdict, "duplicate_verdict"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    note: Mapped[str] = mapped_column(Text, default="")

    decided_by: Mapped[User | None] = relationship()
