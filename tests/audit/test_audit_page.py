"""The audit log page: admins only, filters, paging, and the chain check."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.audit.services import record_decision
from app.auth.models import Role, User
from app.extensions import db


@pytest.fixture
def records(app_ctx, make_user):
    """Three records: two about entry HNA25-A-0001 by a moderator, one role grant by the system."""
    moderator = db.session.get(User, make_user(email="mod@example.com", full_name="Lê Văn Duyệt").id)
    record_decision(moderator, "entry.approve", "entry", "HNA25-A-0001", before={"status": "received"})
    record_decision(moderator, "entry.disqualify", "entry", "HNA25-A-0001", reason="Ảnh ghép")
    record_decision(None, "user.role_grant", "user", 7, after={"role": "juror"})
    db.session.commit()


@pytest.mark.parametrize(("roles", "status"), [((), 403), ((Role.JUROR,), 403), ((Role.MODERATOR,), 403)])
def test_only_admins_see_the_audit_log(client, auth, make_user, roles, status):
    make_user(email="someone@example.com", roles=roles)
    auth.login("someone@example.com")
    assert client.get("/admin/audit").status_code == status


def test_anonymous_visitors_are_sent_to_log_in(client):
    response = client.get("/admin/audit")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_admin_filters_the_log_and_checks_the_chain(client, auth, make_user, records):
    make_user(email="admin@example.com", roles=(Role.ADMIN,))
    auth.login("admin@example.com")
    everything = client.get("/admin/audit").get_data(as_text=True)
    assert all(action in everything for action in ("entry.approve", "entry.disqualify", "user.role_grant"))
    only_entry = client.get("/admin/audit?subject=HNA25-A-0001").get_data(as_text=True)
    assert "entry.disqualify" in only_entry and "user.role_grant" not in only_entry
    by_actor = client.get("/admin/audit?actor=duyệt").get_data(as_text=True)
    assert "entry.approve" in by_actor and "user.role_grant" not in by_actor
    intact = client.get("/admin/audit?verify=1").get_data(as_text=True)
    assert 'class="alert alert--success"' in intact
    db.session.execute(text("UPDATE audit_records SET reason = 'sửa' WHERE action = 'entry.disqualify'"))
    db.session.commit()
    broken = client.get("/admin/audit?verify=1").get_data(as_text=True)
    assert 'class="alert alert--error"' in broken


def test_the_log_pages_with_older_records(client, auth, make_user, app_ctx):
    admin = db.session.get(User, make_user(email="admin@example.com", roles=(Role.ADMIN,)).id)
    for n in range(55):
        record_decision(admin, "contest.update", "contest", n)
    db.session.commit()
    auth.login("admin@example.com")
    first = client.get("/admin/audit").get_data(as_text=True)
    assert "before=" in first
    older = client.get("/admin/audit?before=6").get_data(as_text=True)
    assert older.count("<code>contest.update</code>") == 5
