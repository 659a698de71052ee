"""The whole upload-to-derivatives path against an S3-protocol server over HTTP (moto)."""

from __future__ import annotations

import io
import socket
import urllib.request

import pytest
from PIL import Image
from sqlalchemy import func, select

from app.extensions import db
from app.media.models import MediaAsset, ProcessingState, StoredFile, Upload
from app.storage.s3 import S3Storage
from tests.media.uploads import jpeg_bytes

pytestmark = pytest.mark.usefixtures("aws_credentials")


@pytest.fixture
def on_s3(app, s3_storage, monkeypatch):
    """Point the app's storage at the moto S3 server for one test."""
    monkeypatch.setitem(app.extensions, "storage", s3_storage)
    return s3_storage


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_upload_to_s3_makes_presigned_derivatives(app, tmp_path, tus, photo_category, on_s3, s3_client, s3_bucket):
    path = tmp_path / "Hoàng hôn.jpg"
    path.write_bytes(jpeg_bytes(2600, 2000, quality=98))  # two chunks: a real S3 multipart upload
    status = tus.upload(path, photo_category)
    with app.app_context():
        asset = db.session.get(MediaAsset, status["asset_id"])
        assert asset.state == ProcessingState.READY, asset.failure_detail
        original_key = asset.original.key
    head = s3_client.head_object(Bucket=s3_bucket, Key=f"contest-media/{original_key}")
    assert head["ContentLength"] == path.stat().st_size
    media = tus.client.get(f"/api/v1/media/{status['asset_id']}").get_json()
    card = next(d for d in media["derivatives"] if d["name"] == "social.jpg")
    redirect = tus.client.get(card["url"])
    assert redirect.status_code == 302
    location = redirect.headers["Location"]
    assert "X-Amz-Algorithm=AWS4-HMAC-SHA256" in location
    with urllib.request.urlopen(location, timeout=10) as response:
        assert response.headers["Content-Type"] == "image/jpeg"
        assert Image.open(io.BytesIO(response.read())).size == (1200, 630)


def test_s3_unreachable_when_starting_gives_clear_503_and_stores_nothing(app, tus, photo_category, monkeypatch):
    dead = S3Storage("bucket", endpoint_url=f"http://127.0.0.1:{closed_port()}", connect_timeout_s=1, max_attempts=1)
    monkeypatch.setitem(app.extensions, "storage", dead)
    response = tus.create(1000, photo_category)
    assert response.status_code == 503
    assert response.get_json()["error"]["code"] == "storage_unavailable"
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Upload)) == 0


def test_s3_unreachable_mid_upload_keeps_offset_and_resumes(app, tus, photo_category, on_s3, monkeypatch):
    data = jpeg_bytes(2600, 2000, quality=98)
    location = tus.create(len(data), photo_category).headers["Location"]
    dead = S3Storage("bucket", endpoint_url=f"http://127.0.0.1:{closed_port()}", connect_timeout_s=1, max_attempts=1)
    monkeypatch.setitem(app.extensions, "storage", dead)
    first = data[: 5 * 1024 * 1024]
    response = tus.patch(location, 0, first)
    assert response.status_code == 503
    assert int(tus.client.head(location, headers=tus.headers()).headers["Upload-Offset"]) == 0
    monkeypatch.setitem(app.extensions, "storage", on_s3)  # storage is back
    assert tus.patch(location, 0, first).status_code == 204
    assert tus.patch(location, len(first), data[len(first):]).status_code == 204
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StoredFile)) >= 1
        assert db.session.scalar(select(MediaAsset)).state == ProcessingState.READY
