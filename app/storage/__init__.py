"""Where media bytes live: one small interface, a backend chosen by STORAGE_BACKEND.

- "local" (the default): files under MEDIA_ROOT, served by the app (or X-Sendfile);
- "s3": a bucket on AWS S3 or a compatible service (MinIO, R2), served by presigned URLs;
- "memory": a dict, for fast unit tests.

This package knows nothing of Flask, models or media processing: callers pass it plain
config values and keys from new_key(), and record the StoredObject it returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any
from uuid import uuid4

from app.storage.base import (
    MIN_PART_SIZE,
    InvalidKey,
    ObjectNotFound,
    Storage,
    StorageError,
    StorageUnavailable,
    StoredObject,
    check_key,
    content_disposition,
)
from app.storage.local import LocalStorage
from app.storage.memory import MemoryStorage
from app.storage.s3 import S3Storage

__all__ = [
    "MIN_PART_SIZE",
    "InvalidKey",
    "LocalStorage",
    "MemoryStorage",
    "ObjectNotFound",
    "S3Storage",
    "Storage",
    "StorageError",
    "StorageUnavailable",
    "StoredObject",
    "content_disposition",
    "new_key",
    "storage_from_config",
]

BACKENDS = ("local", "s3", "memory")


def storage_from_config(config: Mapping[str, Any]) -> Storage:
    """The backend named by STORAGE_BACKEND, built from the other storage settings."""
    name = config.get("STORAGE_BACKEND") or "local"
    if name == "local":
        return LocalStorage(_media_root(config))
    if name == "s3":
        return S3Storage(
            config.get("S3_BUCKET") or "",
            endpoint_url=config.get("S3_ENDPOINT_URL") or None,
            region=config.get("S3_REGION") or "us-east-1",
            key_prefix=config.get("S3_KEY_PREFIX") or "",
            public_base_url=config.get("S3_PUBLIC_BASE_URL") or None,
        )
    if name == "memory":
        return MemoryStorage()
    raise ValueError(f"STORAGE_BACKEND must be one of {', '.join(BACKENDS)}, not {name!r}")


def new_key(prefix: str) -> str:
    """A fresh server-generated key under prefix, e.g. "originals/3f2c…" (never from a file name)."""
    return check_key(f"{prefix}/{uuid4().hex}")


def _media_root(config: Mapping[str, Any]) -> Path:
    """MEDIA_ROOT, or the media folder of the instance folder."""
    if config.get("MEDIA_ROOT"):
        return Path(config["MEDIA_ROOT"])
    if config.get("INSTANCE_DIR"):
        return Path(config["INSTANCE_DIR"]) / "media"
    raise ValueError("local storage needs MEDIA_ROOT (or INSTANCE_DIR)")
