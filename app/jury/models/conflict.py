"""Conflicts of interest: a juror who must not judge an entry, or any entry of one entrant."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.models import string_enum
from app.core.timeutil import UTCDateTime, utcnow
from app.entries.models import Entry
from app.extensions import db


class ConflictSource(enum.StrEnum):
    """Who raised the conflict: the juror on the scoring screen, or an organiser linking a juror to an entrant."""

    DECLARED = "declared"
    LINKED = "linked"


class Conflict(db.Model):
    """A juror may not judge one entry (entry_id) or every entry of one entrant (entrant_id)."""

    __tablename__ = "jury_conflicts"
    __table_args__ = (
        CheckConstraint("(entry_id IS NULL) <> (entrant_id IS NULL)", name="entry_or_entrant"),
        CheckConstraint("length(reason) > 0", name="reason_given"),
        UniqueConstraint("contest_id", "juror_id", "entry_id"),
        UniqueConstraint("contest_id", "juror_id", "entrant_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contest_id: Mapped[int] = mapped_column(ForeignKey("contests.id", ondelete="CASCADE"), index=True)
    juror_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"))
    entrant_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    source: Mapped[ConflictSource] = mapped_column(string_enum(ConflictSource, "conflict_source"))
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    juror: Mapped[User] = relationship(foreign_keys=[juror_id])
    entrant: Mapped[User | None] = relationship(foreign_keys=[entrant_id])
    entry: Mapped[Entry | None] = relationship()
