"""Login, logout, remember-me, password change and reset through the pages."""

from __future__ import annotations

import json
import re

from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from tests.conftest import DEFAULT_PASSWORD, AuthActions, csrf_from

NEW_PASSWORD = "mùa lúa chín ở Thanh Chương"


def test_login_and_logout(client, auth, make_user):
    make_user(email="lan@example.com")
    response = auth.login("Lan@Example.com")
    assert response.status_code == 302
    assert client.get("/auth/account").status_code == 200
    auth.logout()
    assert client.get("/auth/account").status_code == 302


def test_login_wrong_password_and_unknown_email_look_the_same(client, auth, make_user):
    make_user(email="lan@example.com")
    wrong = auth.login("lan@example.com", "not the password")
    unknown = auth.login("nobody@example.com", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    strip = lambda r: re.sub(r'value="[^"]*"', "", r.get_data(as_text=True))  # noqa: E731
    assert strip(wrong) == strip(unknown)


def test_login_redirects_only_to_on_site_next(client, make_user):
    make_user(email="lan@example.com")
    for target, expected in [
        ("/auth/account", "/auth/account"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
    ]:
        token = csrf_from(client.get("/auth/login").get_data(as_text=True))
        response = client.post(
            "/auth/login",
            query_string={"next": target},
            data={"email": "lan@example.com", "password": DEFAULT_PASSWORD, "csrf_token": token},
        )
        assert response.headers["Location"] == expected, target
        AuthActions(client).logout()


def test_logout_requires_post_with_csrf(client, auth, make_user):
    make_user(email="lan@example.com")
    auth.login("lan@example.com")
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 400
    assert client.get("/auth/account").status_code == 200


def test_unverified_login_is_sent_to_verification(client, auth, make_user):
    make_user(email="new@example.com", email_verified_at=None)
    response = auth.login("new@example.com")
    assert response.headers["Location"] == "/auth/verify"


def test_remember_me_survives_a_lost_session_cookie(app, client, auth, make_user):
    make_user(email="lan@example.com")
    auth.login("lan@example.com", remember=True)
    client.delete_cookie("session")
    assert client.get("/auth/account").status_code == 200


def test_password_change_logs_out_other_sessions_and_remember_cookies(app, make_user):
    make_user(email="lan@example.com")
    laptop, phone = app.test_client(), app.test_client()
    AuthActions(laptop).login("lan@example.com")
    AuthActions(phone).login("lan@example.com", remember=True)
    token = csrf_from(laptop.get("/auth/account/password").get_data(as_text=True))
    response = laptop.post(
        "/auth/account/password",
        data={"current_password": DEFAULT_PASSWORD, "new_password": NEW_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert laptop.get("/auth/account").status_code == 200
    assert phone.get("/auth/account").status_code == 302
    phone.delete_cookie("session")
    assert phone.get("/auth/account").status_code == 302


def test_password_change_refuses_weak_password_with_message(client, auth, make_user):
    make_user(email="lan@example.com")
    auth.login("lan@example.com")
    token = csrf_from(client.get("/auth/account/password").get_data(as_text=True))
    response = client.post(
        "/auth/account/password",
        data={"current_password": DEFAULT_PASSWORD, "new_password": "12345678", "csrf_token": token},
    )
    assert response.status_code == 422
    assert 'aria-invalid="true"' in response.get_data(as_text=True)


def test_reset_password_flow_through_pages(app, client, make_user, outbox):
    make_user(email="lan@example.com")
    token = csrf_from(client.get("/auth/forgot-password").get_data(as_text=True))
    known = client.post("/auth/forgot-password", data={"email": "lan@example.com", "csrf_token": token})
    unknown = client.post("/auth/forgot-password", data={"email": "who@example.com", "csrf_token": token})
    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    assert len(outbox()) == 1
    path = re.search(r"https?://[^/\s]+(/\S+)", outbox()[0]["body"]).group(1)
    page = client.get(path)
    assert page.status_code == 200
    response = client.post(path, data={"password": NEW_PASSWORD, "csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 302
    assert client.get(path).status_code == 400  # spent
    assert AuthActions(client).login("lan@example.com", NEW_PASSWORD).status_code == 302


def test_confirm_link_get_does_not_verify_but_button_does(app, client, make_user, outbox):
    from app.auth import services

    user = make_user(email="scan@example.com", email_verified_at=None)
    with app.test_request_context():
        services.send_email_verification(db.session.get(User, user.id))
        db.session.commit()
    path = re.search(r"https?://[^/\s]+(/auth/confirm/\S+)", outbox()[-1]["body"]).group(1)
    page = client.get(path)
    client.get(path)
    with app.app_context():
        assert db.session.get(User, user.id).email_verified_at is None
    client.post(path, data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    with app.app_context():
        assert db.session.get(User, user.id).email_verified_at is not None


def test_account_export_downloads_json_with_personal_data(client, auth, make_user):
    make_user(email="lan@example.com", full_name="Phạm Thị Lan")
    auth.login("lan@example.com")
    response = client.get("/auth/account/export")
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    assert json.loads(response.data)["account"]["full_name"] == "Phạm Thị Lan"


def test_account_pages_require_login(client):
    for path in ["/auth/account", "/auth/account/password", "/auth/account/export", "/auth/account/delete"]:
        response = client.get(path)
        assert response.status_code == 302 and "/auth/login?next=" in response.headers["Location"], path


def test_account_deletion_logs_out_and_blocks_login(app, client, auth, make_user):
    make_user(email="bye@example.com")
    auth.login("bye@example.com")
    token = csrf_from(client.get("/auth/account/delete").get_data(as_text=True))
    response = client.post("/auth/account/delete", data={"password": DEFAULT_PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    assert client.get("/auth/account").status_code == 302
    assert auth.login("bye@example.com").status_code == 403
    with app.app_context():
        assert db.session.scalar(select(User)).deletion_requested_at is not None


def test_profile_update_keeps_diacritics_and_language(client, auth, make_user):
    make_user(email="lan@example.com")
    auth.login("lan@example.com")
    token = csrf_from(client.get("/auth/account").get_data(as_text=True))
    response = client.post(
        "/auth/account",
        data={"full_name": "Hồ Thị Xuân Hương", "nationality": "VN", "phone": "", "locale": "en", "csrf_token": token},
    )
    assert response.status_code == 302
    page = client.get("/auth/account").get_data(as_text=True)
    assert "Hồ Thị Xuân Hương" in page and '<html lang="en">' in page


def test_one_time_admin_password_must_be_changed_first(client, auth, runner, app):
    result = runner.invoke(args=["users", "ensure-admin", "--email", "admin@example.com"])
    password = re.search(r"One-time password.*: (\S+)", result.output).group(1)
    auth.login("admin@example.com", password)
    assert client.get("/auth/account").headers["Location"] == "/auth/account/password"
    token = csrf_from(client.get("/auth/account/password").get_data(as_text=True))
    client.post(
        "/auth/account/password",
        data={"current_password": password, "new_password": NEW_PASSWORD, "csrf_token": token},
    )
    assert client.get("/auth/account").status_code == 200


def test_login_is_rate_limited(app, client, make_user):
    make_user(email="lan@example.com")
    statuses = []
    for _ in range(12):
        token = csrf_from(client.get("/auth/login").get_data(as_text=True))
        data = {"email": "lan@example.com", "password": "x", "csrf_token": token}
        statuses.append(client.post("/auth/login", data=data).status_code)
    assert statuses[:10] == [401] * 10
    assert statuses[10:] == [429, 429]


def test_registration_is_rate_limited(client):
    statuses = []
    for _ in range(6):
        token = csrf_from(client.get("/auth/register").get_data(as_text=True))
        statuses.append(client.post("/auth/register", data={"csrf_token": token}).status_code)
    assert statuses[:5] == [422] * 5 and statuses[5] == 429


def test_login_and_verify_pages_refuse_nul_in_email_without_error(client):
    for path in ["/auth/login", "/auth/verify", "/auth/forgot-password"]:
        token = csrf_from(client.get(path).get_data(as_text=True))
        data = {"email": "a\x00@example.com", "password": "x", "code": "123456", "csrf_token": token}
        assert client.post(path, data=data).status_code < 500, path
