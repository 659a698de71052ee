"""Moderation, dashboard and messages fixtures: the entry fixtures, people with each role, and
entries in any status."""

from __future__ import annotations

import pytest
from flask_babel import force_locale, gettext

from app.auth.models import Role, User
from app.core.timeutil import utcnow
from app.entries.models import Entry, EntryStatus
from app.extensions import db
from tests.entries.conftest import (  # noqa: F401
    contest,
    entrant,
    make_asset,
    make_declarations,
    make_details,
    make_entrant,
    make_entry,
    make_staff,
    photo,
    submit,
    video,
)


def vi(message: str, **values) -> str:
    """The Vietnamese text of a message, as the pages (Vietnamese by default) show it."""
    with force_locale("vi"):
        return gettext(message, **values)


@pytest.fixture
def moderator(app_ctx, make_user):
    """An organiser holding the moderator role, loaded into the test's session."""
    made = make_user(email="moderator@example.com", full_name="Phạm Minh Kiểm", roles=(Role.MODERATOR,))
    return db.session.get(User, made.id)


@pytest.fixture
def juror(app_ctx, make_user):
    """A juror: not a moderator."""
    return db.session.get(User, make_user(email="juror@example.com", roles=(Role.JUROR,)).id)


@pytest.fixture
def set_status():
    """Put an entry in a status directly (withdrawn entries get their timestamp)."""

    def put(entry: Entry, status: EntryStatus) -> Entry:
        entry.status = status
        entry.withdrawn_at = utcnow() if status == EntryStatus.WITHDRAWN else None
        db.session.commit()
        return entry

    return put
