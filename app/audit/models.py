"""The audit log: an append-only chain of records of decisions someone could dispute."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.timeutil import UTCDateTime
from app.extensions import db

GENESIS_HASH = "0" * 64


class AuditRecord(db.Model):
    """One decision: who did what to which thing, the state before and after, and why.

    Each record stores the hash of the previous one and its own hash over both, so
    changing, removing or reordering any record breaks the chain from there on. The
    unique prev_hash means two records can never follow the same one (no forks).
    """

    __tablename__ = "audit_records"
    __table_args__ = (
        CheckConstraint("length(record_hash) = 64", name="record_hash_is_sha256"),
        CheckConstraint("length(prev_hash) = 64", name="prev_hash_is_sha256"),
        Index("ix_audit_records_subject", "subject_type", "subject_id"),
        Index("ix_audit_records_action_at", "action", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    # Kept even if the account is later erased, so the record still says who acted.
    actor_label: Mapped[str] = mapped_column(String(300), default="")
    action: Mapped[str] = mapped_column(String(60))
    subject_type: Mapped[str] = mapped_column(String(40))
    subject_id: Mapped[str] = mapped_column(String(100))
    contest_id: Mapped[int | None] = mapped_column(ForeignKey("contests.id", ondelete="SET NULL"), index=True)
    before: Mapped[dict] = mapped_column(JSON, default=dict)
    after: Mapped[dict] = mapped_column(JSON, default=dict)
    reason: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64), unique=True)
    record_hash: Mapped[str] = mapped_column(String(64), unique=True)

    actor: Mapped[User | None] = relationship()
