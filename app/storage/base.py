"""The storage interface: errors, the stored-object record, the Storage protocol, key rules.

Keys are server generated ("originals/<uuid hex>", see new_key()), never taken from a
file name; every backend still refuses keys that could escape their folder or bucket.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Protocol, runtime_checkable
from urllib.parse import quote

# Every multipart part except the last must be at least this big (the S3 rule, kept by all backends).
MIN_PART_SIZE = 5 * 1024 * 1024
# Bytes read at a time when hashing or copying.
CHUNK_SIZE = 4 * 1024 * 1024
# The longest key S3 accepts, in UTF-8 bytes.
MAX_KEY_LENGTH = 1024
# Cache-Control for derivatives: their key changes whenever their bytes do.
IMMUTABLE_CACHE_CONTROL = "public, max-age=31536000, immutable"

_KEY_SEGMENT = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]*")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_ASCII_REPLACEMENTS = str.maketrans({"Đ": "D", "đ": "d", '"': "'", "\\": "_"})


class StorageError(Exception):
    """Something went wrong storing or reading an object."""


class StorageUnavailable(StorageError):
    """The backend cannot be reached (network, timeout, credentials); worth trying again later."""


class ObjectNotFound(StorageError):
    """No object (or multipart upload) with that key or id."""


class IncompletePart(StorageError):
    """The stream ended before the announced part length: nothing of the part was kept."""


class InvalidKey(StorageError, ValueError):
    """A key that is empty, absolute, or has "..", backslashes, empty or hidden segments."""


class Digest(Protocol):
    """The part of a hashlib hash object the backends use."""

    def update(self, data: bytes, /) -> None:
        """Feed more bytes."""
        ...

    def hexdigest(self) -> str:
        """The digest so far, in hex."""
        ...


@dataclass(frozen=True)
class StoredObject:
    """What a backend holds under a key, as recorded in the database."""

    key: str
    size: int
    sha256: str
    content_type: str


@runtime_checkable
class Storage(Protocol):
    """One place to keep media bytes; the same contract for every backend."""

    backend_name: str

    def put_file(self, key: str, path: Path, content_type: str) -> StoredObject:
        """Store a local file under key (replacing any object there), hashing it as it streams."""
        ...

    def open(self, key: str) -> BinaryIO:
        """A readable stream of the object's bytes; the caller closes it."""
        ...

    def download_to(self, key: str, path: Path) -> None:
        """Copy the object into a local file (created or replaced)."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object; removing a missing object is not an error."""
        ...

    def exists(self, key: str) -> bool:
        """Whether an object is stored under key."""
        ...

    def size(self, key: str) -> int:
        """The object's size in bytes."""
        ...

    def public_url(
        self,
        key: str,
        *,
        expires_s: int = 3600,
        content_type: str | None = None,
        download_name: str | None = None,
        immutable: bool = False,
    ) -> str | None:
        """A URL a browser can fetch the object from directly, or None when the app must serve it."""
        ...

    def local_path(self, key: str) -> Path | None:
        """The object's file on this machine (for X-Sendfile), or None for remote backends."""
        ...

    def start_multipart(self, key: str, content_type: str) -> str:
        """Begin a multipart upload to key and return its upload id."""
        ...

    def put_part(self, key: str, upload_id: str, part_number: int, path: Path) -> str:
        """Store part part_number (1, 2, ... in order) from a local file and return its etag."""
        ...

    def put_part_stream(self, key: str, upload_id: str, part_number: int, stream: BinaryIO, length: int) -> str:
        """Store the next part from a stream of exactly `length` bytes (IncompletePart if it ends early)."""
        ...

    def complete_multipart(
        self, key: str, upload_id: str, parts: list[tuple[int, str]], sha256: str | None = None
    ) -> StoredObject:
        """Join the parts into one object; sha256, when the caller knows it, is recorded (else "")."""
        ...

    def abort_multipart(self, key: str, upload_id: str) -> None:
        """Discard a multipart upload and its parts; aborting twice is not an error."""
        ...

    def list_stale_multiparts(self, older_than: datetime) -> list[tuple[str, str]]:
        """(key, upload_id) of multipart uploads started before older_than (timezone-aware)."""
        ...


def check_key(key: str) -> str:
    """Return key unchanged if it is a safe relative key, else raise InvalidKey."""
    if not isinstance(key, str) or not key:
        raise InvalidKey("a storage key must be a non-empty string")
    if len(key.encode("utf-8")) > MAX_KEY_LENGTH:
        raise InvalidKey(f"storage key longer than {MAX_KEY_LENGTH} bytes")
    for segment in key.split("/"):
        if not _KEY_SEGMENT.fullmatch(segment):
            raise InvalidKey(f"unsafe storage key {key!r}")
    return key


def check_sha256(sha256: str) -> str:
    """Return sha256 unchanged if it is a lowercase hex SHA-256 digest, else raise ValueError."""
    if not isinstance(sha256, str) or not _SHA256_HEX.fullmatch(sha256):
        raise ValueError("sha256 must be 64 lowercase hex digits")
    return sha256


def check_older_than(older_than: datetime) -> datetime:
    """Return older_than unchanged if it is timezone-aware, else raise ValueError."""
    if older_than.tzinfo is None:
        raise ValueError("older_than must be timezone-aware")
    return older_than


def check_part_sizes(sizes: list[int]) -> None:
    """Refuse a part list whose parts, all but the last, are smaller than MIN_PART_SIZE."""
    for number, size in enumerate(sizes[:-1], start=1):
        if size < MIN_PART_SIZE:
            raise StorageError(f"part {number} is {size} bytes; all parts but the last need {MIN_PART_SIZE}")


def hash_file(path: Path) -> tuple[int, str]:
    """Size and SHA-256 hex digest of a local file, read a chunk at a time."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as source:
        while chunk := source.read(CHUNK_SIZE):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def ascii_filename(name: str) -> str:
    """A plain-ASCII stand-in for a file name, for clients that ignore filename*."""
    folded = unicodedata.normalize("NFKD", name.translate(_ASCII_REPLACEMENTS))
    ascii_only = folded.encode("ascii", "ignore").decode("ascii")
    printable = "".join(ch if ch.isprintable() else "_" for ch in ascii_only).strip()
    return printable or "download"


def content_disposition(download_name: str, disposition: str = "attachment") -> str:
    """A Content-Disposition value with an ASCII filename and an RFC 5987 UTF-8 filename*."""
    encoded = quote(download_name, safe="")
    return f"{disposition}; filename=\"{ascii_filename(download_name)}\"; filename*=UTF-8''{encoded}"


@contextmanager
def spooled_part(stream: BinaryIO, length: int, directory: str | None = None) -> Iterator[Path]:
    """Copy exactly `length` bytes of a stream to a temporary file, removed afterwards.

    Backends that need a whole, seekable body (S3 retries a part from its start) use this.
    """
    handle, name = tempfile.mkstemp(prefix="part-", dir=directory)
    path = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            copy_exact(stream, out, length)
        yield path
    finally:
        path.unlink(missing_ok=True)


def copy_exact(stream: BinaryIO, out: BinaryIO, length: int, on_block=None) -> None:
    """Copy exactly `length` bytes; IncompletePart if the stream ends first."""
    remaining = length
    while remaining:
        block = stream.read(min(CHUNK_SIZE, remaining))
        if not block:
            raise IncompletePart(f"stream ended {remaining} bytes early")
        if on_block is not None:
            on_block(block)
        out.write(block)
        remaining -= len(block)
