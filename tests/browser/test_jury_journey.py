"""Judging end to end in real Chromium: two jurors score with the keyboard, the chair closes the
preliminary round, advances the top two, runs the final round, awards the first prize and
publishes; the public results page shows the winner and a hash that matches the downloaded JSON.

Photos go through the real processing job, so the scoring screen shows real web copies. Each
person has their own browser context (own cookies); axe checks the juror, chair and public pages.
"""

from __future__ import annotations

import hashlib
import io
import re
from urllib.parse import urlsplit

import pytest
from flask_babel import force_locale, gettext
from PIL import Image
from playwright.sync_api import expect

from app.auth.models import Role, UserRole
from app.contest.models import StaffRole
from app.entries.models import EntryKind, EntryStatus
from app.extensions import db
from app.jury import services
from app.jury.models import JuryRound, RoundEntry, RoundKind, RoundStatus
from app.jury.services import CriterionData, RoundSettings
from app.media.models import ProcessingState
from app.media.tasks import process_asset
from tests.browser.conftest import PHONE_VIEWPORT
from tests.conftest import DEFAULT_PASSWORD
from tests.entries.conftest import (  # noqa: F401
    contest,
    make_asset,
    make_details,
    make_entrant,
    make_staff,
    photo,
    submit,
)

pytestmark = pytest.mark.browser

TITLES = ("Bình minh trên sông Lam", "Chợ phiên Kỳ Sơn", "Lúa chín Yên Thành")
# Each juror's scores (content, technique) by title: the first title wins, the last one goes out.
SCORES = {
    "juror": {TITLES[0]: ("9", "8"), TITLES[1]: ("7", "7"), TITLES[2]: ("3", "4")},
    "chair": {TITLES[0]: ("8", "9"), TITLES[1]: ("6", "8"), TITLES[2]: ("2", "2")},
}
TIE_NOTE = "Cả hai giám khảo cho tác phẩm này điểm cao hơn ở mọi tiêu chí."
FINAL_SCORES = {
    "juror": {TITLES[0]: ("1", "0"), TITLES[1]: ("6", "6")},  # "1" then "0" types 10
    "chair": {TITLES[0]: ("9", "9"), TITLES[1]: ("7", "5")},
}


def t(app, message: str, **values) -> str:
    """The Vietnamese text a page shows for `message`."""
    with app.test_request_context(), force_locale("vi"):
        return gettext(message, **values)


def jpeg(seed: int) -> bytes:
    image = Image.effect_noise((900, 600), 30 + seed).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


@pytest.fixture
def judging(app, contest, photo, make_entrant, make_asset, make_staff):  # noqa: F811
    """Three accepted, really processed photos; a juror and a chair on the jury; the preliminary
    round open with both of them, and the final round waiting as a draft."""
    photo.min_long_edge_px, photo.min_bytes = 600, None
    db.session.commit()
    assets = []
    for number, title in enumerate(TITLES):
        entrant = make_entrant(email=f"tacgia{number}@example.com", full_name=f"Tác Giả {number}")
        asset = make_asset(entrant, state=ProcessingState.PENDING, sha256=None, data=jpeg(number))
        submit(entrant, photo, EntryKind.SINGLE_PHOTO, asset, details=make_details(title_vi=title, title_en=""))
        db.session.commit()  # the next make_entrant writes from its own session
        assets.append(asset.id)
    for asset_id in assets:
        with app.app_context():
            process_asset(asset_id)
    db.session.expire_all()
    people = {}
    for key, email in (("juror", "giamkhao@example.com"), ("chair", "chutich@example.com")):
        user = make_entrant(email=email, full_name=f"Giám Khảo {key}")
        user.roles.append(UserRole(role=Role.JUROR))
        make_staff(contest, user, StaffRole.JURY)
        people[key] = user
    contest.jury_chair_id = people["chair"].id
    for entry in contest_entries(contest):
        assert entry.status is EntryStatus.RECEIVED, entry.status
        entry.status = EntryStatus.ACCEPTED
    db.session.commit()
    chair, jurors = people["chair"], list(people.values())
    criteria = (CriterionData("Nội dung", "Content", 0.6), CriterionData("Kỹ thuật", "Technique", 0.4))
    rounds = []
    for name_vi, name_en in (("Vòng sơ khảo", "Preliminary round"), ("Vòng chung khảo", "Final round")):
        settings = RoundSettings(name_vi=name_vi, name_en=name_en, kind=RoundKind.SCORING, scale_step=1.0,
                                 criteria=criteria)
        round_ = services.create_round(contest, photo, settings, chair)
        services.set_round_jurors(round_, jurors, chair)
        rounds.append(round_)
    services.open_round(rounds[0], chair)
    db.session.commit()
    return rounds[0].id, rounds[1].id


def contest_entries(contest):  # noqa: F811
    from app.entries.models import Entry

    return db.session.scalars(db.select(Entry).where(Entry.contest_id == contest.id)).all()


