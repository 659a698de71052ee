"""Entering the contest end to end in a real phone-sized browser, with axe on the entry pages.

A new entrant registers through the real pages (the email code comes from the outbox), then
enters a single photo, a three-photo series and a short video through the entry forms and the
resumable uploader (files made for the test; jobs run synchronously, so processing is done by
the time the upload's last request returns). It proves that:

- an uploaded file becomes a ticked row of the entry form (entry-form.js), and a photo's EXIF
  capture date fills "When it was made";
- the form refuses an entry without the four declarations, says why next to each box, keeps
  what was typed and the chosen file, and stores nothing;
- each entry gets its code (HNA25-A/B/V-nnnn) and a confirmation mail quoting it;
- the series is stored in the order set with the arrow buttons, with each photo's captions;
- "my entries" shows every entry as received; an entry's title can be changed, and an entry
  can be withdrawn, after which "my entries" shows it as withdrawn;
- the enter page, the entry forms, my entries and an entry page have no serious or critical
  axe findings.
"""

from __future__ import annotations

import re
import subprocess
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from flask_babel import force_locale, gettext
from PIL import ExifTags, Image
from playwright.sync_api import expect
from sqlalchemy import func, select

from app.contest.models import Category, Contest
from app.core.timeutil import utcnow
from app.entries.models import Entry, EntryStatus
from app.entries.services import refresh_entry
from app.extensions import db
from app.media.models import ProcessingState
from app.media.video import ffmpeg_binary
from tests.conftest import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser

MB = 1024 * 1024
FULL_NAME = "Lê Văn Thành"
EMAIL = "le.van.thanh@example.vn"
CODE_IN_MAIL = re.compile(r"\b(\d{6})\b")
SERIES_DAYS = ("2024-05-17", "2024-05-18", "2024-05-19")  # the series photos' EXIF capture dates
PROCESSING_TIMEOUT_MS = 30_000


def t(app, message: str, **values) -> str:
    """The Vietnamese text the page shows for `message`, placeholders filled like the page does."""
    with app.test_request_context(), force_locale("vi"):
        text = gettext(message)
    return text % values if values else text


def path_of(page) -> str:
    return urlsplit(page.url).path


# --- files ------------------------------------------------------------------------------------


def _jpeg(path: Path, size: tuple[int, int], *, taken: str | None = None) -> Path:
    """A gradient photo (each size gives different bytes), taken on `taken` (YYYY-MM-DD) by its EXIF."""
    across = Image.linear_gradient("L").rotate(90).resize(size)
    down = Image.linear_gradient("L").resize(size)
    img = Image.merge("RGB", (across, down, Image.radial_gradient("L").resize(size)))
    exif = Image.Exif()
    if taken:
        exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = taken.replace("-", ":") + " 06:30:00"
    img.save(path, "JPEG", quality=85, exif=exif)
    return path


@pytest.fixture(scope="session")
def entry_files(tmp_path_factory):
    """A photo without EXIF, three series photos taken on SERIES_DAYS, and a two-second MP4."""
    folder = tmp_path_factory.mktemp("entry-files")
    video = folder / "Đua thuyền sông Lam.mp4"
    subprocess.run(
        [
            ffmpeg_binary(), "-v", "error", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "2",
            "-pix_fmt", "yuv420p", "-c:v", "libx264", str(video),
        ],
        check=True,
        timeout=60,
    )  # fmt: skip
    return SimpleNamespace(
        photo=_jpeg(folder / "Biển Cửa Lò.jpg", (1200, 800)),
        series=[
            _jpeg(folder / "1 Sáng sớm ở chợ.jpg", (900, 600), taken=SERIES_DAYS[0]),
            _jpeg(folder / "2 Gánh cá về.jpg", (960, 640), taken=SERIES_DAYS[1]),
            _jpeg(folder / "3 Bình minh trên bến.jpg", (1020, 680), taken=SERIES_DAYS[2]),
        ],
        video=video,
    )


# --- the contest and the database -------------------------------------------------------------


@pytest.fixture
def open_contest(app, seeded_contest):
    """The seeded contest taking entries now, with photo rules small enough for quick test files."""
    with app.app_context():
        contest = db.session.scalar(select(Contest).where(Contest.slug == seeded_contest))
        now = utcnow()
        contest.submissions_open_at = now - timedelta(days=3)
        contest.submissions_close_at = now + timedelta(days=3)
        contest.results_at = None
        contest.work_created_from = date(2023, 1, 1)
        contest.work_created_until = date(2025, 10, 1)
        photo = db.session.scalar(select(Category).where(Category.slug == "photo"))
        photo.min_long_edge_px = 600
        photo.min_bytes = None
        video = db.session.scalar(select(Category).where(Category.slug == "video"))
        video.min_bytes = None
        db.session.commit()
    return seeded_contest


