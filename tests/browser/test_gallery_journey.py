"""The public gallery end to end in real Chromium: a visitor browses, searches without diacritics,
opens an entry, registers (email confirmed with the mailed code), votes (a new account is risky, so
the browser solves the proof-of-work challenge first) and sees the vote counted; then the display
wall advances on its own.

Photos go through the real processing job, so every page shows real web copies. axe checks the
gallery, the entry page and the wall.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from flask_babel import force_locale, gettext
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.auth.models import User
from app.contest.models import ContestStatus, VotePolicy
from app.core.timeutil import utcnow
from app.entries.models import Entry, EntryKind, EntryStatus
from app.extensions import db
from app.gallery.models import EntryVoteCount, Vote
from app.media.models import ProcessingState
from app.media.tasks import process_asset
from tests.conftest import DEFAULT_PASSWORD
from tests.entries.conftest import (  # noqa: F401
    contest,
    make_asset,
    make_details,
    make_entrant,
    photo,
    submit,
)

pytestmark = pytest.mark.browser

# (title, place): only the market in Kỳ Sơn mentions Nghệ An, so a search for it finds exactly one entry.
WORKS = (
    ("Bình minh trên sông Lam", "Cửa Lò"),
    ("Chợ phiên Kỳ Sơn", "Kỳ Sơn, Nghệ An"),
    ("Lúa chín Yên Thành", "Yên Thành"),
)
WANTED = WORKS[1][0]
VOTES_PER_DAY = 3
FULL_NAME = "Lê Văn Bình Chọn"
EMAIL = "binh.chon@example.vn"
CODE_IN_MAIL = re.compile(r"\b(\d{6})\b")


def t(app, message: str, **values) -> str:
    """The Vietnamese text a page shows for `message`."""
    with app.test_request_context(), force_locale("vi"):
        return gettext(message, **values)


def jpeg(seed: int) -> bytes:
    image = Image.effect_noise((900, 600), 30 + seed).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def path_of(page) -> str:
    return urlsplit(page.url).path


def submit_form(page) -> None:
    """Press the main form's submit button and wait for the next page."""
    with page.expect_navigation():
        page.locator("main form").first.locator("button[type=submit]").click()


@pytest.fixture
def open_gallery(app, contest, photo, make_entrant, make_asset):  # noqa: F811
    """Three accepted, really processed photos, made while submissions were open; then the contest
    published with submissions closed and voting open now, counts public, three votes a day."""
    photo.min_long_edge_px, photo.min_bytes = 600, None
    db.session.commit()
    assets = []
    for number, (title, place) in enumerate(WORKS):
        entrant = make_entrant(email=f"tacgia{number}@example.com", full_name=f"Tác Giả {number}")
        asset = make_asset(entrant, state=ProcessingState.PENDING, sha256=None, data=jpeg(number))
        details = make_details(title_vi=title, title_en="", place=place, credit_name=f"Tác Giả {number}")
        submit(entrant, photo, EntryKind.SINGLE_PHOTO, asset, details=details)
        db.session.commit()  # the next make_entrant writes from its own session
        assets.append(asset.id)
    for asset_id in assets:
        with app.app_context():
            process_asset(asset_id)
    db.session.expire_all()
    entries = db.session.scalars(select(Entry).where(Entry.contest_id == contest.id)).all()
    assert len(entries) == len(WORKS)
    for entry in entries:
        assert entry.status is EntryStatus.RECEIVED, entry.status
        entry.status = EntryStatus.ACCEPTED
    now = utcnow()
    contest.status = ContestStatus.PUBLISHED
    contest.submissions_open_at = now - timedelta(days=40)
    contest.submissions_close_at = now - timedelta(days=10)
    contest.voting_open_at = now - timedelta(days=1)
    contest.voting_close_at = now + timedelta(days=5)
    contest.results_at = now + timedelta(days=20)
    contest.vote_policy = VotePolicy.PER_ENTRY_PER_DAY
    contest.votes_per_day = VOTES_PER_DAY
    contest.vote_counts_visible = True
    db.session.commit()
    return contest.slug, {entry.title_vi: entry.code for entry in entries}


def card_titles(page) -> list[str]:
    return [text.strip() for text in page.locator("#gallery-grid .gallery-card__title").all_inner_texts()]


def search(page, text: str) -> None:
    page.locator("#gallery-q").fill(text)
    with page.expect_navigation():
        page.locator("#gallery-q").press("Enter")


def expect_images_loaded(page, selector: str) -> None:
    """Every image matching `selector` has really loaded (a decoded picture, not a broken icon)."""
    images = page.locator(selector)
    expect(images.first).to_be_visible()
    for i in range(images.count()):
        images.nth(i).scroll_into_view_if_needed()
        expect(images.nth(i)).to_have_js_property("complete", True)
        assert images.nth(i).evaluate("img => img.naturalWidth") > 0, f"image {i} of {selector} did not load"


def register_and_confirm(app, page, outbox) -> None:
    """Create an account through the real pages and confirm the email with the mailed code."""
    page.locator("#full_name").fill(FULL_NAME)
    page.locator("#email").fill(EMAIL)
    page.locator("#password").fill(DEFAULT_PASSWORD)
    page.locator("#birth_date").fill("1998-03-26")
    page.locator("#accepts_privacy_notice").check()
    submit_form(page)
    assert path_of(page) == "/auth/verify", page.url
    mails = [mail for mail in outbox() if mail["to"] == EMAIL]  # the authors had their receipts
    assert len(mails) == 1, mails
    page.locator("#code").fill(CODE_IN_MAIL.search(mails[0]["body"]).group(1))
    submit_form(page)
    assert path_of(page) == "/auth/login", page.url
    expect(page.locator(".alert--success")).to_have_text(t(app, "Your email address is confirmed."))


