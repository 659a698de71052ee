"""Memory backend specifics: it checks the caller's digest and keeps multipart rules."""

from __future__ import annotations

import hashlib

import pytest

from app.storage import MemoryStorage, StorageError, new_key


def test_memory_complete_multipart_refuses_a_wrong_sha256(make_file):
    storage = MemoryStorage()
    key = new_key("originals")
    upload_id = storage.start_multipart(key, "image/jpeg")
    etag = storage.put_part(key, upload_id, 1, make_file(100))

    with pytest.raises(StorageError, match="sha256"):
        storage.complete_multipart(key, upload_id, [(1, etag)], hashlib.sha256(b"other").hexdigest())
    assert not storage.exists(key)


def test_memory_put_part_out_of_order_is_refused(make_file):
    storage = MemoryStorage()
    key = new_key("originals")
    upload_id = storage.start_multipart(key, "image/jpeg")

    with pytest.raises(StorageError):
        storage.put_part(key, upload_id, 2, make_file(10))


def test_memory_repeated_last_part_with_other_bytes_is_refused(make_file):
    storage = MemoryStorage()
    key = new_key("originals")
    upload_id = storage.start_multipart(key, "image/jpeg")
    storage.put_part(key, upload_id, 1, make_file(10))

    with pytest.raises(StorageError):
        storage.put_part(key, upload_id, 1, make_file(10))
