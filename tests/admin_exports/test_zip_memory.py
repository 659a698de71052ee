"""Flat memory: streaming a ZIP of several hundred MB keeps Python's allocations small."""

from __future__ import annotations

import hashlib
import os
import time
import tracemalloc

import pytest

from app.extensions import db
from app.media.services import current_storage

MB = 1024 * 1024
ENTRIES = 6
ORIGINAL_BYTES = 60 * MB
PEAK_LIMIT = 32 * MB


def fill_original(stored_file, size: int) -> None:
    """Write `size` random bytes straight into the local backend's file, a MiB at a time."""
    path = current_storage().local_path(stored_file.key)
    digest = hashlib.sha256()
    with path.open("wb") as out:
        for _ in range(size // MB):
            block = os.urandom(MB)
            digest.update(block)
            out.write(block)
    stored_file.size = size
    stored_file.sha256 = digest.hexdigest()


@pytest.mark.slow
def test_zip_export_of_360_mb_streams_in_flat_memory(as_admin, photo, make_stored_entry):
    for n in range(ENTRIES):
        entry = make_stored_entry(photo, f"placeholder {n}".encode())
        fill_original(entry.files[0].asset.original, ORIGINAL_BYTES)
    db.session.commit()

    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        started = time.perf_counter()
        response = as_admin.get("/admin/exports/originals.zip")
        assert response.status_code == 200
        total = 0
        tail = b""
        for chunk in response.iter_encoded():
            total += len(chunk)
            tail = (tail + chunk)[-100:]
        response.close()
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    print(f"\nstreamed {total / MB:.0f} MiB in {elapsed:.1f} s; peak Python allocations {peak / MB:.1f} MiB")
    assert total > ENTRIES * ORIGINAL_BYTES > 300 * MB
    assert tail[-22:].startswith(b"PK\x05\x06")  # the end of central directory record
    assert peak < PEAK_LIMIT
