"""Objects in a dict: for fast unit tests. Nothing survives the process.

Multipart uploads follow the local backend's rules (parts in order, a repeated last part
with the same bytes is a no-op), and complete_multipart checks the caller's sha256 against
the joined bytes, which is cheap here and catches callers that hash the wrong bytes.
"""

from __future__ import annotations

import hashlib
import io
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO
from uuid import uuid4

from app.storage.base import (
    CHUNK_SIZE,
    Digest,
    ObjectNotFound,
    StorageError,
    StoredObject,
    check_key,
    check_older_than,
    check_part_sizes,
    check_sha256,
    spooled_part,
)


@dataclass
class _Upload:
    """A multipart upload in progress."""

    key: str
    content_type: str
    created_at: datetime
    parts: list[tuple[int, str, bytes]] = field(default_factory=list)


class MemoryStorage:
    """Objects as bytes in a dict, guarded by a lock."""

    backend_name = "memory"

    def __init__(self) -> None:
        self._objects: dict[str, tuple[bytes, str]] = {}
        self._uploads: dict[str, _Upload] = {}
        self._lock = threading.Lock()

    def put_file(self, key: str, path: Path, content_type: str) -> StoredObject:
        """Read a file into memory, hashing it."""
        check_key(key)
        data, sha256 = _read_hashing(Path(path), hashlib.sha256())
        with self._lock:
            self._objects[key] = (data, content_type)
        return StoredObject(key=key, size=len(data), sha256=sha256, content_type=content_type)

    def open(self, key: str) -> BinaryIO:
        """A stream over the stored bytes."""
        return io.BytesIO(self._get(key))

    def download_to(self, key: str, path: Path) -> None:
        """Write the stored bytes to a file."""
        Path(path).write_bytes(self._get(key))

    def delete(self, key: str) -> None:
        """Forget the object if it is there."""
        check_key(key)
        with self._lock:
            self._objects.pop(key, None)

    def exists(self, key: str) -> bool:
        """Whether the object is there."""
        check_key(key)
        return key in self._objects

    def size(self, key: str) -> int:
        """The object's size."""
        return len(self._get(key))

    def public_url(
        self,
        key: str,
        *,
        expires_s: int = 3600,
        content_type: str | None = None,
        download_name: str | None = None,
        immutable: bool = False,
    ) -> str | None:
        """None: the app serves these objects itself."""
        check_key(key)
        return None

    def local_path(self, key: str) -> Path | None:
        """None: nothing is on disk."""
        check_key(key)
        return None

    def start_multipart(self, key: str, content_type: str) -> str:
        """Open an upload record."""
        check_key(key)
        upload_id = uuid4().hex
        with self._lock:
            self._uploads[upload_id] = _Upload(key, content_type, datetime.now(UTC))
        return upload_id

    def put_part(self, key: str, upload_id: str, part_number: int, path: Path) -> str:
        """Keep the next part; a repeat of the last part with the same bytes is a no-op."""
        data, etag = _read_hashing(Path(path), hashlib.md5(usedforsecurity=False))
        with self._lock:
            parts = self._upload(key, upload_id).parts
            if parts and part_number == parts[-1][0]:
                if parts[-1][1] != etag:
                    raise StorageError(f"part {part_number} was already received with different bytes")
                return etag
            if part_number != len(parts) + 1:
                raise StorageError(f"expected part {len(parts) + 1}, got part {part_number}")
            parts.append((part_number, etag, data))
        return etag

    def put_part_stream(self, key: str, upload_id: str, part_number: int, stream: BinaryIO, length: int) -> str:
        """Spool the part to a temporary file (a whole body the client can resend), then store it."""
        with spooled_part(stream, length) as path:
            return self.put_part(key, upload_id, part_number, path)

    def complete_multipart(
        self, key: str, upload_id: str, parts: list[tuple[int, str]], sha256: str | None = None
    ) -> StoredObject:
        """Join the parts into one object after checking the part list and the digest."""
        if sha256 is not None:
            check_sha256(sha256)
        with self._lock:
            upload = self._upload(key, upload_id)
            if [(n, etag) for n, etag, _ in upload.parts] != list(parts):
                raise StorageError("the part list does not match the parts received")
            check_part_sizes([len(data) for _, _, data in upload.parts])
            data = b"".join(data for _, _, data in upload.parts)
            digest = hashlib.sha256(data).hexdigest()
            if sha256 is not None and digest != sha256:
                raise StorageError("sha256 given does not match the bytes received")
            self._objects[key] = (data, upload.content_type)
            del self._uploads[upload_id]
        return StoredObject(key=key, size=len(data), sha256=digest, content_type=upload.content_type)

    def abort_multipart(self, key: str, upload_id: str) -> None:
        """Forget the upload if it is there."""
        check_key(key)
        with self._lock:
            upload = self._uploads.get(upload_id)
            if upload is not None and upload.key == key:
                del self._uploads[upload_id]

    def list_stale_multiparts(self, older_than: datetime) -> list[tuple[str, str]]:
        """Uploads started before older_than."""
        check_older_than(older_than)
        with self._lock:
            return [(u.key, upload_id) for upload_id, u in self._uploads.items() if u.created_at < older_than]

    def _get(self, key: str) -> bytes:
        check_key(key)
        try:
            return self._objects[key][0]
        except KeyError as exc:
            raise ObjectNotFound(key) from exc

    def _upload(self, key: str, upload_id: str) -> _Upload:
        check_key(key)
        upload = self._uploads.get(upload_id)
        if upload is None:
            raise ObjectNotFound(f"no multipart upload {upload_id!r}")
        if upload.key != key:
            raise StorageError(f"multipart upload {upload_id!r} is for another key")
        return upload


def _read_hashing(path: Path, digest: Digest) -> tuple[bytes, str]:
    """A file's bytes and hex digest, read a chunk at a time."""
    buffer = io.BytesIO()
    with path.open("rb") as source:
        while chunk := source.read(CHUNK_SIZE):
            digest.update(chunk)
            buffer.write(chunk)
    return buffer.getvalue(), digest.hexdigest()