def count_entries(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Entry.id)))


def stored_entry(app, code: str) -> SimpleNamespace:
    """What the database holds for an entry: status, title and files in order with captions."""
    with app.app_context():
        entry = db.session.scalar(select(Entry).where(Entry.code == code))
        assert entry is not None, f"no entry {code}"
        return SimpleNamespace(
            status=entry.status,
            title_vi=entry.title_vi,
            made_on=entry.made_on,
            files=[(f.asset.original_filename, f.caption_vi, f.caption_en) for f in entry.files],
        )


def stage_processing(app, code: str) -> None:
    """Put an entry back to where its files are still being processed (jobs are synchronous here)."""
    with app.app_context():
        entry = db.session.scalar(select(Entry).where(Entry.code == code))
        for entry_file in entry.files:
            entry_file.asset.state = ProcessingState.PROCESSING
        entry.status, entry.received_at = EntryStatus.SUBMITTED, None
        db.session.commit()


def finish_processing(app, code: str) -> None:
    """The files' processing ends: the entry moves on as the pipeline's signal would make it."""
    with app.app_context():
        entry = db.session.scalar(select(Entry).where(Entry.code == code))
        for entry_file in entry.files:
            entry_file.asset.state = ProcessingState.READY
        refresh_entry(entry)
        db.session.commit()


# --- the pages --------------------------------------------------------------------------------


def submit(page, button: str = "main form button[type=submit]") -> None:
    """Press a form's submit button and wait for the next page."""
    with page.expect_navigation():
        page.locator(button).first.click()


def register_and_log_in(app, page, outbox) -> None:
    """Open an account on the real pages, confirm it with the mailed code and log in."""
    page.goto("/auth/register")
    page.locator("#full_name").fill(FULL_NAME)
    page.locator("#email").fill(EMAIL)
    page.locator("#password").fill(DEFAULT_PASSWORD)
    page.locator("#birth_date").fill("2004-03-08")  # 22 years old: old enough (15)
    page.locator("#accepts_privacy_notice").check()
    submit(page)
    assert path_of(page) == "/auth/verify"
    expect(page.locator("#email")).to_have_value(EMAIL)

    mails = outbox()
    assert [m["to"] for m in mails] == [EMAIL]
    page.locator("#code").fill(CODE_IN_MAIL.search(mails[0]["body"]).group(1))
    submit(page)
    assert path_of(page) == "/auth/login"
    expect(page.locator(".alert--success")).to_have_text(t(app, "Your email address is confirmed."))

    page.locator("#email").fill(EMAIL)
    page.locator("#password").fill(DEFAULT_PASSWORD)
    submit(page)
    assert path_of(page) == "/"


def open_form(page, href: str) -> None:
    """From /enter, follow the link to one kind of work and wait for the uploader."""
    page.goto("/enter")
    with page.expect_navigation():
        page.locator(f"main a[href='{href}']").click()
    assert path_of(page) == href
    expect(page.locator("#uploader.uploader--ready")).to_be_attached()
    expect(page.locator("#entry-files > li")).to_have_count(0)


def file_row(page, path: Path):
    """The entry form's row of one uploaded file."""
    return page.locator("#entry-files > li").filter(has=page.locator(".file-row-name", has_text=path.name))


def upload(app, page, *paths: Path) -> dict[str, str]:
    """Send files through the uploader; wait until each is a ticked, ready row. Returns name → asset id."""
    page.set_input_files("#upload-files", list(paths))
    ids = {}
    for path in paths:
        row = file_row(page, path)
        expect(row).to_have_class(re.compile(r"\bfile-row--ready\b"), timeout=PROCESSING_TIMEOUT_MS)
        expect(row.locator(".file-row-state")).to_have_text(t(app, "Ready"))
        expect(row.locator("input[name=file]")).to_be_checked()
        expect(row.locator(".file-row-thumb img")).to_be_visible()
        ids[path.name] = row.get_attribute("data-asset-id")
    expect(page.locator("#no-files")).to_be_hidden()
    return ids


def row_names(page) -> list[str]:
    return page.locator("#entry-files > li .file-row-name").all_inner_texts()


def put_in_order(app, page, wanted: list[Path]) -> None:
    """Arrange the series rows with the "Move up" buttons alone, as a person would."""
    for target, path in enumerate(wanted):
        while (where := row_names(page).index(path.name)) > target:
            button = file_row(page, path).get_by_role("button", name=f"{t(app, 'Move up')}: {path.name}")
            button.click()
            expect(page.locator("#entry-files > li").nth(where - 1)).to_contain_text(path.name)
            expect(button).to_be_focused()  # the focus follows the moved photo
            moved = t(app, "%(name)s is now number %(position)s", name=path.name, position=where)
            expect(page.locator("#entry-form-announcer")).to_have_text(moved)
    assert row_names(page) == [p.name for p in wanted]


