"""Entries follow their files through background processing (the asset_processed listener).

Processing runs as the worker runs it: `process_asset` in its own application context (and so
its own database session), after the entry was committed. One test goes through the real tus
upload API with the job held back until the entry exists.
"""

from __future__ import annotations

import io
import threading
import time

import pytest
from PIL import ExifTags, Image
from sqlalchemy import select, text

from app.auth.models import User
from app.contest.models import Category
from app.entries.models import Entry, EntryFile, EntryKind, EntryStatus
from app.entries.services import (
    EntryNotFound,
    FileChoice,
    file_progress,
    get_own_entry,
    list_own_entries,
    needs_attention,
    submit_entry,
    update_entry,
    withdraw_entry,
)
from app.extensions import db
from app.media import tasks
from app.media.models import MediaAsset, ProcessingState
from app.media.services import PHOTO_JOB
from app.media.signals import asset_processed
from app.media.tasks import process_asset
from tests.entries.conftest import choices, make_declarations, make_details, submit
from tests.media.uploads import TusClient

SINGLE = EntryKind.SINGLE_PHOTO
SERIES = EntryKind.PHOTO_SERIES


def jpeg(size: tuple[int, int] = (800, 600), software: str | None = None, captured: str | None = None) -> bytes:
    """A fresh (random noise, so unique) JPEG, with EXIF Software and DateTimeOriginal when given."""
    image = Image.effect_noise(size, 40).convert("RGB")
    exif = Image.Exif()
    if software:
        exif[ExifTags.Base.Software] = software
    if captured:
        exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = captured
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, exif=exif)
    return buffer.getvalue()


@pytest.fixture
def relaxed_photo(photo):
    """The photo category with rules small enough for quickly generated test photos."""
    photo.min_long_edge_px = 600
    photo.min_bytes = None
    photo.max_bytes = 12 * 1024 * 1024
    db.session.commit()
    return photo


@pytest.fixture
def run_processing(app):
    """Process assets as the worker does: in a separate application context and session."""

    def run(*assets: MediaAsset) -> None:
        ids = [asset.id for asset in assets]
        db.session.commit()  # the worker only sees what was committed
        for asset_id in ids:
            with app.app_context():
                process_asset(asset_id)
        db.session.expire_all()

    return run


@pytest.fixture
def pending_photo(make_asset):
    """Factory: an uploaded, not yet processed photo whose bytes are really stored (SHA-256 not known yet)."""

    def make(owner: User, data: bytes | None = None) -> MediaAsset:
        return make_asset(owner, state=ProcessingState.PENDING, sha256=None, data=data or jpeg())

    return make


def reloaded(entry: Entry) -> Entry:
    db.session.expire_all()
    return db.session.get(Entry, entry.id)


class DeferredJobs:
    """A job backend that holds jobs back until run_all(), then hands them to the real one."""

    def __init__(self, backend) -> None:
        self.backend = backend
        self.queued: list = []

    def submit(self, spec, args, delay_s: float = 0) -> None:
        self.queued.append((spec, args))

    def names(self) -> list[str]:
        return [spec.name for spec, _args in self.queued]

    def run_all(self) -> list[str]:
        """Run what is queued (jobs queued meanwhile wait for the next call); returns their names."""
        queued, self.queued = self.queued, []
        for spec, args in queued:
            self.backend.submit(spec, args)
        return [spec.name for spec, _args in queued]


@pytest.fixture
def deferred_jobs(app, monkeypatch) -> DeferredJobs:
    deferred = DeferredJobs(app.extensions["jobs"])
    monkeypatch.setitem(app.extensions, "jobs", deferred)
    return deferred


# ---------------------------------------------------------------------------- end to end


def test_uploaded_photo_entered_before_processing_makes_the_entry_received_when_processed(
    relaxed_photo, make_entrant, client, auth, tmp_path, deferred_jobs
):
    """tus upload → entry submitted while the photo waits → processing finishes → entry received."""
    entrant = make_entrant(email="an@example.com")
    assert auth.login("an@example.com").status_code == 302
    path = tmp_path / "binh-minh.jpg"
    path.write_bytes(jpeg())
    status = TusClient(client).upload(path, relaxed_photo.id)
    asset = db.session.get(MediaAsset, status["asset_id"])
    assert asset.state == ProcessingState.PENDING and asset.owner_id == entrant.id
    assert deferred_jobs.names() == [PHOTO_JOB], "processing waits"

    entry = submit(entrant, relaxed_photo, SINGLE, asset)
    db.session.commit()
    assert reloaded(entry).status == EntryStatus.SUBMITTED

    assert PHOTO_JOB in deferred_jobs.run_all()
    entry = reloaded(entry)
    assert entry.files[0].asset.state == ProcessingState.READY
    assert entry.status == EntryStatus.RECEIVED
    assert entry.received_at is not None
    assert entry.authenticity_flags == [{"code": "no_capture_time", "position": 1}]
    assert not needs_attention(entry)


