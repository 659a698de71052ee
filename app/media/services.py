"""Media rules: resumable uploads into storage, assets, their processing state and sweeping.

Bytes of an upload go straight into a storage multipart upload, one chunk (part) per
request, so any web process can take the next chunk and nothing is held in memory.
Limits are checked while the bytes stream in; the full content check runs in the
processing job once the last chunk has arrived.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.auth.models import User
from app.core.errors import DomainError
from app.core.timeutil import utcnow
from app.extensions import db
from app.jobs import enqueue
from app.media.messages import rejection_message
from app.media.models import MediaAsset, MediaKind, ProcessingState, StoredFile, Upload, UploadState
from app.media.rejections import MediaRejected
from app.media.sniff import SNIFF_BYTES, compatible, sniff_format
from app.storage import Storage, new_key
from app.storage.base import MIN_PART_SIZE, IncompletePart, StorageUnavailable

COPY_BUFFER = 4 * 1024 * 1024
FILENAME_MAX = 255


class UploadRefused(DomainError):
    """The file breaks a rule known while it streams in (size, type)."""

    status_code = 422
    code = "upload_refused"

    def __init__(self, rejection: MediaRejected) -> None:
        super().__init__(rejection_message(rejection.code, rejection.params))
        self.rejection = rejection


class UploadNotFound(DomainError):
    """No upload in progress with this id for this user."""

    status_code = 404
    code = "upload_not_found"
    default_message = _l("This upload does not exist or was cancelled.")


class UploadConflict(DomainError):
    """The chunk does not start where the server's copy ends, or another request holds it."""

    status_code = 409
    code = "upload_conflict"
    default_message = _l(
        "This part of the file is already being received or was received already. Ask where to continue."
    )


class ChunkTooSmall(DomainError):
    """Storage needs every chunk but the last to be at least MIN_PART_SIZE bytes."""

    status_code = 400
    code = "chunk_too_small"
    default_message = _l("Each part of the file except the last must be at least 5 MB.")


class IncompleteChunk(DomainError):
    """The connection dropped before the announced chunk length arrived; nothing was kept."""

    status_code = 400
    code = "incomplete_chunk"
    default_message = _l("The connection dropped before this part of the file arrived. Send it again.")


class StorageDown(DomainError):
    """The storage backend cannot be reached; nothing was stored."""

    status_code = 503
    code = "storage_unavailable"

    def __init__(self) -> None:
        super().__init__(rejection_message("storage_unavailable", {}))


@dataclass(frozen=True)
class MediaRules:
    """The limits a file must meet, given by whoever asks for the upload (e.g. a category)."""

    kind: MediaKind
    allowed_formats: list[str] = field(default_factory=list)
    min_bytes: int | None = None
    max_bytes: int | None = None
    min_long_edge_px: int | None = None
    max_video_seconds: int | None = None

    def as_json(self) -> dict:
        """A plain dict to keep with the upload and the asset."""
        return asdict(self) | {"kind": self.kind.value}

    @classmethod
    def from_json(cls, data: dict) -> MediaRules:
        """Rebuild rules stored with an upload or asset."""
        return cls(**(data | {"kind": MediaKind(data["kind"])}))


def current_storage() -> Storage:
    """The storage backend configured for this app."""
    return current_app.extensions["storage"]


