"""Moderating entries end to end in a real phone-sized browser, with axe on the organisers' pages.

An entrant has two received entries. An organiser (moderator) logs in through the login page,
opens the moderation queue, accepts one entry and rejects the other with a reason template and
a note. The entrant then logs in (a separate browser context) and finds the reason on the entry's
page and "Not accepted" in "my entries", and the rejection mail, with the reason, is in the outbox.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask_babel import force_locale, gettext
from playwright.sync_api import expect

from app.auth.models import Role
from app.entries.labels import REASON_TEMPLATES
from app.entries.models import Entry, EntryStatus
from app.extensions import db
from tests.browser.conftest import PHONE_VIEWPORT
from tests.conftest import DEFAULT_PASSWORD
from tests.entries.conftest import (  # noqa: F401
    contest,
    entrant,
    make_asset,
    make_entrant,
    make_entry,
    photo,
)

pytestmark = pytest.mark.browser

NOTE = "Ảnh chụp ở Huế, không phải Nghệ An."


def t(app, message: str, **values) -> str:
    """The Vietnamese text a page shows for `message`."""
    with app.test_request_context(), force_locale("vi"):
        return gettext(message, **values)


def path_of(page) -> str:
    return urlsplit(page.url).path


def log_in(page, email: str) -> None:
    page.goto("/auth/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEFAULT_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert path_of(page) == "/", page.url


def status_of(app, code: str) -> EntryStatus:
    with app.app_context():
        return db.session.scalar(db.select(Entry.status).where(Entry.code == code))


@pytest.fixture
def two_entries(make_entry, entrant, photo):  # noqa: F811
    """Two received single-photo entries of one entrant, committed."""
    first, second = make_entry(entrant, photo), make_entry(entrant, photo)
    return first.code, second.code


def test_moderator_accepts_one_entry_and_rejects_another_and_the_entrant_sees_why(
    app, page, browser, live_server, check_a11y, outbox, make_user, two_entries
):
    kept, refused = two_entries
    make_user(email="organiser@example.com", full_name="Phạm Minh Kiểm", roles=(Role.MODERATOR,))
    log_in(page, "organiser@example.com")

    # --- the queue: both entries waiting, oldest first -----------------------------------------
    page.goto("/admin/moderation")
    expect(page.locator("h1")).to_have_text(t(app, "Moderation"))
    expect(page.locator("tr[data-code]")).to_have_count(2)
    expect(page.locator("tr[data-code] .entry-code")).to_have_text([kept, refused])
    check_a11y("moderation queue")

    # --- accept the first ---------------------------------------------------------------------
    with page.expect_navigation():
        page.get_by_role("link", name=kept).click()
    assert path_of(page) == f"/admin/entries/{kept}"
    check_a11y("entry review page")
    with page.expect_navigation():
        page.locator("#approve-button").click()
    expect(page.locator(".alert--success")).to_have_text(t(app, "Entry %(code)s accepted.", code=kept))
    expect(page.locator("#entry-status")).to_have_attribute("data-status", "accepted")
    expect(page.locator("#disqualify-button")).to_be_visible()
    assert status_of(app, kept) == EntryStatus.ACCEPTED

    # --- reject the second, choosing a reason and writing a note --------------------------------
    page.goto("/admin/moderation")
    expect(page.locator("tr[data-code]")).to_have_count(1)
    with page.expect_navigation():
        page.get_by_role("link", name=refused).click()
    page.locator("#reject-reason").select_option("not_in_area")
    page.locator("#reject-note").fill(NOTE)
    with page.expect_navigation():
        page.locator("#reject-button").click()
    expect(page.locator(".alert--success")).to_have_text(t(app, "Entry %(code)s rejected.", code=refused))
    expect(page.locator("#entry-status")).to_have_attribute("data-status", "rejected")
    expect(page.locator("#decision-reason")).to_contain_text(NOTE)
    expect(page.locator("#history")).to_contain_text("entry.reject")
    check_a11y("entry review page after rejecting")
    assert status_of(app, refused) == EntryStatus.REJECTED

    # --- the dashboard and the messages page pass axe too ---------------------------------------
    page.goto("/admin")
    expect(page.locator("#entry-counts tr[data-status=accepted] td[data-column=total]")).to_have_text("1")
    check_a11y("dashboard")
    page.goto("/admin/messages")
    page.locator("#subject").fill("Lịch triển lãm")
    page.locator("#body").fill("Xin mời các tác giả đến dự.")
    with page.expect_navigation():
        page.get_by_role("button", name=t(app, "Preview")).click()
    expect(page.locator("#recipient-count")).to_have_text(t(app, "Recipients: %(count)d", count=1))
    check_a11y("messages preview")

    # --- the entrant sees the reason ----------------------------------------------------------
    context = browser.new_context(
        viewport=PHONE_VIEWPORT, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", base_url=live_server.url
    )
    try:
        mine = context.new_page()
        log_in(mine, "entrant@example.com")
        with app.test_request_context(), force_locale("vi"):
            reason = str(REASON_TEMPLATES["not_in_area"])
        mine.goto(f"/my-entries/{refused}")
        expect(mine.locator(".alert--error")).to_contain_text(reason)
        expect(mine.locator(".alert--error")).to_contain_text(NOTE)
        mine.goto("/my-entries")
        card = mine.locator(f"#entry-list > li[data-code='{refused}']")
        expect(card).to_have_attribute("data-status", "rejected")
        expect(card.locator("[data-entry-status]")).to_have_text(t(app, "Not accepted"))
        accepted = mine.locator(f"#entry-list > li[data-code='{kept}'] [data-entry-status]")
        expect(accepted).to_have_text(t(app, "Accepted"))
    finally:
        context.close()

    # --- and the rejection mail, with the reason, is in the outbox -----------------------------
    mail = next(m for m in outbox() if m["subject"] == t(app, "Entry %(code)s not accepted", code=refused))
    assert mail["to"] == "entrant@example.com"
    assert reason in mail["body"] and NOTE in mail["body"]