def test_processing_a_pending_photo_makes_its_entry_received(relaxed_photo, entrant, pending_photo, run_processing):
    """The listener moves the entry on once the last of its files is processed, not before."""
    first, second = pending_photo(entrant), pending_photo(entrant)
    entry = submit(entrant, relaxed_photo, SERIES, first, second)
    db.session.commit()

    run_processing(first)
    assert reloaded(entry).status == EntryStatus.SUBMITTED, "one photo is still waiting"

    run_processing(second)
    entry = reloaded(entry)
    assert [f.asset.state for f in entry.files] == [ProcessingState.READY, ProcessingState.READY]
    assert entry.status == EntryStatus.RECEIVED
    assert entry.received_at is not None


def test_processed_upload_that_no_entry_uses_is_left_alone(entrant, pending_photo, run_processing):
    asset = pending_photo(entrant)
    run_processing(asset)
    assert db.session.get(MediaAsset, asset.id).state == ProcessingState.READY
    assert db.session.scalar(select(EntryFile)) is None


def test_photo_refused_by_processing_leaves_the_entry_submitted_and_asks_for_a_replacement(
    relaxed_photo, entrant, pending_photo, run_processing
):
    """Bytes that are not a picture are rejected by processing; the entrant must replace the file."""
    entry = submit(entrant, relaxed_photo, SINGLE, pending_photo(entrant, data=b"not a picture at all " * 100))
    db.session.commit()
    run_processing(entry.files[0].asset)
    entry = reloaded(entry)
    assert entry.files[0].asset.state == ProcessingState.REJECTED
    assert entry.status == EntryStatus.SUBMITTED
    assert needs_attention(entry)


def test_processed_photo_breaking_the_category_rules_gets_a_problem(
    relaxed_photo, entrant, pending_photo, run_processing
):
    """A photo uploaded under looser rules is judged by the category once its size is known."""
    entry = submit(entrant, relaxed_photo, SINGLE, pending_photo(entrant, data=jpeg(size=(500, 400))))
    db.session.commit()
    run_processing(entry.files[0].asset)
    entry = reloaded(entry)
    assert entry.files[0].asset.state == ProcessingState.READY
    assert entry.files[0].problem_code == "too_small_dimensions"
    assert entry.status == EntryStatus.SUBMITTED
    assert file_progress(entry.files[0]).state == "problem"


# ---------------------------------------------------------------------------- authenticity flags


def test_authenticity_flags_are_recorded_when_photos_are_processed(
    relaxed_photo, entrant, pending_photo, run_processing
):
    """Editing software, no capture time, a capture date outside the window: each flag names its photo.

    Flags never refuse: the entry is received all the same.
    """
    edited = pending_photo(entrant, jpeg(software="Adobe Photoshop 25.0 (Windows)", captured="2025:04:30 08:15:00"))
    stripped = pending_photo(entrant, jpeg())
    old = pending_photo(entrant, jpeg(software="Ver.1.10", captured="2022:06:01 10:00:00"))
    clean = pending_photo(entrant, jpeg(software="HDR+ 1.0.540104767zd", captured="2025:04:30 08:15:00"))
    entry = submit(entrant, relaxed_photo, SERIES, edited, stripped, old, clean)
    db.session.commit()
    assert reloaded(entry).authenticity_flags == [], "nothing is known before processing"

    run_processing(edited, stripped, old, clean)
    entry = reloaded(entry)
    assert entry.authenticity_flags == [
        {"code": "editing_software", "software": "Adobe Photoshop 25.0 (Windows)", "position": 1},
        {"code": "no_capture_time", "position": 2},
        {"code": "captured_outside_window", "captured_on": "2022-06-01", "position": 3},
    ]
    assert entry.status == EntryStatus.RECEIVED


# ---------------------------------------------------------------------------- the same bytes, found late


def test_duplicate_found_by_processing_marks_the_later_entry(
    relaxed_photo, entrant, make_entrant, pending_photo, run_processing
):
    """Two uploads of the same bytes, entered before either was hashed: the earlier entry keeps the
    photo, the later one's file is marked duplicate_file and that entry is not received."""
    data = jpeg()
    other = make_entrant()
    earlier = submit(entrant, relaxed_photo, SINGLE, pending_photo(entrant, data))
    db.session.commit()
    later = submit(other, relaxed_photo, SINGLE, pending_photo(other, data))
    db.session.commit()

    run_processing(earlier.files[0].asset, later.files[0].asset)
    earlier, later = reloaded(earlier), reloaded(later)
    assert earlier.status == EntryStatus.RECEIVED
    assert earlier.files[0].problem_code is None
    assert later.status == EntryStatus.SUBMITTED
    assert later.files[0].problem_code == "duplicate_file"
    assert later.files[0].duplicate_of_id == earlier.id
    assert file_progress(later.files[0]).state == "problem"
    assert needs_attention(later) and not needs_attention(earlier)