def display_filename(name: str) -> str:
    """The user's file name kept for display only: no path, no control characters, NFC."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[:FILENAME_MAX] or "file"


def _check_declared_size(length: int, rules: MediaRules) -> None:
    if length <= 0:
        raise UploadRefused(MediaRejected("empty"))
    if rules.max_bytes is not None and length > rules.max_bytes:
        raise UploadRefused(MediaRejected("too_large", size=length, max_bytes=rules.max_bytes))
    if rules.min_bytes is not None and length < rules.min_bytes:
        raise UploadRefused(MediaRejected("too_small_file", size=length, min_bytes=rules.min_bytes))


def start_upload(owner: User, filename: str, declared_type: str, length: int, rules: MediaRules) -> Upload:
    """Open a resumable upload; a file announced too large or too small is refused at once."""
    _check_declared_size(length, rules)
    storage = current_storage()
    key = new_key("originals")
    try:
        storage_upload_id = storage.start_multipart(key, "application/octet-stream")
    except StorageUnavailable as error:
        raise StorageDown() from error
    upload = Upload(
        owner_id=owner.id,
        kind=rules.kind,
        original_filename=display_filename(filename),
        declared_type=(declared_type or "")[:100],
        declared_length=length,
        received_bytes=0,
        rules=rules.as_json(),
        backend=storage.backend_name,
        storage_key=key,
        storage_upload_id=storage_upload_id,
        parts=[],
        expires_at=utcnow() + _upload_lifetime(),
    )
    db.session.add(upload)
    db.session.flush()
    return upload


def _upload_lifetime() -> timedelta:
    return timedelta(hours=current_app.config["UPLOAD_EXPIRY_HOURS"])


def get_upload(upload_id: str, owner: User) -> Upload:
    """The caller's own upload, or UploadNotFound (another user's id looks the same)."""
    upload = db.session.get(Upload, upload_id)
    if upload is None or upload.owner_id != owner.id:
        raise UploadNotFound()
    return upload


def claim_chunk(upload: Upload, offset: int, length: int) -> None:
    """Reserve the upload for one chunk starting at `offset`; the caller commits at once.

    The reservation (a short lease) keeps a retried request from storing the same part
    while the first is still streaming; it is a conditional UPDATE, so it works across
    processes and hosts.
    """
    if upload.state != UploadState.RECEIVING:
        raise UploadNotFound()
    if offset != upload.received_bytes:
        raise UploadConflict()
    remaining = upload.declared_length - upload.received_bytes
    if length > remaining:
        raise UploadRefused(MediaRejected("bigger_than_declared"))
    if length < remaining and length < MIN_PART_SIZE:
        raise ChunkTooSmall()
    now = utcnow()
    claimed = db.session.execute(
        update(Upload)
        .where(
            Upload.id == upload.id,
            Upload.received_bytes == offset,
            Upload.state == UploadState.RECEIVING,
            (Upload.lease_until.is_(None)) | (Upload.lease_until < now),
        )
        .values(lease_until=now + timedelta(minutes=15))
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:
        raise UploadConflict()


def store_chunk(upload: Upload, stream: BinaryIO, length: int) -> Upload:
    """Store one claimed chunk as the next part; completes the upload on the last chunk.

    Storage gets a whole part or nothing: a dropped connection leaves the offset unchanged.
    The first bytes of the file are checked before anything is kept.
    """
    reader = FirstBytesCheck(stream, upload) if upload.received_bytes == 0 else stream
    part_number = len(upload.parts) + 1
    try:
        etag = current_storage().put_part_stream(
            upload.storage_key, upload.storage_upload_id, part_number, reader, length
        )
    except IncompletePart as error:
        _release(upload)
        raise IncompleteChunk() from error
    except StorageUnavailable as error:
        _release(upload)
        raise StorageDown() from error
    except Exception:
        # Refusals, and a client that went away mid-body (werkzeug's ClientDisconnected):
        # the chunk is not kept and the next attempt must not wait for the lease to expire.
        _release(upload)
        raise
    upload.parts = [*upload.parts, [part_number, etag, length]]
    upload.received_bytes += length
    upload.updated_at = utcnow()
    upload.expires_at = upload.updated_at + _upload_lifetime()
    upload.lease_until = None
    db.session.flush()
    if upload.received_bytes == upload.declared_length:
        complete_upload(upload)
    return upload


class FirstBytesCheck:
    """A stream wrapper that refuses the upload if its first bytes are not an allowed format."""

    def __init__(self, stream: BinaryIO, upload: Upload) -> None:
        self._stream = stream
        self._upload = upload
        self._checked = False

    def read(self, size: int = -1) -> bytes:
        """Read from the wrapped stream, checking the very first block."""
        block = self._stream.read(size)
        if not self._checked and block:
            self._checked = True
            _check_first_bytes(self._upload, block[:SNIFF_BYTES])
        return block


def _release(upload: Upload) -> None:
    upload.lease_until = None
    db.session.flush()


def _check_first_bytes(upload: Upload, head: bytes) -> None:
    allowed = upload.rules.get("allowed_formats") or []
    if not compatible(sniff_format(head), allowed):
        abort_upload(upload)
        raise UploadRefused(MediaRejected("wrong_type", allowed=allowed))


def complete_upload(upload: Upload) -> MediaAsset:
    """Assemble the parts into the original, create the asset and queue its processing."""
    storage = current_storage()
    parts = [(number, etag) for number, etag, _size in upload.parts]
    try:
        stored = storage.complete_multipart(upload.storage_key, upload.storage_upload_id, parts)
    except StorageUnavailable as error:
        raise StorageDown() from error
    original = StoredFile(
        backend=storage.backend_name,
        key=upload.storage_key,
        size=stored.size,
        sha256=stored.sha256 or None,
        content_type="application/octet-stream",
    )
    asset = MediaAsset(
        owner_id=upload.owner_id,
        kind=upload.kind,
        original_filename=upload.original_filename,
        original=original,
        rules=upload.rules,
        state=ProcessingState.PENDING,
        attempts=0,
    )
    db.session.add(asset)
    db.session.flush()
    upload.asset_id = asset.id
    upload.state = UploadState.COMPLETE
    db.session.flush()
    enqueue(job_for(asset.kind), asset.id)
    return asset


PHOTO_JOB = "media.process_photo"
VIDEO_JOB = "media.process_video"


def job_for(kind: MediaKind) -> str:
    """The job (and so the queue) that processes this kind of asset."""
    return VIDEO_JOB if kind == MediaKind.VIDEO else PHOTO_JOB


def retry_asset(asset: MediaAsset) -> None:
    """Put a failed (or stuck) asset back in the queue, with a fresh attempt budget."""
    if asset.state == ProcessingState.READY or asset.original is None:
        return
    asset.state = ProcessingState.PENDING
    asset.attempts = 0
    asset.failure_code = None
    asset.failure_params = {}
    db.session.flush()
    enqueue(job_for(asset.kind), asset.id)


def abort_upload(upload: Upload) -> None:
    """Cancel an upload and drop what storage holds of it (idempotent)."""
    if upload.state == UploadState.RECEIVING:
        try:
            current_storage().abort_multipart(upload.storage_key, upload.storage_upload_id)
        except StorageUnavailable as error:
            raise StorageDown() from error
    upload.state = UploadState.ABORTED
    upload.lease_until = None
    db.session.flush()


def get_asset(asset_id: str, owner: User) -> MediaAsset:
    """The caller's own asset, or UploadNotFound."""
    asset = db.session.get(MediaAsset, asset_id)
    if asset is None or asset.owner_id != owner.id:
        raise UploadNotFound()
    return asset


