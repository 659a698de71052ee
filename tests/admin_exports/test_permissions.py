"""Who may export: admins only (contact details are personal data); everyone else is turned away."""

from __future__ import annotations

import pytest

from app.audit.models import AuditRecord
from app.auth.models import Role
from app.extensions import db
from tests.conftest import DEFAULT_PASSWORD

URLS = (
    "/admin/exports",
    "/admin/exports/entries.csv",
    "/admin/exports/entries.xlsx",
    "/admin/exports/originals.zip",
)


@pytest.mark.parametrize("url", URLS)
def test_exports_send_anonymous_visitors_to_log_in(client, contest, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [None, Role.JUROR, Role.MODERATOR])
@pytest.mark.parametrize("url", URLS)
def test_exports_refuse_everyone_but_admins(client, auth, make_user, contest, url, role):
    roles = (role,) if role else ()
    make_user(email="someone@example.com", roles=roles)
    assert auth.login("someone@example.com", DEFAULT_PASSWORD).status_code == 302
    response = client.get(url)
    assert response.status_code == 403
    assert db.session.query(AuditRecord).count() == 0


@pytest.mark.parametrize("url", URLS)
def test_exports_open_to_admins(as_admin, contest, url):
    response = as_admin.get(url)
    assert response.status_code == 200
    response.close()


def test_export_of_unknown_contest_is_404(as_admin, contest):
    assert as_admin.get("/admin/exports/entries.csv?contest=99999").status_code == 404
    assert as_admin.get("/admin/exports?contest=99999").status_code == 404