def test_duplicate_is_the_later_entry_whichever_file_is_processed_first(
    relaxed_photo, entrant, make_entrant, pending_photo, run_processing
):
    """If the later entry's copy is processed first it is received for a while, then loses the photo."""
    data = jpeg()
    other = make_entrant()
    earlier = submit(entrant, relaxed_photo, SINGLE, pending_photo(entrant, data))
    db.session.commit()
    later = submit(other, relaxed_photo, SINGLE, pending_photo(other, data))
    db.session.commit()

    run_processing(later.files[0].asset)
    assert reloaded(later).status == EntryStatus.RECEIVED
    run_processing(earlier.files[0].asset)
    earlier, later = reloaded(earlier), reloaded(later)
    assert earlier.status == EntryStatus.RECEIVED
    assert (later.status, later.received_at) == (EntryStatus.SUBMITTED, None)
    assert later.files[0].problem_code == "duplicate_file"


def test_withdrawing_the_earlier_entry_frees_the_later_entrys_copy(
    relaxed_photo, entrant, make_entrant, pending_photo, run_processing
):
    """A withdrawn entry no longer counts for "the same file twice" (a new entry of those bytes would
    be accepted), so the copy it blocked is no longer a duplicate and that entry is received."""
    data = jpeg()
    other = make_entrant()
    earlier = submit(entrant, relaxed_photo, SINGLE, pending_photo(entrant, data))
    db.session.commit()
    later = submit(other, relaxed_photo, SINGLE, pending_photo(other, data))
    db.session.commit()
    run_processing(earlier.files[0].asset, later.files[0].asset)
    assert reloaded(later).files[0].problem_code == "duplicate_file"

    withdraw_entry(reloaded(earlier))
    db.session.commit()
    later = reloaded(later)
    assert later.files[0].problem_code is None
    assert later.files[0].duplicate_of_id is None
    assert later.status == EntryStatus.RECEIVED
    assert not needs_attention(later)


def test_replacing_the_earlier_entrys_file_frees_the_later_entrys_copy(
    relaxed_photo, entrant, make_entrant, make_asset, pending_photo, run_processing
):
    """Once the earlier entry no longer holds those bytes (its entrant chose another photo), the
    later entry's copy is the only one in the contest: no longer a duplicate, and received."""
    data = jpeg()
    other = make_entrant()
    earlier = submit(entrant, relaxed_photo, SINGLE, pending_photo(entrant, data))
    db.session.commit()
    later = submit(other, relaxed_photo, SINGLE, pending_photo(other, data))
    db.session.commit()
    run_processing(earlier.files[0].asset, later.files[0].asset)
    assert reloaded(later).files[0].problem_code == "duplicate_file"

    update_entry(reloaded(earlier), entrant, make_details(), choices(make_asset(entrant)))
    db.session.commit()
    later = reloaded(later)
    assert later.files[0].problem_code is None
    assert later.files[0].duplicate_of_id is None
    assert later.status == EntryStatus.RECEIVED


# ---------------------------------------------------------------------------- submitting while processing ends


@pytest.mark.parametrize("worker_pauses", ["before_announcing", "after_the_listener"])
def test_entry_submitted_while_its_photo_finishes_processing_is_still_received(
    app, relaxed_photo, entrant, pending_photo, monkeypatch, worker_pauses
):
    """The worker and the entrant at the same moment: the worker has stored the derivatives and
    written the asset (not committed) when the entrant submits. Both must succeed, and the entry
    must end up received: nothing will process the photo again to fix it later.

    The worker is paused either just before it marks the asset READY and tells the listener,
    or just after the listener ran (finding no entry yet); the entrant's request runs in between.
    Real concurrency, so PostgreSQL only (SQLite has a single writer and no row locks).
    """
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL's row locks and concurrent transactions")
    asset_id, entrant_id, category_id = pending_photo(entrant).id, entrant.id, relaxed_photo.id
    db.session.commit()
    paused, release = threading.Event(), threading.Event()
    outcome: dict = {}

    def pause(*_args, **_kw):
        paused.set()
        release.wait(30)

    def worker():
        with app.app_context():
            try:
                process_asset(asset_id)
            except Exception as error:  # RetryLater after a failed attempt, among others
                outcome["worker_error"] = repr(error)

    def entrant_submits():
        with app.test_request_context():
            try:
                entry = submit_entry(
                    db.session.get(User, entrant_id),
                    db.session.get(Category, category_id),
                    SINGLE,
                    make_details(),
                    make_declarations(),
                    [FileChoice(asset_id)],
                )
                db.session.commit()
                outcome["entry_id"] = entry.id
            except Exception as error:  # a deadlock aborting the request, among others
                db.session.rollback()
                outcome["request_error"] = repr(error)

    if worker_pauses == "before_announcing":
        announce = tasks._announce

        def pause_then_announce(asset):
            pause()
            announce(asset)

        monkeypatch.setattr(tasks, "_announce", pause_then_announce)
    else:
        asset_processed.connect(pause, weak=False)
    try:
        job = threading.Thread(target=worker)
        job.start()
        assert paused.wait(30), "the worker reached the end of processing"
        request = threading.Thread(target=entrant_submits)
        request.start()
        _wait_until_blocked_or_done(request)
        release.set()
        job.join(30)
        request.join(30)
    finally:
        release.set()
        asset_processed.disconnect(pause)
    assert not job.is_alive() and not request.is_alive()

    assert "request_error" not in outcome, outcome["request_error"]
    assert "worker_error" not in outcome, outcome["worker_error"]
    db.session.expire_all()
    assert db.session.get(MediaAsset, asset_id).state == ProcessingState.READY
    entry = db.session.get(Entry, outcome["entry_id"])
    assert entry.status == EntryStatus.RECEIVED, "every file is processed, yet the entry is not received"


