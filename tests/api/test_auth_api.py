"""The account API: CSRF, register, verify, log in and out, "me", errors and rate limits."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from flask_babel import force_locale
from flask_babel import gettext as babel_gettext
from sqlalchemy import select

from app.auth.models import User
from app.core.timeutil import utcnow
from app.extensions import db
from tests.api.conftest import API, ApiClient, assert_api_error, code_in, registration, user_count
from tests.conftest import DEFAULT_PASSWORD

POST_ENDPOINTS = ["/auth/register", "/auth/verify", "/auth/login", "/auth/logout"]
ME_FIELDS = {"id", "email", "full_name", "nationality", "phone", "locale", "is_verified", "roles"}


def translated(app, message: str, locale: str) -> str:
    """The catalog's translation of a message, to compare with what the API answered."""
    with app.test_request_context(), force_locale(locale):
        return babel_gettext(message)


def stored_user(app, canonical_email: str = "hoaithuong@gmail.com") -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email_canonical == canonical_email))
        db.session.expunge_all()
        return user


# --- CSRF -----------------------------------------------------------------------------------------


def test_csrf_endpoint_returns_a_token_bound_to_the_session(api, client):
    response = client.get(f"{API}/auth/csrf")

    assert response.status_code == 200
    assert set(response.get_json()) == {"csrf_token"}
    assert response.get_json()["csrf_token"]
    assert "session=" in response.headers["Set-Cookie"]
    api._token = response.get_json()["csrf_token"]
    assert api.post("/auth/logout").status_code == 204


@pytest.mark.parametrize("path", POST_ENDPOINTS)
def test_post_without_csrf_header_is_400_json_error(api, path):
    response = api.post(path, registration(), csrf=False)

    error = assert_api_error(response, 400, "http_400")
    assert "<html" not in response.get_data(as_text=True)
    assert "fields" not in error


def test_post_with_token_of_another_session_is_400_json_error(app, api):
    other = ApiClient(app.test_client())

    response = api.post(
        "/auth/login", {"email": "a@example.com", "password": "x"}, headers={"X-CSRFToken": other.csrf()}, csrf=False
    )

    assert_api_error(response, 400, "http_400")


# --- Register -------------------------------------------------------------------------------------


def test_register_answers_202_and_mails_a_six_digit_code_only(app, api, outbox):
    response = api.post("/auth/register", registration())

    assert response.status_code == 202
    assert set(response.get_json()) == {"message"}
    mails = outbox()
    assert len(mails) == 1
    assert mails[0]["to"] == "Hoai.Thuong@Gmail.com"
    assert len(code_in(mails[0])) == 6
    user = stored_user(app)
    assert user.email_verified_at is None
    assert user_count(app) == 1


@pytest.mark.parametrize(
    "again",
    [
        "hoai.thuong@gmail.com",
        "HOAI.THUONG@GMAIL.COM",
        "hoaithuong@gmail.com",
        "h.o.a.i.thuong+contest@gmail.com",
        "HoaiThuong+x@googlemail.com",
    ],
)
def test_register_same_address_again_gives_identical_answer_and_no_second_user(app, api, outbox, again):
    first = api.post("/auth/register", registration())

    second = api.post("/auth/register", registration(email=again, full_name="Người Khác"))

    assert second.status_code == first.status_code == 202
    assert second.get_data() == first.get_data()
    assert user_count(app) == 1
    # The owner of the existing account (not the address just typed) gets a fresh code.
    mails = outbox()
    assert [mail["to"] for mail in mails] == ["Hoai.Thuong@Gmail.com"] * 2
    assert code_in(mails[1])
    assert stored_user(app).full_name == "Nguyễn Thị Hoài Thương"


def test_register_address_of_verified_account_gives_identical_answer_and_tells_owner(app, api, make_user, outbox):
    make_user(email="an@example.com", locale="en")
    fresh = api.post("/auth/register", registration(email="someone.new@example.com"))

    taken = api.post("/auth/register", registration(email="AN@example.com"))

    assert taken.status_code == 202 and taken.get_data() == fresh.get_data()
    assert user_count(app) == 2
    last = outbox()[-1]
    assert last["to"] == "an@example.com" and last["subject"] == "You already have an account"