def describe_work(page, title: str, made_on: str | None = None) -> None:
    page.locator("#title_vi").fill(title)
    if made_on is not None:
        page.locator("#made_on").fill(made_on)
    expect(page.locator("#credit_name")).to_have_value(FULL_NAME)


DECLARATIONS = ("#declared_own_work", "#declared_made_in_area", "#declared_consent", "#declared_licence")


def declare_and_submit(app, page, code_pattern: str) -> str:
    """Tick the four declarations, submit, and return the code shown on the entry page."""
    for box in DECLARATIONS:
        page.locator(box).check()
    submit(page, "#entry-submit")
    assert re.fullmatch(r"/my-entries/" + code_pattern, path_of(page)), page.url
    code = page.locator(".entry-code").inner_text()
    assert re.fullmatch(code_pattern, code)
    expect(page.locator(".alert--success")).to_have_text(
        t(app, "Thank you! Your entry %(code)s has been received.", code=code)
    )
    return code


# --- the journey ------------------------------------------------------------------------------


def test_enter_three_works_follow_change_and_withdraw(app, page, check_a11y, outbox, open_contest, entry_files):
    register_and_log_in(app, page, outbox)

    page.goto("/enter")
    expect(page.locator("h1")).to_have_text(t(app, "Enter the contest"))
    expect(page.locator("main a.button--primary[href^='/enter/']")).to_have_count(3)
    check_a11y("enter")

    # --- a single photo; first without the declarations ---------------------------------------
    open_form(page, "/enter/photo/photo")
    photo_ids = upload(app, page, entry_files.photo)
    expect(page.locator("#made_on")).to_have_value("")  # no EXIF date in this photo
    check_a11y("single photo form after an upload")

    describe_work(page, "Chiều trên biển Cửa Lò", made_on="2025-04-30")
    submit(page, "#entry-submit")
    assert path_of(page) == "/enter/photo/photo"
    expect(page.locator(".alert--error[role=alert]")).to_have_text(t(app, "Please correct the highlighted fields."))
    for box in DECLARATIONS:
        expect(page.locator(box)).to_have_attribute("aria-invalid", "true")
        expect(page.locator(box)).not_to_be_checked()
        expect(page.locator(f"{box}-error")).to_have_text(t(app, "You must confirm this to enter."))
    # What was typed and the chosen file are kept for the second try.
    expect(page.locator("#title_vi")).to_have_value("Chiều trên biển Cửa Lò")
    expect(page.locator("#made_on")).to_have_value("2025-04-30")
    expect(page.locator(f"#file-{photo_ids[entry_files.photo.name]}")).to_be_checked()
    assert count_entries(app) == 0, "a refused entry stores nothing"
    assert len(outbox()) == 1, "and sends no mail"
    check_a11y("single photo form with errors")

    single = declare_and_submit(app, page, r"HNA25-A-\d{4}")
    expect(page.locator("h1")).to_have_text("Chiều trên biển Cửa Lò")
    check_a11y("entry page")

    # --- a series of three, the third photo moved to the top -----------------------------------
    open_form(page, "/enter/photo/series")
    first, second, third = entry_files.series
    series_ids = upload(app, page, first, second, third)
    # The date comes from the EXIF of the photo that comes first, and follows the arrows.
    taken_on = dict(zip([p.name for p in entry_files.series], SERIES_DAYS, strict=True))
    expect(page.locator("#made_on")).to_have_value(taken_on[row_names(page)[0]])
    put_in_order(app, page, [third, first, second])
    expect(page.locator("#made_on")).to_have_value(SERIES_DAYS[2])
    captions = {
        third.name: ("Bình minh trên bến", "Dawn at the landing"),
        first.name: ("Sáng sớm ở chợ", "Early morning at the market"),
        second.name: ("Gánh cá về", "Carrying the catch home"),
    }
    for name, (vi, en) in captions.items():
        page.locator(f"#caption_vi-{series_ids[name]}").fill(vi)
        page.locator(f"#caption_en-{series_ids[name]}").fill(en)
    check_a11y("series form after arranging")
    describe_work(page, "Một ngày ở làng chài")
    series = declare_and_submit(app, page, r"HNA25-B-\d{4}")

    wanted = [(p.name, *captions[p.name]) for p in (third, first, second)]
    stored = stored_entry(app, series)
    assert stored.files == wanted, "stored in the order and with the captions chosen"
    assert stored.made_on == date.fromisoformat(SERIES_DAYS[2])
    expect(page.locator(".entry-gallery > li")).to_have_count(3)
    for n, (_name, vi, _en) in enumerate(wanted):
        expect(page.locator(".entry-gallery > li").nth(n).locator("img")).to_have_attribute("alt", vi)
    expect(page.locator(".entry-files .entry-file-name")).to_have_text(
        [f"{n}. {name}" for n, (name, _vi, _en) in enumerate(wanted, start=1)]
    )

    # --- a short video ------------------------------------------------------------------------
    open_form(page, "/enter/video/video")
    upload(app, page, entry_files.video)
    describe_work(page, "Đua thuyền trên sông Lam", made_on="2025-09-02")
    video = declare_and_submit(app, page, r"HNA25-V-\d{4}")

    # --- a confirmation mail for each entry, quoting its code ---------------------------------
    mails = outbox()[1:]
    assert len(mails) == 3, [m["subject"] for m in mails]
    for code, mail in zip((single, series, video), mails, strict=True):
        assert mail["to"] == EMAIL
        assert mail["subject"] == t(app, "Entry %(code)s received", code=code)
        assert code in mail["body"] and f"/my-entries/{code}" in mail["body"]

    # --- my entries: all three received, one of them followed while its files are processed --
    stage_processing(app, series)
    page.goto("/my-entries")
    cards = page.locator("#entry-list > li")
    expect(cards).to_have_count(3)
    expect(cards.locator(".entry-code")).to_have_text([video, series, single])  # newest first
    series_card = page.locator(f"#entry-list > li[data-code='{series}']")
    expect(series_card.locator("[data-entry-status]")).to_have_text(t(app, "Processing files"))
    expect(series_card.locator(".entry-file-state")).to_have_text([t(app, "Processing")] * 3)
    expect(series_card.locator(".entry-thumb img")).to_have_count(0)
    check_a11y("my entries while files are processed")

    page.evaluate("window.stillTheSamePage = true")
    finish_processing(app, series)
    expect(cards.locator("[data-entry-status]")).to_have_text([t(app, "Received")] * 3, timeout=20_000)
    expect(page.locator("#entry-list > li[data-status=received]")).to_have_count(3)
    expect(series_card.locator(".entry-file-state")).to_have_text([t(app, "Ready")] * 3)
    expect(series_card.locator(".step--done")).to_have_count(3)  # uploaded, processing, received
    expect(series_card.locator(".entry-thumb img")).to_be_visible()
    expect(page.locator("#entry-announcer")).to_have_text(f"{series}: {t(app, 'Received')}")
    assert page.evaluate("window.stillTheSamePage"), "the list was updated in place, not reloaded"
    check_a11y("my entries")

    # --- change the video's title -------------------------------------------------------------
    page.goto(f"/my-entries/{video}")
    with page.expect_navigation():
        page.get_by_role("link", name=t(app, "Edit the entry")).click()
    assert path_of(page) == f"/my-entries/{video}/edit"
    expect(page.locator("#title_vi")).to_have_value("Đua thuyền trên sông Lam")
    expect(page.locator("#entry-files input[name=file]:checked")).to_have_count(1)
    check_a11y("edit form")
    page.locator("#title_vi").fill("Hội đua thuyền truyền thống sông Lam")
    expect(page.locator("#entry-submit")).to_have_text(t(app, "Save changes"))
    submit(page, "#entry-submit")
    assert path_of(page) == f"/my-entries/{video}"
    expect(page.locator(".alert--success")).to_have_text(t(app, "Your changes to %(code)s are saved.", code=video))
    expect(page.locator("h1")).to_have_text("Hội đua thuyền truyền thống sông Lam")
    assert stored_entry(app, video).title_vi == "Hội đua thuyền truyền thống sông Lam"
    assert stored_entry(app, video).status == EntryStatus.RECEIVED

    # --- withdraw the single photo -------------------------------------------------------------
    page.goto(f"/my-entries/{single}")
    confirm = page.get_by_role("button", name=t(app, "Yes, withdraw %(code)s", code=single))
    expect(confirm).to_be_hidden()  # behind the disclosure
    page.locator("details.danger-zone summary").filter(has_text=t(app, "Withdraw this entry")).click()
    expect(confirm).to_be_visible()
    with page.expect_navigation():
        confirm.click()
    assert path_of(page) == "/my-entries"
    expect(page.locator(".alert--success")).to_have_text(t(app, "Entry %(code)s has been withdrawn.", code=single))
    withdrawn = page.locator(f"#entry-list > li[data-code='{single}']")
    expect(withdrawn).to_have_attribute("data-status", "withdrawn")
    expect(withdrawn.locator("[data-entry-status]")).to_have_text(t(app, "Withdrawn"))
    expect(page.locator("#entry-list > li[data-status=received]")).to_have_count(2)
    assert stored_entry(app, single).status == EntryStatus.WITHDRAWN
    check_a11y("my entries with a withdrawn entry")
