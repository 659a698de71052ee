"""Duplicate-finding fixtures: the entry fixtures, photos processed by the real pipeline, a second
contest, and stand-ins for organiser pages other helpers are still writing (so the admin menu renders)."""

from __future__ import annotations

import pytest

from app.auth.models import User
from app.extensions import db
from app.media.models import MediaAsset, ProcessingState
from app.media.tasks import process_asset
from tests.entries.conftest import (  # noqa: F401
    contest,
    entrant,
    make_asset,
    make_declarations,
    make_details,
    make_entrant,
    make_entry,
    make_other_contest,
    photo,
    submit,
    video,
)

MB = 1024 * 1024


def relax(category) -> None:
    """File rules small enough for quickly generated test photos."""
    category.min_long_edge_px = 600
    category.min_bytes = None
    category.max_bytes = 12 * MB


@pytest.fixture
def relaxed_photo(photo):
    """The current contest's photo category, with small test photos allowed."""
    relax(photo)
    db.session.commit()
    return photo


@pytest.fixture
def other_photo(make_other_contest):
    """The photo category of a second contest (not the current one), small test photos allowed."""
    category = make_other_contest().categories[0]
    relax(category)
    db.session.commit()
    return category


@pytest.fixture
def pending_photo(make_asset):
    """Factory: an uploaded, not yet processed photo whose bytes are really stored."""

    def make(owner: User, data: bytes) -> MediaAsset:
        return make_asset(owner, state=ProcessingState.PENDING, sha256=None, data=data)

    return make


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
