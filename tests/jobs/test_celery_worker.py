"""Real Celery workers on real Redis run the media jobs, and survive being killed mid-transcode."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import redis
from PIL import Image
from sqlalchemy import func, select

from app.auth.models import User
from app.extensions import db
from app.jobs.celery_backend import CeleryBackend
from app.jobs.registry import REGISTRY
from app.media.models import Derivative, MediaAsset, MediaKind, ProcessingState, StoredFile
from app.media.services import PHOTO_JOB, VIDEO_JOB, MediaRules, current_storage
from app.media.video import ffmpeg_binary
from config import BASE_DIR

BROKER = os.environ.get("TEST_CELERY_BROKER_URL", "redis://127.0.0.1:6379/14")
pytestmark = pytest.mark.slow


@pytest.fixture
def broker():
    """A real, empty Redis database for the broker."""
    client = redis.Redis.from_url(BROKER, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis at {BROKER}: {error}")
    client.flushdb()
    yield BROKER
    client.flushdb()


class Worker:
    """A `celery worker` process using the same database and media folder as the tests."""

    def __init__(self, app, broker_url: str, log: Path):
        env = os.environ | {
            "APP_ENV": "test",
            "INSTANCE_DIR": str(app.config["INSTANCE_DIR"]),
            "TEST_JOBS_BACKEND": "celery",
            "CELERY_BROKER_URL": broker_url,
            "JOBS_VISIBILITY_TIMEOUT_S": "3",
        }
        self.log = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "app.jobs.worker:celery", "worker",
             "-Q", "images,video,default", "-P", "solo", "--without-mingle", "--without-gossip",
             "--loglevel", "INFO", "-n", f"test-{uuid.uuid4().hex[:6]}@%h"],
            cwd=BASE_DIR, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip

    def kill(self) -> None:
        """SIGKILL the worker and everything it started (ffmpeg included), as a crash would."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
                return
        self.log.close()


@pytest.fixture
def start_worker(app, broker, tmp_path):
    workers: list[Worker] = []

    def start() -> Worker:
        worker = Worker(app, broker, tmp_path / "worker.log")
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()


def make_asset(app, make_user, kind: MediaKind, source: Path, rules: MediaRules) -> str:
    """A pending asset whose original is already in storage, as a finished upload leaves it."""
    owner = make_user()
    with app.test_request_context():
        storage = current_storage()
        key = f"originals/{uuid.uuid4().hex}"
        stored = storage.put_file(key, source, "application/octet-stream")
        original = StoredFile(backend=storage.backend_name, key=key, size=stored.size, sha256=stored.sha256,
                              content_type="application/octet-stream")
        asset = MediaAsset(owner_id=db.session.get(User, owner.id).id, kind=kind, original_filename=source.name,
                           original=original, rules=rules.as_json(), state=ProcessingState.PENDING, attempts=0)
        db.session.add(asset)
        db.session.commit()
        return asset.id


def wait_for(app, asset_id: str, states: set[ProcessingState], timeout_s: float) -> MediaAsset:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with app.app_context():
            asset = db.session.get(MediaAsset, asset_id)
            if asset.state in states:
                db.session.expunge(asset)
                return asset
        time.sleep(0.2)
    raise AssertionError(f"asset {asset_id} did not reach {states} in {timeout_s}s")


def submit(app, job_name: str, asset_id: str, monkeypatch, broker_url: str) -> None:
    monkeypatch.setitem(app.config, "CELERY_BROKER_URL", broker_url)
    CeleryBackend(app).submit(REGISTRY[job_name], (asset_id,))


def derivative_count(app, asset_id: str) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Derivative).where(Derivative.asset_id == asset_id))


def test_celery_worker_processes_a_photo(app, make_user, start_worker, broker, monkeypatch, tmp_path):
    source = tmp_path / "photo.jpg"
    Image.effect_noise((1200, 900), 30).convert("RGB").save(source, quality=90)
    rules = MediaRules(kind=MediaKind.PHOTO, allowed_formats=["jpeg"])
    asset_id = make_asset(app, make_user, MediaKind.PHOTO, source, rules)
    start_worker()
    submit(app, PHOTO_JOB, asset_id, monkeypatch, broker)
    asset = wait_for(app, asset_id, {ProcessingState.READY, ProcessingState.FAILED, ProcessingState.REJECTED}, 90)
    assert asset.state == ProcessingState.READY, asset.failure_detail
    assert derivative_count(app, asset_id) >= 4


def test_worker_killed_mid_transcode_finishes_on_redelivery_with_one_set(
    app, make_user, start_worker, broker, monkeypatch, tmp_path
):
    source = tmp_path / "clip.mp4"
    subprocess.run(
        [ffmpeg_binary(), "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
         "-f", "lavfi", "-i", "sine=frequency=440", "-t", "12", "-c:v", "libx264", "-preset", "ultrafast",
         "-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", str(source)],
        check=True,
    )  # fmt: skip
    rules = MediaRules(kind=MediaKind.VIDEO, allowed_formats=["mp4"], max_video_seconds=300)
    asset_id = make_asset(app, make_user, MediaKind.VIDEO, source, rules)
    first = start_worker()
    submit(app, VIDEO_JOB, asset_id, monkeypatch, broker)
    wait_for(app, asset_id, {ProcessingState.PROCESSING}, 60)
    time.sleep(1.0)  # let ffmpeg get going
    first.kill()
    with app.app_context():
        assert db.session.get(MediaAsset, asset_id).state == ProcessingState.PROCESSING
    start_worker()  # the unacknowledged task comes back after the visibility timeout
    asset = wait_for(app, asset_id, {ProcessingState.READY, ProcessingState.FAILED, ProcessingState.REJECTED}, 180)
    assert asset.state == ProcessingState.READY, asset.failure_detail
    assert asset.attempts == 2
    with app.app_context():
        names = sorted(db.session.scalars(select(Derivative.name).where(Derivative.asset_id == asset_id)))
    assert len(names) == len(set(names)) and "720p.mp4" in names and "poster.jpg" in names
    stored = sorted(p.name for p in (app.config["MEDIA_ROOT"] / "derivatives" / asset_id).iterdir())
    assert stored == names
