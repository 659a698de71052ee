"""Registration and verification through the pages, CSRF included."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.auth.models import User
from app.extensions import db
from tests.conftest import DEFAULT_PASSWORD, csrf_from


def _register(client, path="/auth/register", **overrides):
    page = client.get(path).get_data(as_text=True)
    data = {
        "full_name": "Nguyễn Thị Hoài Thương",
        "email": "Hoai.Thuong@Gmail.com",
        "password": DEFAULT_PASSWORD,
        "birth_date": "2000-02-29",
        "nationality": "VN",
        "phone": "+84 912 345 678",
        "accepts_privacy_notice": "y",
        "csrf_token": csrf_from(page),
    }
    data.update(overrides)
    return client.post(path, data=data)


def _user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_register_creates_unverified_user_and_mails_code(app, client, outbox):
    response = _register(client)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/auth/verify")
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.full_name == "Nguyễn Thị Hoài Thương"
        assert user.email_canonical == "hoaithuong@gmail.com"
        assert user.email_verified_at is None
        assert [c.version for c in user.consents] == [app.config["PRIVACY_NOTICE_VERSION"]]
    mails = outbox()
    assert len(mails) == 1 and mails[0]["to"] == "Hoai.Thuong@Gmail.com"
    assert re.search(r"\b\d{6}\b", mails[0]["body"])


def test_register_then_verify_with_code(app, client, outbox):
    _register(client)
    code = re.search(r"\b(\d{6})\b", outbox()[0]["body"]).group(1)
    page = client.get("/auth/verify").get_data(as_text=True)
    response = client.post(
        "/auth/verify", data={"email": "hoaithuong@gmail.com", "code": code, "csrf_token": csrf_from(page)}
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(User)).email_verified_at is not None


def _verify(client, outbox):
    code = re.search(r"\b(\d{6})\b", outbox()[-1]["body"]).group(1)
    page = client.get("/auth/verify").get_data(as_text=True)
    return client.post(
        "/auth/verify", data={"email": "hoaithuong@gmail.com", "code": code, "csrf_token": csrf_from(page)}
    )


def test_a_visitor_who_registers_on_the_way_is_sent_back_after_logging_in(app, client, outbox):
    """Someone who pressed Vote and had to make an account ends up on that work again, not on the home page."""
    login_page = client.get("/auth/login?next=/gallery/happy/HNA25-A-0001").get_data(as_text=True)
    assert "/auth/register?next=" in login_page
    _register(client, path="/auth/register?next=/gallery/happy/HNA25-A-0001")
    response = _verify(client, outbox)
    assert response.headers["Location"].endswith("/auth/login?next=/gallery/happy/HNA25-A-0001")
    page = client.get("/auth/login?next=/gallery/happy/HNA25-A-0001").get_data(as_text=True)
    answer = client.post(
        "/auth/login?next=/gallery/happy/HNA25-A-0001",
        data={"email": "hoaithuong@gmail.com", "password": DEFAULT_PASSWORD, "csrf_token": csrf_from(page)},
    )
    assert answer.headers["Location"].endswith("/gallery/happy/HNA25-A-0001")


def test_an_off_site_next_is_not_kept_through_registration(app, client, outbox):
    _register(client, path="/auth/register?next=https://evil.example/phish")
    response = _verify(client, outbox)
    assert response.headers["Location"].endswith("/auth/login")


def test_register_without_csrf_is_refused_and_creates_nothing(app, client):
    response = _register(client, csrf_token="")
    assert response.status_code == 400
    assert _user_count(app) == 0


def test_register_duplicate_gmail_variant_answers_the_same_and_mails_owner(app, client, make_user, outbox):
    make_user(email="hoaithuong@gmail.com")
    response = _register(client, email="Hoai.Thuong+contest@googlemail.com")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/auth/verify")
    assert _user_count(app) == 1
    assert outbox()[0]["to"] == "hoaithuong@gmail.com"
