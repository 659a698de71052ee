"""Local-disk backend: atomic writes, the staging folder, paths for X-Sendfile, key defence."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pytest

from app.storage import InvalidKey, LocalStorage, ObjectNotFound, StorageError, StorageUnavailable, new_key
from app.storage import local as local_module
from app.storage.base import MIN_PART_SIZE


@pytest.fixture
def local(tmp_path) -> LocalStorage:
    return LocalStorage(tmp_path / "media")


def files_under(root: Path) -> list[str]:
    """Every file below root, relative, hidden ones included."""
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_local_put_file_writes_under_root_and_local_path_returns_it(local, make_file):
    source = make_file(1000)
    key = new_key("originals")

    local.put_file(key, source, "image/jpeg")

    path = local.local_path(key)
    assert path == local.root / key
    assert path.read_bytes() == source.read_bytes()
    assert files_under(local.root) == [key]


def test_local_put_file_failure_mid_write_leaves_no_partial_file(local, make_file, monkeypatch):
    key = new_key("originals")

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(local_module.os, "fsync", disk_full)
    with pytest.raises(StorageUnavailable):
        local.put_file(key, make_file(3 * 1024 * 1024), "image/jpeg")

    assert not local.exists(key)
    assert files_under(local.root) == []


def test_local_put_file_failure_keeps_the_previous_object(local, make_file, monkeypatch):
    key = new_key("derivatives")
    first = make_file(100)
    local.put_file(key, first, "image/webp")

    def broken_replace(src, dst) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(local_module.os, "replace", broken_replace)
    with pytest.raises(StorageUnavailable):
        local.put_file(key, make_file(200), "image/webp")

    assert local.local_path(key).read_bytes() == first.read_bytes()
    assert files_under(local.root) == [key]


def test_local_put_file_from_missing_source_creates_nothing(local, tmp_path):
    key = new_key("originals")

    with pytest.raises(FileNotFoundError):
        local.put_file(key, tmp_path / "does-not-exist", "image/jpeg")

    assert not local.exists(key)
    assert files_under(local.root) == []


def test_local_written_files_are_readable_by_other_users(local, make_file):
    key = new_key("originals")
    old_umask = os.umask(0o022)
    try:
        local.put_file(key, make_file(10), "image/jpeg")
    finally:
        os.umask(old_umask)

    assert local.local_path(key).stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize(
    "key", ["..", "../outside", "originals/../../outside", "/etc/passwd", "a\\b", "a//b", ".multipart/x", "a/.hidden"]
)
def test_local_refuses_keys_that_escape_or_hide(local, key):
    with pytest.raises(InvalidKey):
        local.exists(key)


def test_local_refuses_keys_through_a_symlink_out_of_root(local, tmp_path, make_file):
    outside = tmp_path / "outside"
    outside.mkdir()
    local.root.mkdir(parents=True, exist_ok=True)
    (local.root / "originals").symlink_to(outside)

    with pytest.raises(StorageError):
        local.put_file("originals/x", make_file(10), "image/jpeg")
    assert list(outside.iterdir()) == []


def test_local_local_path_of_missing_key_raises_object_not_found(local):
    with pytest.raises(ObjectNotFound):
        local.local_path(new_key("originals"))


def test_local_multipart_stages_parts_then_moves_them_into_place(local, make_file):
    key = new_key("originals")
    upload_id = local.start_multipart(key, "video/mp4")
    etag = local.put_part(key, upload_id, 1, make_file(4096))

    assert files_under(local.root) == [f".multipart/{upload_id}.json", f".multipart/{upload_id}.part"]
    local.complete_multipart(key, upload_id, [(1, etag)], hashlib.sha256(b"x").hexdigest())

    assert files_under(local.root) == [key]


def test_local_abort_multipart_removes_staging_files(local, make_file):
    key = new_key("originals")
    upload_id = local.start_multipart(key, "video/mp4")
    local.put_part(key, upload_id, 1, make_file(4096))

    local.abort_multipart(key, upload_id)

    assert files_under(local.root) == []


def test_local_put_part_out_of_order_is_refused(local, make_file):
    key = new_key("originals")
    upload_id = local.start_multipart(key, "video/mp4")

    with pytest.raises(StorageError):
        local.put_part(key, upload_id, 2, make_file(10))


def test_local_repeated_last_part_with_other_bytes_is_refused(local, make_file):
    key = new_key("originals")
    upload_id = local.start_multipart(key, "video/mp4")
    local.put_part(key, upload_id, 1, make_file(100))

    with pytest.raises(StorageError):
        local.put_part(key, upload_id, 1, make_file(100))


def test_local_put_part_after_a_crashed_append_drops_the_torn_bytes(local, make_file):
    first, second = make_file(MIN_PART_SIZE), make_file(10)
    key = new_key("originals")
    upload_id = local.start_multipart(key, "video/mp4")
    etag1 = local.put_part(key, upload_id, 1, first)
    with (local.staging / f"{upload_id}.part").open("ab") as torn:
        torn.write(b"half of a part whose record was never written")

    etag2 = local.put_part(key, upload_id, 2, second)
    data = first.read_bytes() + second.read_bytes()
    local.complete_multipart(key, upload_id, [(1, etag1), (2, etag2)], hashlib.sha256(data).hexdigest())

    assert local.local_path(key).read_bytes() == data


def test_local_complete_multipart_with_wrong_part_list_is_refused(local, make_file):
    key = new_key("originals")
    upload_id = local.start_multipart(key, "video/mp4")
    local.put_part(key, upload_id, 1, make_file(10))

    with pytest.raises(StorageError):
        local.complete_multipart(key, upload_id, [(1, "not-the-etag")], hashlib.sha256(b"").hexdigest())
    assert not local.exists(key)


@pytest.mark.parametrize("upload_id", ["../../etc", "0" * 31, "Z" * 32])
def test_local_unknown_or_malformed_upload_id_raises_object_not_found(local, upload_id, make_file):
    with pytest.raises(ObjectNotFound):
        local.put_part(new_key("originals"), upload_id, 1, make_file(10))


def test_local_multipart_upload_id_belongs_to_its_key(local, make_file):
    upload_id = local.start_multipart(new_key("originals"), "video/mp4")

    with pytest.raises(StorageError):
        local.put_part(new_key("originals"), upload_id, 1, make_file(10))
