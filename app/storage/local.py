"""Files under a root folder (MEDIA_ROOT): the embedded default for one machine.

Every write goes to a hidden temporary file in the destination folder and is moved into
place with os.replace, so readers see the old object or the new one, never half of one.
Multipart uploads append their parts in order to ROOT/.multipart/<upload_id>.part, with the
accepted parts recorded in <upload_id>.json; completing renames the part file into place.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import zlib
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, BinaryIO
from uuid import uuid4

from app.storage.base import (
    CHUNK_SIZE,
    Digest,
    IncompletePart,
    ObjectNotFound,
    StorageError,
    StorageUnavailable,
    StoredObject,
    check_key,
    check_older_than,
    check_part_sizes,
    check_sha256,
    copy_exact,
    spooled_part,
)

try:  # POSIX only; elsewhere parts of one upload are not guarded against concurrent writers
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

STAGING_DIR = ".multipart"
_UPLOAD_ID = re.compile(r"[0-9a-f]{32}")


class LocalStorage:
    """Objects as files under root; keys map to relative paths."""

    backend_name = "local"

    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.staging = self.root / STAGING_DIR

    # Objects

    def put_file(self, key: str, path: Path, content_type: str) -> StoredObject:
        """Copy a file into place atomically, hashing it on the way."""
        target = self._path(key)
        with Path(path).open("rb") as source, _storage_errors():
            target.parent.mkdir(parents=True, exist_ok=True)
            size, sha256 = _atomic_copy(source, target)
        return StoredObject(key=key, size=size, sha256=sha256, content_type=content_type)

    def open(self, key: str) -> BinaryIO:
        """The file opened for reading."""
        path = self._path(key)
        try:
            return path.open("rb")
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
            raise ObjectNotFound(key) from exc

    def download_to(self, key: str, path: Path) -> None:
        """Copy the file to path."""
        with self.open(key) as source, Path(path).open("wb") as target:
            shutil.copyfileobj(source, target, CHUNK_SIZE)

    def delete(self, key: str) -> None:
        """Remove the file if it is there."""
        with _storage_errors():
            self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        """Whether the file is there."""
        return self._path(key).is_file()

    def size(self, key: str) -> int:
        """The file's size."""
        path = self._path(key)
        if not path.is_file():
            raise ObjectNotFound(key)
        return path.stat().st_size

    def public_url(
        self,
        key: str,
        *,
        expires_s: int = 3600,
        content_type: str | None = None,
        download_name: str | None = None,
        immutable: bool = False,
    ) -> str | None:
        """None: the app serves local files itself."""
        check_key(key)
        return None

    def local_path(self, key: str) -> Path | None:
        """The file's absolute path, for X-Sendfile / X-Accel-Redirect."""
        path = self._path(key)
        if not path.is_file():
            raise ObjectNotFound(key)
        return path

    # Multipart uploads

    def start_multipart(self, key: str, content_type: str) -> str:
        """Create an empty part file and its record."""
        check_key(key)
        upload_id = uuid4().hex
        state = {"key": key, "content_type": content_type, "created_at": _now_iso(), "parts": []}
        with _storage_errors():
            self.staging.mkdir(parents=True, exist_ok=True)
            self._part_file(upload_id).touch()
            _write_state(self._state_file(upload_id), state)
        return upload_id

    def put_part(self, key: str, upload_id: str, part_number: int, path: Path) -> str:
        """Append the next part; a repeat of the last part with the same bytes is a no-op."""
        with self._locked_upload(key, upload_id) as (state, part_file):
            parts = state["parts"]
            if parts and part_number == parts[-1][0]:
                return _repeated_part_etag(parts[-1], path)
            if part_number != len(parts) + 1:
                raise StorageError(f"expected part {len(parts) + 1}, got part {part_number}")
            committed = sum(size for _, _, size in parts)
            with Path(path).open("rb") as source, _storage_errors():
                part_file.truncate(committed)  # drop bytes of an append that crashed half-way
                part_file.seek(committed)
                size, etag = _copy_md5(source, part_file)
                part_file.flush()
                os.fsync(part_file.fileno())
                parts.append([part_number, etag, size])
                _write_state(self._state_file(upload_id), state)
            return etag

    def put_part_stream(self, key: str, upload_id: str, part_number: int, stream: BinaryIO, length: int) -> str:
        """Append the next part straight from the stream: one copy, no temporary file.

        A stream that ends early leaves the part file as it was (IncompletePart).
        """
        with self._locked_upload(key, upload_id) as (state, part_file):
            parts = state["parts"]
            if parts and part_number == parts[-1][0]:
                with spooled_part(stream, length, str(self.root)) as path:
                    return _repeated_part_etag(parts[-1], path)
            if part_number != len(parts) + 1:
                raise StorageError(f"expected part {len(parts) + 1}, got part {part_number}")
            committed = sum(size for _, _, size in parts)
            crc = 0

            def add(block: bytes) -> None:
                nonlocal crc
                crc = zlib.crc32(block, crc)

            with _storage_errors():
                part_file.truncate(committed)
                part_file.seek(committed)
                try:
                    copy_exact(stream, part_file, length, on_block=add)
                except IncompletePart:
                    part_file.truncate(committed)
                    raise
                part_file.flush()
                os.fsync(part_file.fileno())
                etag = f"{crc:08x}-{length}"
                parts.append([part_number, etag, length])
                _write_state(self._state_file(upload_id), state)
            return etag

    def complete_multipart(
        self, key: str, upload_id: str, parts: list[tuple[int, str]], sha256: str | None = None
    ) -> StoredObject:
        """Move the joined part file into place; sha256 is trusted from the caller."""
        if sha256 is not None:
            check_sha256(sha256)
        target = self._path(key)
        with self._locked_upload(key, upload_id) as (state, part_file):
            recorded = state["parts"]
            if [(n, etag) for n, etag, _ in recorded] != [(n, etag) for n, etag in parts]:
                raise StorageError("the part list does not match the parts received")
            check_part_sizes([size for _, _, size in recorded])
            size = sum(size for _, _, size in recorded)
            with _storage_errors():
                part_file.truncate(size)
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(self._part_file(upload_id), target)
                _fsync_dir(target.parent)
                self._state_file(upload_id).unlink()
        return StoredObject(key=key, size=size, sha256=sha256 or "", content_type=state["content_type"])

    def abort_multipart(self, key: str, upload_id: str) -> None:
        """Remove the part file and its record, if any."""
        check_key(key)
        if not _UPLOAD_ID.fullmatch(upload_id):
            return
        with _storage_errors():
            self._part_file(upload_id).unlink(missing_ok=True)
            self._state_file(upload_id).unlink(missing_ok=True)

    def list_stale_multiparts(self, older_than: datetime) -> list[tuple[str, str]]:
        """Uploads whose record says they started before older_than."""
        check_older_than(older_than)
        stale = []
        for state_file in sorted(self.staging.glob("*.json")):
            with contextlib.suppress(FileNotFoundError, ValueError, KeyError):
                state = json.loads(state_file.read_text("utf-8"))
                if datetime.fromisoformat(state["created_at"]) < older_than:
                    stale.append((state["key"], state_file.stem))
        return stale

    # Helpers

    def _path(self, key: str) -> Path:
        """The file for key; refuses keys that would leave root (symlinks included)."""
        path = self.root / check_key(key)
        if not path.resolve().is_relative_to(self.root):
            raise StorageError(f"key {key!r} resolves outside the media root")
        return path

    def _part_file(self, upload_id: str) -> Path:
        return self.staging / f"{upload_id}.part"

    def _state_file(self, upload_id: str) -> Path:
        return self.staging / f"{upload_id}.json"

    @contextlib.contextmanager
    def _locked_upload(self, key: str, upload_id: str) -> Iterator[tuple[dict[str, Any], IO[bytes]]]:
        """The upload's record and its part file, locked against concurrent writers."""
        check_key(key)
        if not _UPLOAD_ID.fullmatch(upload_id):
            raise ObjectNotFound(f"no multipart upload {upload_id!r}")
        try:
            part_file = self._part_file(upload_id).open("r+b")
        except FileNotFoundError as exc:
            raise ObjectNotFound(f"no multipart upload {upload_id!r}") from exc
        with part_file:
            if fcntl is not None:
                fcntl.flock(part_file.fileno(), fcntl.LOCK_EX)
            state = _read_state(self._state_file(upload_id), upload_id)
            if state["key"] != key:
                raise StorageError(f"multipart upload {upload_id!r} is for another key")
            yield state, part_file