def _wait_until_blocked_or_done(thread: threading.Thread, timeout: float = 10) -> None:
    """Wait until the thread's transaction waits for a row lock, or the thread has finished."""
    deadline = time.monotonic() + timeout
    with db.engine.connect() as conn:
        while thread.is_alive() and time.monotonic() < deadline:
            waiting = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
            if waiting:
                return
            conn.rollback()
            time.sleep(0.05)


# ---------------------------------------------------------------------------- changing files


def test_replacing_a_file_takes_the_entry_back_to_submitted_until_the_new_one_is_processed(
    relaxed_photo, entrant, make_asset, pending_photo, run_processing
):
    old = make_asset(entrant)
    entry = submit(entrant, relaxed_photo, SINGLE, old)
    db.session.commit()
    assert entry.status == EntryStatus.RECEIVED

    new = pending_photo(entrant)
    update_entry(entry, entrant, make_details(), choices(new))
    db.session.commit()
    entry = reloaded(entry)
    assert [f.asset_id for f in entry.files] == [new.id]
    assert (entry.status, entry.received_at) == (EntryStatus.SUBMITTED, None)
    assert db.session.get(MediaAsset, old.id).claimed_at is None, "the replaced upload is free again"
    assert db.session.get(MediaAsset, new.id).claimed_at is not None

    run_processing(new)
    entry = reloaded(entry)
    assert entry.status == EntryStatus.RECEIVED
    assert entry.received_at is not None


def test_reordering_a_series_and_changing_captions_keeps_it_received(relaxed_photo, entrant, make_asset):
    """The same photos in a new order take each other's positions; nothing needs processing again."""
    first, second = make_asset(entrant), make_asset(entrant)
    entry = submit(entrant, relaxed_photo, SERIES, first, second)
    db.session.commit()
    update_entry(entry, entrant, make_details(), [FileChoice(second.id, caption_vi="Mở đầu"), FileChoice(first.id)])
    db.session.commit()
    entry = reloaded(entry)
    assert [(f.position, f.asset_id, f.caption_vi) for f in entry.files] == [
        (1, second.id, "Mở đầu"),
        (2, first.id, ""),
    ]
    assert entry.status == EntryStatus.RECEIVED


def test_editing_only_the_text_keeps_the_entry_received(relaxed_photo, entrant, make_asset):
    asset = make_asset(entrant)
    entry = submit(entrant, relaxed_photo, SINGLE, asset)
    db.session.commit()
    update_entry(entry, entrant, make_details(title_vi="Hoàng hôn trên sông Lam"), choices(asset))
    db.session.commit()
    entry = reloaded(entry)
    assert entry.title_vi == "Hoàng hôn trên sông Lam"
    assert entry.status == EntryStatus.RECEIVED
    assert db.session.get(MediaAsset, asset.id).claimed_at is not None


# ---------------------------------------------------------------------------- reading one's own entries


def test_get_own_entry_does_not_find_another_users_entry(photo, entrant, make_entrant, make_entry):
    """Another entrant's code looks exactly like a code that does not exist."""
    mine = make_entry(entrant, photo)
    other = make_entrant()
    theirs = make_entry(other, photo)
    assert get_own_entry(mine.code, entrant).id == mine.id
    with pytest.raises(EntryNotFound):
        get_own_entry(theirs.code, entrant)
    with pytest.raises(EntryNotFound):
        get_own_entry("HNA25-A-9999", entrant)
    assert [e.code for e in list_own_entries(other)] == [theirs.code]
