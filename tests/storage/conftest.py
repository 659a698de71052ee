"""Storage fixtures: every backend behind one `storage` fixture, S3 being moto over real HTTP.

The S3 fixtures live in tests/s3_fixtures.py (shared with the media tests). These tests
need no Flask app or database, so the suite-wide clean_state is replaced here.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from uuid import uuid4

import pytest

from app.storage import Storage, storage_from_config

S3_REGION = "us-east-1"
S3_PREFIX = "contest-media"


@pytest.fixture(autouse=True)
def clean_state() -> None:
    """Storage tests touch no database, outbox or rate limits (overrides tests/conftest.py)."""


@pytest.fixture(params=["local", "memory", "s3"])
def storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    """Each backend in turn, for the contract every backend keeps."""
    if request.param == "s3":
        return request.getfixturevalue("s3_storage")
    return storage_from_config({"STORAGE_BACKEND": request.param, "MEDIA_ROOT": tmp_path / "media"})


@pytest.fixture
def make_file(tmp_path: Path) -> Callable[[int], Path]:
    """Factory: a file of n random bytes in the test's folder."""

    def make(n: int) -> Path:
        path = tmp_path / "sources" / uuid4().hex
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(os.urandom(n))
        return path

    return make
