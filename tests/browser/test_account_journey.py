"""A phone user's first visit, end to end in a real browser, with axe on every page.

Register in Vietnamese, confirm the email with the mailed code, log in, look at the
account, log out, log in again and switch to English.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import expect
from sqlalchemy import select

from app.auth.models import User
from app.extensions import db
from tests.conftest import DEFAULT_PASSWORD, csrf_from

pytestmark = pytest.mark.browser

FULL_NAME = "Trần Thị Ngọc Ánh"
EMAIL = "ngoc.anh.tran@example.vn"
CODE_IN_MAIL = re.compile(r"\b(\d{6})\b")
LINK_IN_MAIL = re.compile(r"https?://\S+/auth/confirm/\S+")


def translated(app, message: str, locale: str) -> str:
    """The text the app shows for `message` in `locale`, whatever the catalogs hold today."""
    with app.test_request_context(), force_locale(locale):
        return gettext(message)


def path_of(page) -> str:
    return urlsplit(page.url).path


def is_verified(app, email: str) -> bool:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None, f"no account for {email}"
        return user.email_verified_at is not None


def submit(page) -> None:
    """Press the main form's submit button and wait for the next page."""
    with page.expect_navigation():
        page.locator("main form").first.locator("button[type=submit]").click()


def log_in(page, email: str, password: str = DEFAULT_PASSWORD) -> None:
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    submit(page)


def test_register_confirm_login_logout_and_switch_language(
    app, page, check_a11y, outbox, seeded_contest
):
    # The landing page, in Vietnamese by default.
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("h1")).to_be_visible()
    check_a11y("landing (vi, anonymous)")

    # The header's register link leads to the form.
    with page.expect_navigation():
        page.locator("header a[href='/auth/register']").click()
    assert path_of(page) == "/auth/register"
    check_a11y("register")

    page.locator("#full_name").fill(FULL_NAME)
    page.locator("#email").fill(EMAIL)
    page.locator("#password").fill(DEFAULT_PASSWORD)
    page.locator("#birth_date").fill("2001-09-02")
    expect(page.locator("#nationality")).to_have_value("VN")
    page.locator("#phone").fill("0912 345 678")
    page.locator("#accepts_privacy_notice").check()
    submit(page)

    # The verify page, with the address already filled in.
    assert path_of(page) == "/auth/verify"
    expect(page.locator(".alert--success")).to_have_text(
        translated(app, "We have sent a 6-digit code to your email. Enter it below to finish.", "vi")
    )
    expect(page.locator("#email")).to_have_value(EMAIL)
    check_a11y("verify")

    mails = outbox()
    assert [m["to"] for m in mails] == [EMAIL]
    assert FULL_NAME in mails[0]["body"], "the mail greets the person by their exact name"
    code = CODE_IN_MAIL.search(mails[0]["body"]).group(1)
    page.locator("#code").fill(code)
    submit(page)

    # Confirmed: on to the login page.
    assert path_of(page) == "/auth/login"
    expect(page.locator(".alert--success")).to_have_text(
        translated(app, "Your email address is confirmed.", "vi")
    )
    assert is_verified(app, EMAIL)
    check_a11y("login after confirming")

    log_in(page, EMAIL)
    assert path_of(page) == "/"
    check_a11y("landing (vi, logged in)")

    with page.expect_navigation():
        page.locator("header a[href='/auth/account']").click()
    assert path_of(page) == "/auth/account"
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("#full_name")).to_have_value(FULL_NAME)
    expect(page.locator("main")).to_contain_text(EMAIL)
    check_a11y("account (vi)")

    # Log out with the header button.
    logout_button = page.locator("header form[action='/auth/logout'] button")
    expect(logout_button).to_have_text(translated(app, "Log out", "vi"))
    with page.expect_navigation():
        logout_button.click()
    assert path_of(page) == "/"
    expect(page.locator(".alert--success")).to_have_text(translated(app, "You have logged out.", "vi"))
    expect(page.locator("header a[href='/auth/account']")).to_have_count(0)
    check_a11y("landing after logging out")

    # Log in again.
    with page.expect_navigation():
        page.locator("header a[href='/auth/login']").click()
    check_a11y("login")
    log_in(page, EMAIL)
    assert path_of(page) == "/"
    expect(page.locator("header form[action='/auth/logout'] button")).to_be_visible()

    # Switch to English with the header button; the page stays where it was.
    english = page.get_by_role("button", name="English")
    expect(english).not_to_have_attribute("aria-current", "true")
    with page.expect_navigation():
        english.click()
    assert path_of(page) == "/"
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("button", name="English")).to_have_attribute("aria-current", "true")
    expect(page.locator("header")).to_contain_text("My account")
    expect(page.locator("header")).to_contain_text("Log out")
    check_a11y("landing (en, logged in)")

    with page.expect_navigation():
        page.locator("header a[href='/auth/account']").click()
    expect(page.locator("h1")).to_have_text("My account")
    expect(page.locator("#full_name")).to_have_value(FULL_NAME)
    check_a11y("account (en)")


def test_register_errors_are_announced_accessibly(page, check_a11y, seeded_contest):
    page.goto("/auth/register")
    page.locator("#full_name").fill(FULL_NAME)
    page.locator("#email").fill(EMAIL)
    submit(page)  # no password, birth date or consent

    assert path_of(page) == "/auth/register"
    expect(page.locator("[role=alert]")).to_be_visible()
    invalid = page.locator("[aria-invalid=true]")
    expect(invalid.first).to_be_visible()
    for i in range(invalid.count()):
        field = invalid.nth(i)
        described_by = field.get_attribute("aria-describedby") or ""
        assert any(part.endswith("-error") for part in described_by.split()), (
            f"#{field.get_attribute('id')} is invalid but not described by its error"
        )
    expect(page.locator("#full_name")).to_have_value(FULL_NAME)
    check_a11y("register with errors")


def test_confirm_link_needs_a_button_press(app, client, page, check_a11y, outbox, seeded_contest):
    form = client.get("/auth/register").get_data(as_text=True)
    response = client.post(
        "/auth/register",
        data={
            "full_name": FULL_NAME,
            "email": EMAIL,
            "password": DEFAULT_PASSWORD,
            "birth_date": "2001-09-02",
            "nationality": "VN",
            "accepts_privacy_notice": "y",
            "csrf_token": csrf_from(form),
        },
    )
    assert response.status_code == 302
    link = LINK_IN_MAIL.search(outbox()[0]["body"]).group(0)

    # Opening the link (as a mail scanner would) only shows a button.
    page.goto(urlsplit(link).path)
    assert path_of(page).startswith("/auth/confirm/")
    button = page.locator("main form button[type=submit]")
    expect(button).to_have_text(translated(app, "Confirm my email address", "vi"))
    check_a11y("confirm link")
    assert not is_verified(app, EMAIL)

    with page.expect_navigation():
        button.click()
    assert path_of(page) == "/auth/login"
    expect(page.locator(".alert--success")).to_have_text(
        translated(app, "Your email address is confirmed.", "vi")
    )
    assert is_verified(app, EMAIL)
