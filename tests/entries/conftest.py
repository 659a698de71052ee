"""Entry test fixtures: the seeded contest with its window opened around now, assets made
directly in the database, valid entry details, and a check that a refusal left nothing behind.

Service tests run inside `app_ctx` (a request context, so the confirmation mail can build
its link) and commit like a real request does.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.contest.models import Category, Contest, ContestStatus, MediaType, StaffMembership, StaffRole
from app.core.timeutil import end_of_local_day, start_of_local_day, utcnow
from app.entries.models import Entry, EntryCodeCounter, EntryFile, EntryKind, EntryMember
from app.entries.services import Declarations, EntryDetails, FileChoice, submit_entry
from app.extensions import db
from app.media.models import MediaAsset, MediaKind, ProcessingState, StoredFile
from app.media.services import MediaRules, current_storage
from app.storage import new_key

MB = 1024 * 1024
TZ = "Asia/Ho_Chi_Minh"
RANDOM = object()  # make_asset: "a fresh random SHA-256"

# EXIF as processing records it for a clean camera photo taken inside the creation window.
CAMERA_EXIF = {
    "camera_make": "Canon",
    "camera_model": "Canon EOS R6",
    "captured_at": "2025-04-30T08:15:00+07:00",
    "has_gps": True,
    "software": "Ver.1.10",
}


# ---------------------------------------------------------------------------- contests and categories


@pytest.fixture
def contest(app_ctx, seeded_contest) -> Contest:
    """The seeded contest taking entries now: open since 10 days, closing in 10 days.

    The creation window stays as seeded (1 Jan 2023 – 1 Oct 2025), so made_on 30 Apr 2025 is valid.
    """
    found = db.session.scalar(select(Contest).where(Contest.slug == seeded_contest))
    now = utcnow()
    found.submissions_open_at = now - timedelta(days=10)
    found.submissions_close_at = now + timedelta(days=10)
    found.results_at = None
    found.work_created_from = date(2023, 1, 1)
    found.work_created_until = date(2025, 10, 1)
    db.session.commit()
    return found


@pytest.fixture
def dated_contest(app_ctx, seeded_contest) -> Contest:
    """The seeded contest with its real window: 15 Jul 2025 00:00 to 1 Oct 2025 24:00, Vietnam time.

    Tests pass `now` explicitly to submit_entry to stand on either side of an edge.
    """
    found = db.session.scalar(select(Contest).where(Contest.slug == seeded_contest))
    found.submissions_open_at = start_of_local_day(date(2025, 7, 15), TZ)
    found.submissions_close_at = end_of_local_day(date(2025, 10, 1), TZ)
    found.results_at = None
    found.work_created_from = date(2023, 1, 1)
    found.work_created_until = date(2025, 10, 1)
    db.session.commit()
    return found


def category_of(contest: Contest, slug: str) -> Category:
    return db.session.scalar(select(Category).where(Category.contest_id == contest.id, Category.slug == slug))


@pytest.fixture
def photo(contest) -> Category:
    """The photo category (code A, series B): JPEG, long edge ≥ 3000 px, 3–50 MB, series of 2–10."""
    return category_of(contest, "photo")


@pytest.fixture
def video(contest) -> Category:
    """The video category (code V): MP4, at most 200 MB and 300 s."""
    return category_of(contest, "video")


@pytest.fixture
def make_other_contest(app_ctx):
    """Factory: a second contest (not the current one), open now, with a photo category coded A."""

    def make(slug: str = "other-contest-2026") -> Contest:
        now = utcnow()
        other = Contest(
            slug=slug,
            entry_code_prefix="OTH26",
            name_vi="Cuộc thi khác",
            name_en="Another contest",
            rules_version="2026-01-01",
            timezone=TZ,
            submissions_open_at=now - timedelta(days=10),
            submissions_close_at=now + timedelta(days=10),
            work_created_from=date(2023, 1, 1),
            work_created_until=date(2025, 10, 1),
            min_entrant_age=15,
            status=ContestStatus.PUBLISHED,
        )
        other.categories.append(
            Category(
                slug="photo",
                code_letter="A",
                name_vi="Ảnh",
                name_en="Photo",
                media_type=MediaType.PHOTO,
                allows_single_photo=True,
                allows_photo_series=True,
                allowed_formats=["jpeg"],
                min_long_edge_px=3000,
                min_bytes=3 * MB,
                max_bytes=50 * MB,
            )
        )
        db.session.add(other)
        db.session.commit()
        return other

    return make


@pytest.fixture
def make_staff(app_ctx):
    """Factory: record a user as jury or secretariat of a contest."""

    def make(contest: Contest, user: User, role: StaffRole) -> StaffMembership:
        membership = StaffMembership(contest_id=contest.id, user_id=user.id, role=role)
        db.session.add(membership)
        db.session.commit()
        return membership

    return make


# ---------------------------------------------------------------------------- people


@pytest.fixture
def make_entrant(app_ctx, make_user):
    """Factory: a committed user, loaded into the test's session (as current_user is in a request)."""

    def make(**fields) -> User:
        return db.session.get(User, make_user(**fields).id)

    return make


@pytest.fixture
def entrant(make_entrant) -> User:
    """A verified adult entrant."""
    return make_entrant(email="entrant@example.com", full_name="Trần Thị Bình")


# ---------------------------------------------------------------------------- media assets