@contextlib.contextmanager
def _storage_errors() -> Iterator[None]:
    """Report disk failures (full, read-only, permissions) as the storage being unavailable."""
    try:
        yield
    except StorageError:
        raise
    except OSError as exc:
        raise StorageUnavailable(f"local storage failed: {exc}") from exc


def _atomic_copy(source: IO[bytes], target: Path) -> tuple[int, str]:
    """Copy source to a temporary file beside target, fsync, and rename it over target."""
    temp = target.with_name(f".tmp-{uuid4().hex}")
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        with os.fdopen(fd, "wb") as out:
            size, sha256 = _copy_sha256(source, out)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temp, target)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)
    return size, sha256


def _copy_sha256(source: IO[bytes], out: IO[bytes]) -> tuple[int, str]:
    """Copy a stream, returning its size and SHA-256 hex digest."""
    digest = hashlib.sha256()
    return _copy_hashing(source, out, digest), digest.hexdigest()


def _copy_md5(source: IO[bytes], out: IO[bytes] | None) -> tuple[int, str]:
    """Copy a stream (or just read it when out is None), returning its size and a CRC-32 etag.

    The etag only tells a retried part from a different one (the uploader's own bytes, no
    adversary to fool), so CRC-32 serves: it costs a fraction of MD5 on the upload hot path.
    """
    size = 0
    crc = 0
    while chunk := source.read(CHUNK_SIZE):
        crc = zlib.crc32(chunk, crc)
        if out is not None:
            out.write(chunk)
        size += len(chunk)
    return size, f"{crc:08x}-{size}"


