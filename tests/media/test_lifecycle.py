"""Sweeping stale uploads and unclaimed media, retrying failures, the CLI, X-Accel-Redirect."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.core.timeutil import utcnow
from app.extensions import db
from app.jobs import RetryLater
from app.jobs.inprocess import InProcessBackend
from app.media import images, services
from app.media.models import MediaAsset, ProcessingState, StoredFile, Upload, UploadState
from app.media.rejections import ProcessingFailed
from app.media.tasks import process_asset
from tests.media.uploads import jpeg_bytes


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_sweep_aborts_expired_uploads_and_frees_their_parts(app, tus, photo_category, runner):
    data = jpeg_bytes(2600, 2000, quality=98)
    location = tus.create(len(data), photo_category).headers["Location"]
    tus.patch(location, 0, data[: 5 * 1024 * 1024])
    with app.app_context():
        db.session.scalar(select(Upload)).expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
    result = runner.invoke(args=["media", "sweep"])
    assert "Aborted 1" in result.output
    with app.app_context():
        assert db.session.scalar(select(Upload)).state == UploadState.ABORTED
    assert not list((app.config["MEDIA_ROOT"] / ".multipart").glob("*.part"))
    assert tus.patch(location, 5 * 1024 * 1024, data[5 * 1024 * 1024 :]).status_code == 404


def test_sweep_deletes_unclaimed_assets_with_their_files(app, tmp_path, tus, photo_category):
    path = tmp_path / "a.jpg"
    path.write_bytes(jpeg_bytes(800, 600))
    tus.upload(path, photo_category)
    with app.test_request_context():
        assert services.sweep_unclaimed_assets(timedelta(days=30)) == 0
        asset = db.session.scalar(select(MediaAsset))
        asset.claimed_at = None
        asset.created_at = utcnow() - timedelta(days=31)
        db.session.commit()
        assert services.sweep_unclaimed_assets(timedelta(days=30)) == 1
        db.session.commit()
        assert count(MediaAsset) == 0 and count(StoredFile) == 0
    assert not [p for p in app.config["MEDIA_ROOT"].rglob("*") if p.is_file() and ".multipart" not in p.parts]


def test_failed_processing_is_retried_then_reported_and_cli_reprocesses(app, tmp_path, tus, photo_category, runner,
                                                                       monkeypatch):
    def broken(*_args, **_kwargs):
        raise ProcessingFailed("pillow_crashed", "simulated")

    monkeypatch.setattr(images, "make_image_derivatives", broken)
    path = tmp_path / "a.jpg"
    path.write_bytes(jpeg_bytes(800, 600))
    status = tus.upload(path, photo_category)
    with app.app_context():
        asset = db.session.get(MediaAsset, status["asset_id"])
        assert asset.state == ProcessingState.PENDING and asset.attempts == 1  # sync backend: retry is scheduled
        for _ in range(app.config["MEDIA_MAX_ATTEMPTS"] - 2):
            with pytest.raises(RetryLater):
                process_asset(asset.id)
        process_asset(asset.id)  # the last attempt gives up instead of asking for a retry
        db.session.expire_all()
        asset = db.session.get(MediaAsset, status["asset_id"])
        assert asset.state == ProcessingState.FAILED
        assert "simulated" in asset.failure_detail
    media = tus.client.get(f"/api/v1/media/{status['asset_id']}").get_json()
    assert media["state"] == "failed" and media["message"]
    assert re.search(r"^failed\s+1$", runner.invoke(args=["media", "queue"]).output, re.MULTILINE)
    monkeypatch.undo()
    assert "Queued 1" in runner.invoke(args=["media", "reprocess", "--failed"]).output
    with app.app_context():
        assert db.session.get(MediaAsset, status["asset_id"]).state == ProcessingState.READY


def test_pending_work_is_recovered_after_a_restart(app, tmp_path, tus, photo_category):
    path = tmp_path / "a.jpg"
    path.write_bytes(jpeg_bytes(800, 600))
    status = tus.upload(path, photo_category)
    with app.app_context():
        asset = db.session.get(MediaAsset, status["asset_id"])
        asset.state = ProcessingState.PROCESSING  # the process died half-way
        db.session.commit()
    assert InProcessBackend(app, synchronous=True).recover() >= 1
    with app.app_context():
        assert db.session.get(MediaAsset, status["asset_id"]).state == ProcessingState.READY


def test_derivatives_can_be_sent_by_the_proxy(app, tmp_path, tus, photo_category, monkeypatch):
    path = tmp_path / "a.jpg"
    path.write_bytes(jpeg_bytes(800, 600))
    status = tus.upload(path, photo_category)
    monkeypatch.setitem(app.config, "MEDIA_ACCEL_REDIRECT_PREFIX", "/_media/")
    response = tus.client.get(f"/media/{status['asset_id']}/w480.webp")
    assert response.headers["X-Accel-Redirect"] == f"/_media/derivatives/{status['asset_id']}/w480.webp"
    assert response.mimetype == "image/webp" and response.data == b""