@pytest.fixture
def make_asset(app_ctx, tmp_path):
    """Factory: a media asset inserted directly, with a StoredFile original (no bytes unless `data`).

    Defaults describe a processed JPEG that meets the photo category's rules: READY, 4000×3000,
    4 MB, a random SHA-256 and clean camera EXIF. A video gets MP4, 1920×1080 and 60 s instead.
    With `data`, the bytes are really stored so the processing job can read them. REJECTED and
    FAILED assets have no original (processing deletes the bytes) and carry a failure code.
    """

    def make(
        owner: User,
        kind: MediaKind = MediaKind.PHOTO,
        state: ProcessingState = ProcessingState.READY,
        *,
        width: int | None = None,
        height: int | None = None,
        size: int = 4 * MB,
        sha256=RANDOM,
        exif: dict | None = None,
        format: str | None = None,
        duration_s: float | None = None,
        data: bytes | None = None,
        filename: str | None = None,
    ) -> MediaAsset:
        is_photo = kind == MediaKind.PHOTO
        asset = MediaAsset(
            owner_id=owner.id,
            kind=kind,
            original_filename=filename or ("ảnh.jpg" if is_photo else "phim.mp4"),
            rules=MediaRules(kind=kind, allowed_formats=["jpeg"] if is_photo else ["mp4", "mov"]).as_json(),
            state=state,
            attempts=0 if state == ProcessingState.PENDING else 1,
            exif={},
        )
        if state == ProcessingState.READY:
            asset.width = width if width is not None else (4000 if is_photo else 1920)
            asset.height = height if height is not None else (3000 if is_photo else 1080)
            asset.format = format or ("jpeg" if is_photo else "mp4")
            asset.duration_s = None if is_photo else (duration_s if duration_s is not None else 60.0)
            asset.exif = dict(CAMERA_EXIF if exif is None else exif) if is_photo else {}
            asset.processed_at = utcnow()
        if state in (ProcessingState.REJECTED, ProcessingState.FAILED):
            asset.failure_code = "corrupt" if state == ProcessingState.REJECTED else "processing_failed"
            asset.processed_at = utcnow()
        else:
            asset.original = _original(data, size, sha256, tmp_path)
        db.session.add(asset)
        db.session.commit()
        return asset

    return make


def _original(data: bytes | None, size: int, sha256, tmp_path: Path) -> StoredFile:
    digest = secrets.token_hex(32) if sha256 is RANDOM else sha256
    if data is None:
        return StoredFile(
            backend="local", key=new_key("originals"), size=size, sha256=digest, content_type="image/jpeg"
        )
    storage = current_storage()
    source = tmp_path / f"{secrets.token_hex(8)}.bin"
    source.write_bytes(data)
    key = new_key("originals")
    stored = storage.put_file(key, source, "application/octet-stream")
    return StoredFile(
        backend=storage.backend_name,
        key=key,
        size=stored.size,
        sha256=digest,
        content_type="application/octet-stream",
    )


# ---------------------------------------------------------------------------- entry input


def make_details(**overrides) -> EntryDetails:
    """Valid details for an entry; override any field."""
    values = dict(
        title_vi="Bình minh trên sông Lam",
        title_en="Dawn on the Lam river",
        story="Những chiếc thuyền đầu tiên rời bến khi sương còn dày.",
        place="Cửa Lò",
        made_on=date(2025, 4, 30),
        credit_name="Trần Thị Bình",
    )
    values.update(overrides)
    return EntryDetails(**values)


def make_declarations(**overrides) -> Declarations:
    """All four declarations made; override any to False."""
    values = dict(own_work=True, made_in_area=True, consent=True, licence=True)
    values.update(overrides)
    return Declarations(**values)


def choices(*assets: MediaAsset) -> list[FileChoice]:
    """The assets as the entry's files, in order."""
    return [FileChoice(asset.id) for asset in assets]


def submit(entrant, category, kind, *assets, details=None, declarations=None, now=None) -> Entry:
    """submit_entry with valid details and declarations unless given."""
    return submit_entry(
        entrant,
        category,
        kind,
        details or make_details(),
        declarations or make_declarations(),
        choices(*assets),
        now=now,
    )


@pytest.fixture
def make_entry(make_asset):
    """Factory: a committed single-photo (or video) entry with fresh READY assets of the entrant."""

    def make(entrant: User, category: Category, kind: EntryKind = EntryKind.SINGLE_PHOTO, *assets) -> Entry:
        if not assets:
            media = MediaKind.VIDEO if kind == EntryKind.VIDEO else MediaKind.PHOTO
            assets = (make_asset(entrant, media),)
        entry = submit(entrant, category, kind, *assets)
        db.session.commit()
        return entry

    return make


# ---------------------------------------------------------------------------- after a refusal


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def assert_nothing_stored(app_ctx, outbox):
    """After a refusal: roll back as the views do, then check no entry, file, member or code
    counter exists, the given assets are still unclaimed, and no mail went out."""

    def check(*assets: MediaAsset) -> None:
        db.session.rollback()
        assert count(Entry) == 0
        assert count(EntryFile) == 0
        assert count(EntryMember) == 0
        assert count(EntryCodeCounter) == 0
        for asset in assets:
            assert db.session.get(MediaAsset, asset.id).claimed_at is None
        assert outbox() == []

    return check