def log_in(page, email: str) -> None:
    page.goto("/auth/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(DEFAULT_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    assert urlsplit(page.url).path == "/", page.url


def new_page(browser, live_server):
    context = browser.new_context(
        viewport=PHONE_VIEWPORT, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh", base_url=live_server.url,
        has_touch=True,
    )
    context.set_default_timeout(10_000)
    return context, context.new_page()


def score_round_with_keyboard(page, round_id: int, scores: dict, check_a11y=None) -> None:
    """Open the round's screen and score every entry with digits, ↓ and →, then confirm."""
    page.goto("/jury")
    with page.expect_navigation():
        page.locator(f"a[href^='/jury/rounds/{round_id}']").first.click()
    total = len(scores)
    for index in range(total):
        expect(page.locator("#jury-progress-text")).to_have_text(f"{index} / {total}")
        expect(page.locator("#jury-media img").first).to_be_visible()
        title = page.locator("#jury-title").inner_text()
        content, technique = scores[title]
        page.locator("body").click(position={"x": 5, "y": 5})  # focus the page, not a field
        page.keyboard.type(content[0])
        if len(content) > 1:
            page.keyboard.type(content[1])
        page.keyboard.press("ArrowDown")
        page.keyboard.type(technique)
        expect(page.locator("#jury-save-status")).to_have_text(re.compile("."), timeout=5_000)
        if check_a11y and index == 0:
            check_a11y("scoring screen")
        if index < total - 1:
            with page.expect_navigation():
                page.keyboard.press("ArrowRight")
        else:
            expect(page.locator("#jury-progress-text")).to_have_text(f"{total} / {total}", timeout=5_000)


def confirm_scores(page, round_id: int) -> None:
    page.goto(f"/jury/rounds/{round_id}/confirm")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()


def chair_step(page, button_value: str) -> None:
    with page.expect_navigation():
        page.locator(f"button[name=step][value={button_value}]").click()


def round_status(app, round_id: int) -> RoundStatus:
    with app.app_context():
        return db.session.get(JuryRound, round_id).status


def test_two_jurors_score_the_chair_advances_and_publishes_prizes(
    app, page, browser, live_server, check_a11y, judging
):
    first_id, final_id = judging
    chair = page  # the fixture's page, so axe checks the chair's pages
    context, juror = new_page(browser, live_server)
    try:
        # --- both jurors score the preliminary round with the keyboard and confirm -------------
        log_in(juror, "giamkhao@example.com")
        score_round_with_keyboard(juror, first_id, SCORES["juror"])
        confirm_scores(juror, first_id)
        expect(juror.locator("[data-confirmed]")).to_be_visible()
        log_in(chair, "chutich@example.com")
        score_round_with_keyboard(chair, first_id, SCORES["chair"], check_a11y)
        confirm_scores(chair, first_id)
        expect(chair.locator("[data-confirmed]")).to_be_visible()

        # --- the chair closes the round, advances the top two and finalises ---------------------
        chair.goto(f"/jury/rounds/{first_id}/results")
        expect(chair.locator("#results .results-table")).to_have_count(0)  # no scores while open
        chair_step(chair, "close")
        assert round_status(app, first_id) is RoundStatus.CLOSED
        expect(chair.locator("#results .results-table tbody tr")).to_have_count(3)
        check_a11y("chair's results")
        chair.locator("select[name=method]").select_option("mean")
        chair.locator("input[name=top_n]").fill("2")
        with chair.expect_navigation():
            chair.get_by_role("button", name=t(app, "Preview")).click()
        with chair.expect_navigation():
            chair.get_by_role("button", name=t(app, "Confirm: these entries advance")).click()
        expect(chair.locator("#advance-rule")).to_contain_text("top 2")
        chair_step(chair, "finalise")
        assert round_status(app, first_id) is RoundStatus.FINALISED

        # --- the final round: opened by the chair, scored by both -------------------------------
        chair.goto(f"/jury/rounds/{final_id}/results")
        chair_step(chair, "open")
        assert round_status(app, final_id) is RoundStatus.OPEN
        with app.app_context():
            finalists = set(db.session.scalars(db.select(RoundEntry.entry_id).where(RoundEntry.round_id == final_id)))
        assert len(finalists) == 2
        score_round_with_keyboard(juror, final_id, FINAL_SCORES["juror"])
        score_round_with_keyboard(chair, final_id, FINAL_SCORES["chair"])
    finally:
        context.close()
    chair.goto(f"/jury/rounds/{final_id}/results")
    chair_step(chair, "close")
    chair_step(chair, "finalise")
    assert round_status(app, final_id) is RoundStatus.FINALISED

    # --- prizes: the first prize to the best entry, preview, publish ----------------------------
    chair.goto("/jury/prizes/happy-nghe-an-2025")
    with app.app_context():
        winner_code = winning_code(final_id)
    award_form = chair.locator("form[action$='/award']").first
    award_form.locator("select[name=entry_code]").select_option(winner_code)
    # Two jurors cannot separate two entries statistically: the chair records the decision.
    award_form.locator("textarea[name=tie_note]").fill(TIE_NOTE)
    with chair.expect_navigation():
        award_form.locator("button[type=submit]").click()
    expect(chair.locator("main")).to_contain_text(winner_code)
    check_a11y("prize desk")
    chair.goto("/jury/prizes/happy-nghe-an-2025/preview")
    chair.locator("#publish-confirm").check()
    with chair.expect_navigation():
        chair.get_by_role("button", name=t(app, "Publish the results")).click()

    # --- the public results page shows the winner and a hash that checks out --------------------
    chair.goto("/results/happy-nghe-an-2025")
    expect(chair.locator("main")).to_contain_text(TITLES[0])
    expect(chair.locator("main")).to_contain_text(TIE_NOTE)
    shown = re.search(r"\b[0-9a-f]{64}\b", chair.locator("main").inner_text()).group(0)
    download = chair.request.get("/results/happy-nghe-an-2025/v1.json")
    assert download.ok
    assert hashlib.sha256(download.body()).hexdigest() == shown
    check_a11y("public results")


def winning_code(final_id: int) -> str:
    """The entry ranked first in the final round, by the service's own ranking."""
    from app.entries.models import Entry

    round_ = db.session.get(JuryRound, final_id)
    best = services.final_ranking(round_)[0]
    return db.session.get(Entry, best.entry_id).code