def _copy_hashing(source: IO[bytes], out: IO[bytes] | None, digest: Digest) -> int:
    """Feed source to digest (and out, if given) a chunk at a time; return the byte count."""
    size = 0
    while chunk := source.read(CHUNK_SIZE):
        digest.update(chunk)
        if out is not None:
            out.write(chunk)
        size += len(chunk)
    return size


def _repeated_part_etag(last: list[Any], path: Path) -> str:
    """The stored etag if path holds the same bytes as the last part, else an error."""
    number, etag, size = last
    with Path(path).open("rb") as source:
        if os.fstat(source.fileno()).st_size == size and _copy_md5(source, None)[1] == etag:
            return etag
    raise StorageError(f"part {number} was already received with different bytes")


def _read_state(state_file: Path, upload_id: str) -> dict[str, Any]:
    try:
        return json.loads(state_file.read_text("utf-8"))
    except FileNotFoundError as exc:
        raise ObjectNotFound(f"no multipart upload {upload_id!r}") from exc


def _write_state(state_file: Path, state: dict[str, Any]) -> None:
    """Replace an upload's record atomically."""
    temp = state_file.with_name(f".tmp-{uuid4().hex}")
    try:
        temp.write_text(json.dumps(state), "utf-8")
        os.replace(temp, state_file)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise


def _fsync_dir(folder: Path) -> None:
    """Make a rename in folder durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - Windows
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()