FUTURE = (utcnow().date() + timedelta(days=2)).isoformat()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"full_name": ""}, "full_name"),
        ({"full_name": "   "}, "full_name"),
        ({"email": "not-an-email"}, "email"),
        ({"email": "an@@example.com"}, "email"),
        ({"password": "password123"}, "password"),
        ({"password": "short"}, "password"),
        ({"birth_date": FUTURE}, "birth_date"),
        ({"birth_date": "1899-12-31"}, "birth_date"),
        ({"nationality": "XX"}, "nationality"),
        ({"phone": "call me"}, "phone"),
        ({"accepts_privacy_notice": False}, "accepts_privacy_notice"),
        ({"accepts_privacy_notice": ...}, "accepts_privacy_notice"),
        ({"email": ...}, "email"),
        ({"nickname": "Thương"}, "nickname"),
        ({"full_name": 123}, "full_name"),
        ({"email": ["an@example.com"]}, "email"),
        ({"password": None}, "password"),
        ({"birth_date": "29/02/2000"}, "birth_date"),
        ({"birth_date": 20000229}, "birth_date"),
        ({"accepts_privacy_notice": "maybe"}, "accepts_privacy_notice"),
        ({"phone": 912345678}, "phone"),
        ({"full_name": "Thương " * 30}, "full_name"),
        ({"email": "a" * 250 + "@example.com"}, "email"),
        ({"password": "hoa sen " * 20}, "password"),
        ({"phone": "1" * 40}, "phone"),
        ({"nationality": "VN" * 50}, "nationality"),
    ],
)
def test_register_invalid_input_is_422_with_a_message_for_the_field(app, api, outbox, overrides, field):
    response = api.post("/auth/register", registration(**overrides))

    error = assert_api_error(response, 422, "validation_error")
    assert list(error["fields"]) == [field]
    assert all(isinstance(m, str) and m for m in error["fields"][field])
    assert user_count(app) == 0
    assert outbox() == []


def test_register_reports_every_rule_broken_at_once(api):
    response = api.post(
        "/auth/register",
        registration(full_name="", email="x", password="123", birth_date=FUTURE, accepts_privacy_notice=False),
    )

    error = assert_api_error(response, 422, "validation_error")
    assert set(error["fields"]) == {"full_name", "email", "password", "birth_date", "accepts_privacy_notice"}


@pytest.mark.parametrize("body", ["[]", '"text"', "42", "{not json", ""])
def test_register_body_that_is_not_a_json_object_is_422(api, body):
    response = api.post_raw("/auth/register", body)

    error = assert_api_error(response, 422, "validation_error")
    assert error["fields"]


def test_register_messages_are_vietnamese_by_default(app, api):
    rule_error = assert_api_error(api.post("/auth/register", registration(full_name="")), 422)
    schema_error = assert_api_error(api.post("/auth/register", registration(email=...)), 422)

    expected_name = translated(app, "Enter your full name.", "vi")
    assert expected_name != "Enter your full name."  # the catalog has a Vietnamese text
    assert rule_error["fields"] == {"full_name": [expected_name]}
    assert schema_error["fields"] == {"email": [translated(app, "This field is required.", "vi")]}
    assert rule_error["message"] == translated(app, "Some of the information sent is not valid.", "vi")


def test_register_messages_follow_accept_language_english(api):
    english = {"Accept-Language": "en-GB,en;q=0.9"}

    rule_error = assert_api_error(api.post("/auth/register", registration(full_name=""), headers=english), 422)
    schema_error = assert_api_error(api.post("/auth/register", registration(email=...), headers=english), 422)

    assert rule_error["fields"] == {"full_name": ["Enter your full name."]}
    assert schema_error["fields"] == {"email": ["This field is required."]}
    assert rule_error["message"] == schema_error["message"] == "Some of the information sent is not valid."


@pytest.mark.parametrize("escape", ["\\u0000", "\\ud800", "\\udfff"])
@pytest.mark.parametrize("field", ["full_name", "email", "password", "nationality", "phone", "locale"])
def test_register_text_with_nul_or_lone_surrogate_is_422_not_a_server_error(app, api, field, escape):
    # Regression: "\ud800" in a password reached the hasher (UnicodeEncodeError → 500), and a
    # NUL reached PostgreSQL (DataError → 500). Such text is refused as not text.
    body = json.dumps(registration(**{field: "placeholder"})).replace("placeholder", f"ab{escape}cd")

    response = api.post_raw("/auth/register", body, headers={"Accept-Language": "en"})

    error = assert_api_error(response, 422, "validation_error")
    assert error["fields"] == {field: ["Enter text."]}
    assert user_count(app) == 0


# --- Verify ---------------------------------------------------------------------------------------


@pytest.fixture
def registered(api, outbox) -> str:
    """Register through the API; returns the mailed code."""
    assert api.post("/auth/register", registration()).status_code == 202
    return code_in(outbox()[-1])


def test_verify_wrong_code_is_400_and_leaves_user_unverified(app, api, registered):
    wrong = f"{(int(registered) + 1) % 1_000_000:06d}"

    response = api.post("/auth/verify", {"email": "hoaithuong@gmail.com", "code": wrong})

    error = assert_api_error(response, 400, "invalid_token")
    assert list(error["fields"]) == ["code"]
    assert stored_user(app).email_verified_at is None


def test_verify_right_code_is_200_and_verifies_user(app, api, registered):
    response = api.post("/auth/verify", {"email": "HOAI.THUONG@gmail.com", "code": registered})

    assert response.status_code == 200
    assert set(response.get_json()) == {"message"}
    assert stored_user(app).email_verified_at is not None