def record_status_texts(page) -> None:
    """Keep every text the vote button's status line shows, so the test sees the browser check pass by."""
    page.evaluate(
        """() => {
            const line = document.querySelector("[data-vote-status]");
            window.__voteStatus = [line.textContent];
            new MutationObserver(() => window.__voteStatus.push(line.textContent))
                .observe(line, {childList: true, characterData: true, subtree: true});
        }"""
    )


def test_visitor_searches_registers_votes_and_the_wall_advances(app, page, check_a11y, outbox, open_gallery):
    slug, codes = open_gallery
    code = codes[WANTED]
    entry_path = f"/gallery/{slug}/{code}"

    # --- the gallery: every accepted work, real pictures ------------------------------------------
    page.goto("/gallery")
    assert path_of(page) == f"/gallery/{slug}"
    assert sorted(card_titles(page)) == sorted(title for title, _ in WORKS)
    expect_images_loaded(page, "#gallery-grid img")
    check_a11y("gallery")

    # --- searching without diacritics finds the entry written with them ---------------------------
    for words in ("ky son", "nghe an", "CHO PHIEN"):
        search(page, words)
        assert parse_qs(urlsplit(page.url).query)["q"] == [words]
        expect(page.locator("#gallery-q")).to_have_value(words)
        assert card_titles(page) == [WANTED], f"search {words!r}"
    search(page, "khong co dau")
    expect(page.locator("#gallery-grid")).to_have_count(0)
    expect(page.locator("main")).to_contain_text(t(app, "No works match your search."))
    search(page, "ky son")
    check_a11y("gallery search")

    # --- the entry page; an anonymous vote is sent to log in ---------------------------------------
    with page.expect_navigation():
        page.locator("#gallery-grid a").filter(has_text=WANTED).click()
    assert path_of(page) == entry_path
    expect(page.locator("h1")).to_have_text(WANTED)
    expect_images_loaded(page, ".gallery-single img")
    expect(page.locator("[data-vote-count]")).to_have_text("0")
    expect(page.locator("[data-vote-status]")).to_have_text(t(app, "Log in to vote."))
    check_a11y("entry (anonymous)")
    with page.expect_navigation():
        page.locator("[data-vote-button]").click()
    assert path_of(page) == "/auth/login"
    assert parse_qs(urlsplit(page.url).query)["next"] == [entry_path]

    # --- no account yet: register, confirm the email, log in, back to the entry -------------------
    with page.expect_navigation():
        page.locator("main a[href^='/auth/register']").click()
    assert parse_qs(urlsplit(page.url).query)["next"] == [entry_path]  # the way back is kept
    register_and_confirm(app, page, outbox)
    page.locator("#email").fill(EMAIL)
    page.locator("#password").fill(DEFAULT_PASSWORD)
    submit_form(page)
    assert path_of(page) == entry_path  # logging in leads back to the work
    votes_left = t(app, "Votes left today: %(left)d of %(total)d.", left=VOTES_PER_DAY, total=VOTES_PER_DAY)
    expect(page.locator("[data-vote-status]")).to_have_text(votes_left)
    button = page.locator("[data-vote-button]")
    expect(button).to_be_enabled()
    check_a11y("entry (logged in)")

    # --- vote: the new account is asked for a proof of work, the browser solves it -----------------
    answers: list[tuple[int, str]] = []
    page.on(
        "response",
        lambda response: answers.append((response.status, response.request.post_data or ""))
        if response.url.endswith(f"{entry_path}/vote") else None,
    )
    record_status_texts(page)
    button.click()
    thanks = t(app, "Thank you! Your vote has been counted.")
    left_after = t(app, "Votes left today: %(left)d of %(total)d.", left=VOTES_PER_DAY - 1, total=VOTES_PER_DAY)
    expect(page.locator("[data-vote-status]")).to_have_text(f"{thanks} {left_after}")
    expect(page.locator("[data-vote-count]")).to_have_text("1")
    expect(button).to_be_enabled()  # two more votes for this entry today
    assert [status for status, _ in answers] == [428, 200], answers
    assert "nonce" not in answers[0][1] and "nonce" in answers[1][1], "the second try carries the solved nonce"
    shown = page.evaluate("window.__voteStatus")
    assert t(app, "Checking your browser…") in shown, shown

    with app.app_context():
        voter = db.session.scalar(select(User).where(User.email == EMAIL))
        entry = db.session.scalar(select(Entry).where(Entry.code == code))
        votes = db.session.scalar(
            select(func.count()).select_from(Vote).where(Vote.voter_id == voter.id, Vote.entry_id == entry.id)
        )
        assert votes == 1
        assert db.session.get(EntryVoteCount, entry.id).valid_votes == 1

    # The page, loaded again, shows the same state without the script's help.
    page.reload()
    expect(page.locator("[data-vote-count]")).to_have_text("1")
    expect(page.locator("[data-vote-status]")).to_have_text(left_after)

    # --- the display wall shows every accepted work and advances on its own -----------------------
    page.goto(f"/wall/{slug}?seconds=4")
    title = page.locator(".wall-slide__title")
    first = title.inner_text().strip()
    assert first in codes, first
    expect(page.locator(".wall-slide__qr svg")).to_have_count(1)
    expect_images_loaded(page, ".wall-slide__image")
    check_a11y("wall")
    expect(title).not_to_have_text(first, timeout=15_000)
    assert title.inner_text().strip() in codes
    expect_images_loaded(page, ".wall-slide__image")
