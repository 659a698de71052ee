"""Security headers, error pages in both languages, the language switch, config safety."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from app.core.security import is_safe_next
from app.core.transactions import after_commit
from app.extensions import db
from config import ConfigError, ProductionConfig
from tests.conftest import csrf_from


def test_every_page_sends_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_contain_no_inline_script_or_external_assets(client, seeded_contest):
    for path in ["/", "/auth/register", "/auth/login", "/privacy", f"/contests/{seeded_contest}/rules"]:
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and "<script type" not in html, path
        assert "http://" not in html.replace("http://localhost", "") and "https://" not in html, path


@pytest.mark.parametrize("status,path", [(404, "/no-such-page"), (405, "/auth/logout")])
def test_error_pages_are_translated(client, status, path):
    vietnamese = client.get(path)
    assert vietnamese.status_code == status
    assert '<html lang="vi">' in vietnamese.get_data(as_text=True)
    token = csrf_from(client.get("/").get_data(as_text=True))
    client.post("/language", data={"locale": "en", "csrf_token": token, "next": "/"})
    english = client.get(path).get_data(as_text=True)
    assert '<html lang="en">' in english
    assert vietnamese.get_data(as_text=True) != english


def test_unexpected_error_renders_500_page_without_details(app, client, monkeypatch):
    def boom():
        raise RuntimeError("secret internals")

    monkeypatch.setitem(app.view_functions, "core.privacy", boom)
    response = client.get("/privacy")
    assert response.status_code == 500
    assert "secret internals" not in response.get_data(as_text=True)


def test_api_errors_are_json(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.get_json()["error"]["status"] == 404


def test_language_switch_is_remembered_for_the_session(client):
    assert '<html lang="vi">' in client.get("/").get_data(as_text=True)
    token = csrf_from(client.get("/").get_data(as_text=True))
    response = client.post("/language", data={"locale": "en", "csrf_token": token, "next": "/privacy"})
    assert response.headers["Location"] == "/privacy"
    assert '<html lang="en">' in client.get("/auth/login").get_data(as_text=True)


def test_language_switch_refuses_offsite_next_and_unknown_locale(client):
    token = csrf_from(client.get("/").get_data(as_text=True))
    response = client.post("/language", data={"locale": "fr", "csrf_token": token, "next": "https://evil.example"})
    assert response.headers["Location"] == "/"
    assert '<html lang="vi">' in client.get("/").get_data(as_text=True)


def test_language_switch_requires_csrf(client):
    assert client.post("/language", data={"locale": "en"}).status_code == 400


@pytest.mark.parametrize(
    "target,safe",
    [("/a", True), ("/a?b=1#c", True), ("//evil", False), ("https://evil", False), ("/\\evil", False),
     ("", False), (None, False), ("javascript:alert(1)", False), ("/ok\r\nSet-Cookie: x", False)],
)
def test_is_safe_next_accepts_only_local_paths(target, safe):
    assert is_safe_next(target) is safe


def test_production_refuses_to_start_without_a_real_secret(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgresql://db/contest")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError):
        ProductionConfig().validate()
    monkeypatch.setenv("SECRET_KEY", "short")
    with pytest.raises(ConfigError):
        ProductionConfig().validate()
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    config = ProductionConfig()
    config.validate()
    assert config.SESSION_COOKIE_SECURE and config.REMEMBER_COOKIE_SECURE
    assert config.SQLALCHEMY_DATABASE_URI.startswith("postgresql+psycopg://")


def test_production_refuses_to_start_without_database_url(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(ConfigError):
        ProductionConfig().validate()


def test_language_choice_is_saved_on_the_account(app, client, auth, make_user):
    make_user(email="lan@example.com")
    auth.login("lan@example.com")
    token = csrf_from(client.get("/").get_data(as_text=True))
    client.post("/language", data={"locale": "en", "csrf_token": token})
    other_device = app.test_client()
    from tests.conftest import AuthActions

    AuthActions(other_device).login("lan@example.com")
    assert '<html lang="en">' in other_device.get("/").get_data(as_text=True)


def test_a_rollback_before_any_statement_drops_after_commit_callbacks(app_ctx):
    """A side effect queued and then rolled back must not run at the next, unrelated commit."""
    ran: list[str] = []
    after_commit(lambda: ran.append("rolled back"))
    db.session.rollback()  # no statement ran: the session had not begun a database transaction
    after_commit(lambda: ran.append("committed"))
    db.session.execute(text("SELECT 1"))
    db.session.commit()
    assert ran == ["committed"]