def test_verify_code_reuse_is_400(api, registered):
    assert api.post("/auth/verify", {"email": "hoaithuong@gmail.com", "code": registered}).status_code == 200

    again = api.post("/auth/verify", {"email": "hoaithuong@gmail.com", "code": registered})

    assert_api_error(again, 400, "invalid_token")


def test_verify_unknown_email_is_400_like_a_wrong_code(api, registered):
    response = api.post("/auth/verify", {"email": "nobody@example.com", "code": registered})

    assert_api_error(response, 400, "invalid_token")


def test_verify_after_too_many_wrong_codes_is_429_even_with_right_code(app, api, registered):
    wrong = f"{(int(registered) + 1) % 1_000_000:06d}"
    for _ in range(app.config["EMAIL_CODE_MAX_ATTEMPTS"]):
        assert api.post("/auth/verify", {"email": "hoaithuong@gmail.com", "code": wrong}).status_code == 400

    response = api.post("/auth/verify", {"email": "hoaithuong@gmail.com", "code": registered})

    assert_api_error(response, 429, "too_many_attempts")
    assert stored_user(app).email_verified_at is None


@pytest.mark.parametrize(
    "body",
    [
        {"email": "a@example.com"},
        {"code": "123456"},
        {"email": "a@example.com", "code": 123456},
        {"email": "a@example.com", "code": "1", "x": 1},
    ],
)
def test_verify_invalid_body_is_422(api, body):
    assert_api_error(api.post("/auth/verify", body), 422, "validation_error")


# --- Login, me, logout ----------------------------------------------------------------------------


def test_login_wrong_password_and_unknown_email_give_identical_401(api, make_user):
    make_user(email="an@example.com")

    wrong_password = api.login("an@example.com", "sai mật khẩu rồi bạn ơi")
    unknown_email = api.login("nobody@example.com", DEFAULT_PASSWORD)

    assert_api_error(wrong_password, 401, "invalid_credentials")
    assert wrong_password.get_data() == unknown_email.get_data()
    assert unknown_email.status_code == 401


def test_login_ok_is_200_with_the_account(api, make_user):
    user = make_user(email="An.Nguyen@Example.com", phone=None)

    response = api.login("an.nguyen@example.com")

    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == ME_FIELDS
    assert body["id"] == user.id and body["email"] == "An.Nguyen@Example.com"
    assert body["is_verified"] is True and body["roles"] == [] and body["phone"] is None
    assert "session=" in response.headers["Set-Cookie"]


def test_login_locked_account_is_403(api, make_user):
    make_user(email="an@example.com", is_locked=True)

    assert_api_error(api.login("an@example.com"), 403, "account_locked")


def test_me_is_200_with_the_account_when_logged_in(api, make_user):
    make_user(email="an@example.com")
    login = api.login("an@example.com")

    response = api.get("/me")

    assert response.status_code == 200
    assert response.get_json() == login.get_json()


def test_me_without_session_is_401_json_error(api):
    response = api.get("/me")

    assert_api_error(response, 401, "http_401")
    assert "Location" not in response.headers


def test_logout_is_204_then_me_is_401(api, make_user):
    make_user(email="an@example.com")
    api.login("an@example.com")
    assert api.get("/me").status_code == 200

    response = api.post("/auth/logout")

    assert response.status_code == 204
    assert response.get_data() == b""
    assert_api_error(api.get("/me"), 401)


def test_login_rate_limit_is_429_json_after_the_configured_number(app, api, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_LOGIN", "3 per minute;60 per hour")
    for _ in range(3):
        assert api.login("nobody@example.com", "wrong password").status_code == 401

    response = api.login("nobody@example.com", "wrong password")

    assert_api_error(response, 429, "http_429")
    assert "Retry-After" in response.headers


def test_login_default_rate_limit_allows_ten_per_minute(app, api):
    assert app.config["RATELIMIT_LOGIN"] == "10 per minute;60 per hour"
    statuses = [api.login("nobody@example.com", "wrong password").status_code for _ in range(11)]

    assert statuses == [401] * 10 + [429]


@pytest.mark.parametrize(
    ("path", "escape"),
    [("/auth/login", "\\u0000"), ("/auth/login", "\\ud800"), ("/auth/verify", "\\u0000"), ("/auth/verify", "\\udbff")],
)
def test_login_and_verify_text_with_nul_or_lone_surrogate_is_422(api, path, escape):
    # Regression: these reached the database or the password hasher and answered 500.
    other = '"password": "x"' if path.endswith("login") else '"code": "123456"'
    response = api.post_raw(path, f'{{"email": "a{escape}@example.com", {other}}}')

    error = assert_api_error(response, 422, "validation_error")
    assert list(error["fields"]) == ["email"]
