"""Resumable uploads through the tus API, processed by the real pipeline (sync jobs, local disk)."""

from __future__ import annotations

import io

from PIL import Image
from sqlalchemy import func, select

from app.extensions import db
from app.media.models import Derivative, MediaAsset, ProcessingState, StoredFile, Upload, UploadState
from tests.media.uploads import jpeg_bytes


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_upload_photo_in_chunks_becomes_a_ready_asset(app, tmp_path, tus, photo_category):
    path = tmp_path / "Đêm hội.jpg"
    path.write_bytes(jpeg_bytes(1600, 1200, quality=97))
    status = tus.upload(path, photo_category)
    assert status["state"] == "complete" and status["asset_id"]
    media = tus.client.get(f"/api/v1/media/{status['asset_id']}").get_json()
    assert media["state"] == "ready", media
    assert media["filename"] == "Đêm hội.jpg"
    names = {d["name"] for d in media["derivatives"]}
    assert {"w480.webp", "w1280.webp", "social.jpg"} <= names
    thumb = next(d for d in media["derivatives"] if d["name"] == "w480.webp")
    with tus.client.get(thumb["url"]) as served:
        assert served.status_code == 200 and served.mimetype == "image/webp"
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert Image.open(io.BytesIO(served.get_data())).size[0] == 480


def test_upload_resumes_from_the_confirmed_offset(app, tmp_path, tus, photo_category):
    data = jpeg_bytes(2600, 2000, quality=98)
    assert len(data) > 5 * 1024 * 1024 + 1000, "the test needs at least two chunks"
    location = tus.create(len(data), photo_category).headers["Location"]
    first = data[: 5 * 1024 * 1024]
    assert tus.patch(location, 0, first).status_code == 204
    # The connection drops: the client asks where to go on.
    head = tus.client.head(location, headers=tus.headers())
    offset = int(head.headers["Upload-Offset"])
    assert offset == len(first)
    assert tus.patch(location, 0, first).status_code == 409  # a stale offset is refused
    assert tus.patch(location, offset, data[offset:]).status_code == 204
    status = tus.client.get(location).get_json()
    with app.app_context():
        asset = db.session.get(MediaAsset, status["asset_id"])
        assert asset.state == ProcessingState.READY
        assert asset.original.size == len(data)


def test_upload_announced_too_large_is_refused_at_once(app, tus, photo_category):
    response = tus.create(13 * 1024 * 1024, photo_category)
    assert response.status_code == 422
    assert "MB" in response.get_json()["error"]["message"]
    assert count(app, Upload) == 0


def test_upload_whose_first_bytes_are_not_an_allowed_format_is_refused(app, tus, photo_category):
    data = b"<?php echo 'not a photo'; ?>" * 100
    location = tus.create(len(data), photo_category, filename="photo.jpg").headers["Location"]
    response = tus.patch(location, 0, data)
    assert response.status_code == 422
    with app.app_context():
        assert db.session.scalar(select(Upload)).state == UploadState.ABORTED
    assert count(app, StoredFile) == 0


def test_upload_more_bytes_than_announced_is_refused(tus, photo_category):
    data = jpeg_bytes(800, 600)
    location = tus.create(len(data) - 10, photo_category).headers["Location"]
    assert tus.patch(location, 0, data).status_code == 422


def test_small_middle_chunk_is_refused(tus, photo_category):
    data = jpeg_bytes(2600, 2000, quality=98)
    location = tus.create(len(data), photo_category).headers["Location"]
    assert tus.patch(location, 0, data[:1024]).status_code == 400


def test_photo_below_minimum_size_is_rejected_and_its_bytes_deleted(app, tmp_path, tus, photo_category):
    path = tmp_path / "small.jpg"
    path.write_bytes(jpeg_bytes(500, 400))
    status = tus.upload(path, photo_category)
    media = tus.client.get(f"/api/v1/media/{status['asset_id']}").get_json()
    assert media["state"] == "rejected"
    assert "600" in media["message"]
    assert media["derivatives"] == []
    assert count(app, StoredFile) == 0
    assert not any(p.is_file() for p in app.config["MEDIA_ROOT"].rglob("*") if ".multipart" not in p.parts)


def test_other_users_cannot_see_an_upload_or_asset(app, tmp_path, tus, photo_category, make_user):
    path = tmp_path / "mine.jpg"
    path.write_bytes(jpeg_bytes(800, 600))
    status = tus.upload(path, photo_category)
    make_user(email="other@example.com")
    other = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(other).login("other@example.com")
    assert other.get(f"/api/v1/uploads/{status['id']}").status_code == 404
    assert other.get(f"/api/v1/media/{status['asset_id']}").status_code == 404
    with app.app_context():
        name = db.session.scalar(select(Derivative.name))
    assert other.get(f"/media/{status['asset_id']}/{name}").status_code == 404


def test_upload_requires_login_and_csrf(client, photo_category):
    assert client.post("/api/v1/uploads", headers={"Upload-Length": "10"}).status_code in (400, 401)


def test_terminate_upload_frees_storage(app, tus, photo_category):
    data = jpeg_bytes(2600, 2000, quality=98)
    location = tus.create(len(data), photo_category).headers["Location"]
    tus.patch(location, 0, data[: 5 * 1024 * 1024])
    assert tus.client.delete(location, headers=tus.headers()).status_code == 204
    assert not list((app.config["MEDIA_ROOT"] / ".multipart").glob("*.part"))


def test_dropped_connection_mid_chunk_releases_the_chunk_at_once(app, tus, photo_category):
    """A client that goes away mid-body must be able to resend the chunk right away."""
    data = jpeg_bytes(2600, 2000, quality=98)
    location = tus.create(len(data), photo_category).headers["Location"]
    first = data[: 5 * 1024 * 1024]
    truncated = tus.client.patch(
        location,
        input_stream=io.BytesIO(first[:1024 * 1024]),
        headers=tus.headers(**{"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream",
                               "Content-Length": str(len(first))}),
    )
    assert truncated.status_code == 400
    with app.app_context():
        assert db.session.scalar(select(Upload)).lease_until is None
    assert tus.patch(location, 0, first).status_code == 204


def test_head_of_a_cancelled_upload_is_not_found(tus, photo_category):
    data = jpeg_bytes(800, 600)
    location = tus.create(len(data), photo_category).headers["Location"]
    tus.client.delete(location, headers=tus.headers())
    assert tus.client.head(location, headers=tus.headers()).status_code == 404
