"""Choosing a backend from config, server-generated keys, the shared helpers, the settings."""

from __future__ import annotations

import re

import pytest

import config as app_config
from app.storage import (
    InvalidKey,
    LocalStorage,
    MemoryStorage,
    S3Storage,
    Storage,
    content_disposition,
    new_key,
    storage_from_config,
)
from app.storage.base import ascii_filename, check_sha256


def test_storage_from_config_defaults_to_local_under_the_instance_folder(tmp_path):
    storage = storage_from_config({"INSTANCE_DIR": tmp_path})

    assert isinstance(storage, LocalStorage)
    assert storage.root == (tmp_path / "media").resolve()
    assert storage.backend_name == "local"


def test_storage_from_config_builds_each_backend(tmp_path, aws_credentials):
    memory = storage_from_config({"STORAGE_BACKEND": "memory"})
    s3 = storage_from_config({"STORAGE_BACKEND": "s3", "S3_BUCKET": "media", "S3_KEY_PREFIX": "prod"})

    assert isinstance(memory, MemoryStorage) and memory.backend_name == "memory"
    assert isinstance(s3, S3Storage) and s3.backend_name == "s3"
    assert s3.key_prefix == "prod/"
    assert all(isinstance(backend, Storage) for backend in (memory, s3))


def test_storage_from_config_refuses_unknown_backend_and_s3_without_bucket():
    with pytest.raises(ValueError, match="STORAGE_BACKEND"):
        storage_from_config({"STORAGE_BACKEND": "ftp"})
    with pytest.raises(ValueError, match="S3_BUCKET"):
        storage_from_config({"STORAGE_BACKEND": "s3", "S3_BUCKET": ""})


def test_new_key_is_prefix_and_random_hex():
    first, second = new_key("originals"), new_key("originals")

    assert re.fullmatch(r"originals/[0-9a-f]{32}", first)
    assert first != second


def test_new_key_refuses_an_unsafe_prefix():
    with pytest.raises(InvalidKey):
        new_key("../originals")


def test_content_disposition_keeps_vietnamese_name_in_filename_star():
    value = content_disposition('Đêm hội Sen "2025".jpg')

    assert value == (
        "attachment; filename=\"Dem hoi Sen '2025'.jpg\"; "
        "filename*=UTF-8''%C4%90%C3%AAm%20h%E1%BB%99i%20Sen%20%222025%22.jpg"
    )


def test_ascii_filename_falls_back_when_nothing_is_left():
    assert ascii_filename("ảnh") == "anh"
    assert ascii_filename("写真") == "download"


def test_check_sha256_refuses_anything_but_lowercase_hex():
    with pytest.raises(ValueError):
        check_sha256("ABC")


def test_config_reads_storage_settings_from_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("STORAGE_BACKEND", "s3")
    monkeypatch.setenv("S3_BUCKET", "contest-media")
    monkeypatch.setenv("S3_ENDPOINT_URL", "http://minio:9000")
    monkeypatch.setenv("S3_KEY_PREFIX", "nghe-an")
    monkeypatch.setenv("S3_PUBLIC_BASE_URL", "https://cdn.example.org")
    monkeypatch.delenv("S3_REGION", raising=False)
    monkeypatch.delenv("MEDIA_ROOT", raising=False)

    config = app_config.Config(instance_dir=tmp_path)

    assert (config.STORAGE_BACKEND, config.S3_BUCKET, config.S3_ENDPOINT_URL) == (
        "s3", "contest-media", "http://minio:9000"
    )
    assert (config.S3_REGION, config.S3_KEY_PREFIX, config.S3_PUBLIC_BASE_URL) == (
        "us-east-1", "nghe-an", "https://cdn.example.org"
    )
    assert tmp_path / "media" == config.MEDIA_ROOT


def test_test_config_keeps_media_in_the_test_instance_and_reads_test_backend(monkeypatch, tmp_path):
    monkeypatch.setenv("STORAGE_BACKEND", "s3")
    monkeypatch.setenv("MEDIA_ROOT", "/srv/media")
    monkeypatch.setenv("TEST_STORAGE_BACKEND", "memory")

    config = app_config.TestConfig(instance_dir=tmp_path)

    assert config.STORAGE_BACKEND == "memory"
    assert tmp_path / "media" == config.MEDIA_ROOT
