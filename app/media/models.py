"""Stored files, resumable uploads, media assets and their web derivatives.

Media knows nothing of contests: an asset is claimed by whatever feature uses it
(an entry, later), and unclaimed assets are swept after a while.
"""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.auth.models import User
from app.core.models import string_enum
from app.core.timeutil import UTCDateTime, utcnow
from app.extensions import db


def new_id() -> str:
    """A random public identifier: unguessable, so ids in URLs reveal nothing."""
    return uuid.uuid4().hex


class MediaKind(enum.StrEnum):
    """What an asset holds."""

    PHOTO = "photo"
    VIDEO = "video"


class UploadState(enum.StrEnum):
    """Where a resumable upload stands."""

    RECEIVING = "receiving"
    COMPLETE = "complete"
    ABORTED = "aborted"


class ProcessingState(enum.StrEnum):
    """Where an asset stands in the background pipeline."""

    PENDING = "pending"
    PROCESSING = "processing"
    READY = "ready"
    REJECTED = "rejected"  # the file broke a rule; final, the bytes are deleted
    FAILED = "failed"  # processing kept failing; an admin can retry


class StoredFile(db.Model):
    """One object in a storage backend; the row records which backend holds it."""

    __tablename__ = "stored_files"
    __table_args__ = (
        UniqueConstraint("backend", "key"),
        CheckConstraint("size >= 0", name="size_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    backend: Mapped[str] = mapped_column(String(16))
    key: Mapped[str] = mapped_column(String(300))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    content_type: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Upload(db.Model):
    """A resumable upload (tus) in progress: bytes go to a storage multipart upload."""

    __tablename__ = "uploads"
    __table_args__ = (
        CheckConstraint("declared_length > 0", name="declared_length_positive"),
        CheckConstraint("received_bytes >= 0 AND received_bytes <= declared_length", name="received_in_bounds"),
        Index("ix_uploads_state_expires_at", "state", "expires_at"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[MediaKind] = mapped_column(string_enum(MediaKind, "media_kind"))
    original_filename: Mapped[str] = mapped_column(String(255))
    declared_type: Mapped[str] = mapped_column(String(100), default="")
    declared_length: Mapped[int] = mapped_column(BigInteger)
    received_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    # The limits the file must meet, copied from whoever asked for the upload.
    rules: Mapped[dict] = mapped_column(JSON, default=dict)
    backend: Mapped[str] = mapped_column(String(16))
    storage_key: Mapped[str] = mapped_column(String(300))
    storage_upload_id: Mapped[str] = mapped_column(String(1024))
    # [[part_number, etag, size], ...] in order.
    parts: Mapped[list] = mapped_column(JSON, default=list)
    state: Mapped[UploadState] = mapped_column(
        string_enum(UploadState, "upload_state"), default=UploadState.RECEIVING
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Set while one request is storing a chunk, so a retried request cannot interleave with it.
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    asset_id: Mapped[str | None] = mapped_column(ForeignKey("media_assets.id", ondelete="SET NULL"))

    owner: Mapped[User] = relationship()


class MediaAsset(db.Model):
    """An uploaded photo or video, its processing state and what processing learnt."""

    __tablename__ = "media_assets"
    __table_args__ = (
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
        Index("ix_media_assets_state", "state"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[MediaKind] = mapped_column(string_enum(MediaKind, "media_kind"))
    original_filename: Mapped[str] = mapped_column(String(255))
    original_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id", ondelete="SET NULL"))
    rules: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[ProcessingState] = mapped_column(
        string_enum(ProcessingState, "processing_state"), default=ProcessingState.PENDING
    )
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    failure_code: Mapped[str | None] = mapped_column(String(40))
    failure_params: Mapped[dict] = mapped_column(JSON, default=dict)
    failure_detail: Mapped[str | None] = mapped_column(Text)
    format: Mapped[str | None] = mapped_column(String(16))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    duration_s: Mapped[float | None] = mapped_column(Float)
    fps: Mapped[float | None] = mapped_column(Float)
    exif: Mapped[dict] = mapped_column(JSON, default=dict)
    placeholder: Mapped[str | None] = mapped_column(String(100))
    # Perceptual hash of a photo (64 bits as 16 hex digits), to find near-copies; None for videos.
    phash: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processing_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner: Mapped[User] = relationship()
    original: Mapped[StoredFile | None] = relationship()
    derivatives: Mapped[list[Derivative]] = relationship(
        back_populates="asset", cascade="all, delete-orphan", order_by="Derivative.name", lazy="selectin"
    )

    @property
    def captured_on(self) -> date | None:
        """The day the camera's clock gave for the shot (its own local time), if EXIF has it."""
        text = (self.exif or {}).get("captured_at") or ""
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return None

    def derivative(self, name: str) -> Derivative | None:
        """The derivative with this name, if processing made one."""
        return next((d for d in self.derivatives if d.name == name), None)


class Derivative(db.Model):
    """A web copy of an asset (thumbnail, large view, social card, web video, poster)."""

    __tablename__ = "media_derivatives"
    __table_args__ = (UniqueConstraint("asset_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    asset_id: Mapped[str] = mapped_column(ForeignKey("media_assets.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id", ondelete="CASCADE"))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)

    asset: Mapped[MediaAsset] = relationship(back_populates="derivatives")
    file: Mapped[StoredFile] = relationship(lazy="joined")