def list_assets(owner: User) -> list[MediaAsset]:
    """The user's assets, newest first."""
    return list(
        db.session.scalars(
            select(MediaAsset).where(MediaAsset.owner_id == owner.id).order_by(MediaAsset.created_at.desc())
        )
    )


def asset_message(asset: MediaAsset) -> str | None:
    """Why an asset was refused or failed, in the reader's language."""
    if asset.state in (ProcessingState.REJECTED, ProcessingState.FAILED) and asset.failure_code:
        return rejection_message(asset.failure_code, asset.failure_params or {})
    return None


def sweep_stale_uploads(now: datetime | None = None) -> int:
    """Abort uploads nobody has touched for UPLOAD_EXPIRY_HOURS; returns how many."""
    now = now or utcnow()
    stale = db.session.scalars(
        select(Upload).where(Upload.state == UploadState.RECEIVING, Upload.expires_at < now)
    ).all()
    for upload in stale:
        abort_upload(upload)
    return len(stale)


def sweep_unclaimed_assets(older_than: timedelta, now: datetime | None = None) -> int:
    """Delete assets never claimed by an entry within `older_than`, with their files."""
    cutoff = (now or utcnow()) - older_than
    assets = db.session.scalars(
        select(MediaAsset).where(MediaAsset.claimed_at.is_(None), MediaAsset.created_at < cutoff)
    ).all()
    for asset in assets:
        delete_asset(asset)
    return len(assets)


def delete_asset(asset: MediaAsset) -> None:
    """Delete an asset, its derivatives and their stored bytes."""
    storage = current_storage()
    files = [d.file for d in asset.derivatives] + ([asset.original] if asset.original else [])
    for stored in files:
        storage.delete(stored.key)
    db.session.delete(asset)
    for stored in files:
        db.session.delete(stored)
    db.session.flush()


def sha256_of(path: Path) -> str:
    """SHA-256 of a file, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(COPY_BUFFER), b""):
            digest.update(block)
    return digest.hexdigest()
