"""Fixtures for contest settings and people: the entry fixtures, people of each role, a logged-in client."""

from __future__ import annotations

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from app.audit.models import AuditRecord
from app.auth.models import Role, User
from app.extensions import db
from tests.conftest import csrf_from
from tests.entries.conftest import (  # noqa: F401
    contest,
    entrant,
    make_asset,
    make_declarations,
    make_details,
    make_entrant,
    make_entry,
    make_other_contest,
    make_staff,
    photo,
    submit,
    video,
)


# Pages of the organisers' desk that other parts of issue 5 provide; the admin menu links to them.
def vi(message: str, **values) -> str:
    """The Vietnamese text of a message, as the pages (Vietnamese by default) show it."""
    with force_locale("vi"):
        return gettext(message, **values)


@pytest.fixture
def make_person(app_ctx, make_user):
    """Factory: a committed user with the given roles, loaded into the test's session."""

    def make(*roles: Role, **fields):
        return db.session.get(User, make_user(roles=roles, **fields).id)

    return make


@pytest.fixture
def admin(make_person):
    return make_person(Role.ADMIN, email="admin@example.com", full_name="Lê Quản Trị")


@pytest.fixture
def as_admin(client, auth, admin):
    """The test client logged in as the admin."""
    auth.login(admin.email)
    return client


def post_form(client, path: str, data: dict | None = None, page: str | None = None):
    """POST with a CSRF token taken from `page` (or the path itself when it is a form page)."""
    html = client.get(page or path).get_data(as_text=True)
    return client.post(path, data={"csrf_token": csrf_from(html), **(data or {})})


def audit_records(action: str) -> list[AuditRecord]:
    return list(db.session.scalars(select(AuditRecord).where(AuditRecord.action == action).order_by(AuditRecord.id)))
