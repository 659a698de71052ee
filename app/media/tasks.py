"""The processing job: glue between storage, the pure processing modules and the rows.

Idempotent by construction: derivative keys are fixed per asset and name, rows are
upserted, and a finished asset is left alone, so a job run twice (a retry, a worker
killed half-way and its task redelivered) leaves exactly one set of derivatives.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from datetime import timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from app.core.timeutil import utcnow
from app.extensions import db
from app.jobs import RetryLater, job
from app.media import images, video
from app.media.derivatives import DerivativeFile
from app.media.models import Derivative, MediaAsset, MediaKind, ProcessingState, StoredFile
from app.media.rejections import MediaRejected, ProcessingFailed
from app.media.services import PHOTO_JOB, VIDEO_JOB, MediaRules, current_storage, sha256_of
from app.media.signals import asset_processed
from app.storage.base import StorageError

UNFINISHED_STATES = (ProcessingState.PENDING, ProcessingState.PROCESSING)


def _unfinished(kind: MediaKind) -> Iterable[tuple]:
    ids = db.session.scalars(
        select(MediaAsset.id).where(MediaAsset.kind == kind, MediaAsset.state.in_(UNFINISHED_STATES))
    )
    return [(asset_id,) for asset_id in ids]


@job(PHOTO_JOB, queue="images", unfinished=lambda: _unfinished(MediaKind.PHOTO))
def process_photo(asset_id: str) -> None:
    """Validate a photo by content and make its web derivatives."""
    process_asset(asset_id)


@job(VIDEO_JOB, queue="video", unfinished=lambda: _unfinished(MediaKind.VIDEO))
def process_video(asset_id: str) -> None:
    """Validate a video by content, transcode it and pick a poster frame."""
    process_asset(asset_id)


def process_asset(asset_id: str) -> None:
    """Run one processing attempt; final states are left alone."""
    asset = db.session.get(MediaAsset, asset_id)
    if asset is None or asset.state not in UNFINISHED_STATES:
        return
    _start_attempt(asset)
    try:
        with tempfile.TemporaryDirectory(prefix=f"asset-{asset.id}-") as tmp:
            _process_in(asset, Path(tmp))
    except MediaRejected as rejection:
        _reject(asset, rejection)
    except (ProcessingFailed, StorageError, OSError) as error:
        _fail_or_retry(asset, error)
    except Exception as error:  # a bug must not leave the asset stuck in "processing"
        current_app.logger.exception("processing asset %s crashed", asset_id)
        _fail_or_retry(asset, error)


def _start_attempt(asset: MediaAsset) -> None:
    asset.state = ProcessingState.PROCESSING
    asset.attempts += 1
    asset.processing_started_at = utcnow()
    asset.next_attempt_at = None
    db.session.commit()


def _process_in(asset: MediaAsset, workdir: Path) -> None:
    storage = current_storage()
    source = workdir / "original"
    storage.download_to(asset.original.key, source)
    asset.original.sha256 = sha256_of(source)
    asset.original.size = source.stat().st_size
    rules = MediaRules.from_json(asset.rules)
    out_dir = workdir / "out"
    out_dir.mkdir()
    if asset.kind == MediaKind.PHOTO:
        files = _photo_derivatives(asset, source, out_dir, rules)
    else:
        files = _video_derivatives(asset, source, out_dir, rules)
    _store_derivatives(asset, files)
    asset.state = ProcessingState.READY
    asset.failure_code = None
    asset.failure_params = {}
    asset.failure_detail = None
    asset.processed_at = utcnow()
    _announce(asset)
    db.session.commit()


def _announce(asset: MediaAsset) -> None:
    """Tell subscribers the asset is final, before the commit that makes it so."""
    db.session.flush()
    asset_processed.send(asset)


def _photo_derivatives(asset: MediaAsset, source: Path, out_dir: Path, rules: MediaRules) -> list[DerivativeFile]:
    info = images.inspect_image(
        source,
        images.ImageRules(
            allowed_formats=frozenset(rules.allowed_formats),
            min_long_edge_px=rules.min_long_edge_px,
            min_bytes=rules.min_bytes,
            max_bytes=rules.max_bytes,
        ),
    )
    asset.original.content_type = f"image/{info.format}"
    asset.format, asset.width, asset.height = info.format, info.width, info.height
    asset.exif = info.exif
    asset.phash = images.phash_file(source)
    result = images.make_image_derivatives(source, out_dir)
    asset.placeholder = result.placeholder
    return result.files


def fill_phash(asset: MediaAsset) -> bool:
    """Compute a processed photo's perceptual hash from its stored original (flushes); False if it has none.

    For photos processed before hashes existed; processing computes it for every new photo.
    """
    if asset.kind != MediaKind.PHOTO or asset.state != ProcessingState.READY or asset.original is None:
        return False
    with tempfile.TemporaryDirectory(prefix=f"phash-{asset.id}-") as tmp:
        source = Path(tmp) / "original"
        current_storage().download_to(asset.original.key, source)
        asset.phash = images.phash_file(source)
    db.session.flush()
    return True


def _video_derivatives(asset: MediaAsset, source: Path, out_dir: Path, rules: MediaRules) -> list[DerivativeFile]:
    info = video.inspect_video(
        source,
        video.VideoRules(
            allowed_formats=frozenset(rules.allowed_formats),
            max_bytes=rules.max_bytes,
            max_seconds=rules.max_video_seconds,
        ),
    )
    asset.original.content_type = "video/quicktime" if info.container == "mov" else "video/mp4"
    asset.format, asset.width, asset.height = info.container, info.width, info.height
    asset.duration_s, asset.fps = info.duration_s, info.fps
    timeout = current_app.config["FFMPEG_TIMEOUT_S"]
    files = video.transcode_video(source, out_dir, info, timeout_s=timeout)
    files.append(video.make_poster(source, out_dir / "poster.jpg", info, timeout_s=timeout))
    return files


def _store_derivatives(asset: MediaAsset, files: list[DerivativeFile]) -> None:
    """Store each file at a key fixed by asset and name, upserting its rows."""
    storage = current_storage()
    existing = {d.name: d for d in asset.derivatives}
    for item in files:
        key = f"derivatives/{asset.id}/{item.name}"
        stored = storage.put_file(key, item.path, item.content_type)
        row = existing.get(item.name)
        if row is None:
            stored_row = db.session.scalar(
                select(StoredFile).where(StoredFile.backend == storage.backend_name, StoredFile.key == key)
            ) or StoredFile(backend=storage.backend_name, key=key)
            row = Derivative(name=item.name, file=stored_row)
            asset.derivatives.append(row)
        row.file.size, row.file.sha256, row.file.content_type = stored.size, stored.sha256, item.content_type
        row.width, row.height = item.width, item.height
    db.session.flush()


def _reject(asset: MediaAsset, rejection: MediaRejected) -> None:
    """A file that breaks a rule is refused for good and its bytes deleted."""
    db.session.rollback()
    asset = db.session.get(MediaAsset, asset.id)
    original = asset.original
    if original is not None:
        current_storage().delete(original.key)
        asset.original = None
        db.session.delete(original)
    asset.state = ProcessingState.REJECTED
    asset.failure_code = rejection.code
    asset.failure_params = {k: _plain(v) for k, v in rejection.params.items()}
    asset.processed_at = utcnow()
    _announce(asset)
    db.session.commit()


def _plain(value):
    if isinstance(value, (frozenset, set, tuple)):
        return sorted(value)
    return value


def _fail_or_retry(asset: MediaAsset, error: Exception) -> None:
    """Retry with backoff until MEDIA_MAX_ATTEMPTS, then mark failed with a readable reason."""
    db.session.rollback()
    asset = db.session.get(MediaAsset, asset.id)
    asset.failure_detail = f"{type(error).__name__}: {error}"[:2000]
    if asset.attempts < current_app.config["MEDIA_MAX_ATTEMPTS"]:
        delay = current_app.config["MEDIA_RETRY_BASE_S"] * 2 ** (asset.attempts - 1)
        asset.state = ProcessingState.PENDING
        asset.next_attempt_at = utcnow() + timedelta(seconds=delay)
        db.session.commit()
        raise RetryLater(delay, asset.failure_detail)
    asset.state = ProcessingState.FAILED
    asset.failure_code = "processing_failed"
    asset.failure_params = {}
    _announce(asset)
    db.session.commit()
    current_app.logger.error("asset %s failed after %d attempts: %s", asset.id, asset.attempts, asset.failure_detail)
