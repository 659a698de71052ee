"""Export test fixtures: the entry fixtures, an admin, entries with real original bytes, and
stand-ins for organiser pages other helpers are still writing (so the admin menu renders)."""

from __future__ import annotations

import hashlib

import pytest

from app.auth.models import Role
from app.entries.models import EntryKind
from app.extensions import db
from app.media.models import MediaKind
from tests.entries.conftest import (  # noqa: F401
    contest,
    entrant,
    make_asset,
    make_declarations,
    make_details,
    make_entrant,
    make_entry,
    photo,
    submit,
    video,
)

ADMIN_EMAIL = "admin@example.com"


@pytest.fixture
def admin(make_entrant):
    """A committed admin."""
    return make_entrant(email=ADMIN_EMAIL, full_name="Lê Quản Trị", roles=(Role.ADMIN,))


@pytest.fixture
def as_admin(client, auth, admin):
    """The test client logged in as the admin."""
    response = auth.login(ADMIN_EMAIL)
    assert response.status_code == 302
    return client


@pytest.fixture
def make_stored_entry(make_asset, make_entrant):
    """Factory: a RECEIVED entry whose originals really hold the given bytes in storage."""
    counter = iter(range(1, 10_000))

    def make(category, *payloads: bytes, kind=EntryKind.SINGLE_PHOTO, filenames=(), owner=None, **details):
        category.min_bytes = None  # tests store small stand-ins for the originals
        owner = owner or make_entrant(email=f"author{next(counter)}@example.com", phone="+84 912 345 678")
        media = MediaKind.VIDEO if kind == EntryKind.VIDEO else MediaKind.PHOTO
        stem, ext = ("phim", "mp4") if media == MediaKind.VIDEO else ("ảnh", "jpg")
        names = list(filenames) or [f"{stem} {n}.{ext}" for n in range(1, len(payloads) + 1)]
        assets = [
            make_asset(owner, media, data=data, filename=name, sha256=hashlib.sha256(data).hexdigest())
            for data, name in zip(payloads, names, strict=True)
        ]
        entry = submit(owner, category, kind, *assets, details=make_details(**details))
        db.session.commit()
        return entry

    return make
