"""The resumable uploader of "My files" (static/js/uploader/) in a real phone-sized browser.

Files are made for the test (Pillow JPEGs, a two-second MP4 from ffmpeg) and go through the
real tus API, storage and processing (jobs run synchronously in tests). Network trouble is
staged with page.route: a PATCH aborted as if the connection dropped, or held back so that
a pause happens while a chunk is still on its way and never reaches the server.
"""

from __future__ import annotations

import base64
import os
import re
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask_babel import force_locale, gettext
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from app.contest.models import Category
from app.extensions import db
from app.media.models import Upload, UploadState
from app.media.video import ffmpeg_binary
from tests.conftest import DEFAULT_PASSWORD

pytestmark = pytest.mark.browser

MB = 1024 * 1024
CHUNK = 8 * MB  # UPLOAD_CHUNK_BYTES: the server's chunk size, which the page uses
EMAIL = "uploader@example.vn"
UPLOADS = "/api/v1/uploads"
PROCESSING_TIMEOUT_MS = 60_000


def t(app, message: str, **values) -> str:
    """The Vietnamese text the page shows for `message`, placeholders filled like the page does."""
    with app.test_request_context(), force_locale("vi"):
        text = gettext(message)
    return text % values if values else text


# --- files ------------------------------------------------------------------------------------


def _jpeg(path: Path, size: tuple[int, int], *, noise: bool = False, quality: int = 90) -> Path:
    if noise:  # noise does not compress: a big file from a modest picture
        img = Image.effect_noise(size, 40).convert("RGB")
    else:
        across = Image.linear_gradient("L").rotate(90).resize(size)
        down = Image.linear_gradient("L").resize(size)
        img = Image.merge("RGB", (across, down, Image.radial_gradient("L").resize(size)))
    img.save(path, "JPEG", quality=quality)
    return path


@pytest.fixture(scope="session")
def media_files(tmp_path_factory):
    """Made once per run: a photo, a photo of two chunks, a short video and a damaged JPEG."""
    folder = tmp_path_factory.mktemp("uploads")
    video = folder / "Lễ hội làng sen.mp4"
    subprocess.run(
        [
            ffmpeg_binary(), "-v", "error", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=320x240:rate=25", "-t", "2",
            "-pix_fmt", "yuv420p", "-c:v", "libx264", str(video),
        ],
        check=True,
        timeout=60,
    )  # fmt: skip
    damaged = folder / "ảnh hỏng.jpg"
    damaged.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(300_000))  # a JPEG only by its first bytes
    big = _jpeg(folder / "Núi Đại Huệ.jpg", (4000, 3000), noise=True, quality=98)
    assert big.stat().st_size > CHUNK + MB, "the big photo must take two chunks"
    return SimpleNamespace(
        photo=_jpeg(folder / "Biển Cửa Lò.jpg", (1200, 900)),
        big=big,
        video=video,
        damaged=damaged,
    )


# --- the page ---------------------------------------------------------------------------------


def set_rules(app, slug: str, **values) -> int:
    """Change a seeded category's file rules (they are rows); returns its id."""
    with app.app_context():
        category = db.session.scalar(select(Category).where(Category.slug == slug))
        for name, value in values.items():
            setattr(category, name, value)
        db.session.commit()
        return category.id


@pytest.fixture
def categories(app, seeded_contest):
    """The seeded categories with rules small enough for quick test files."""
    return SimpleNamespace(
        photo=set_rules(app, "photo", min_long_edge_px=600, min_bytes=None, max_bytes=30 * MB),
        video=set_rules(app, "video", min_bytes=None, max_video_seconds=300),
    )


def open_uploader(page, make_user) -> None:
    """Make a verified user, log in through the login page and open /my-files."""
    make_user(email=EMAIL)
    page.goto("/auth/login")
    page.locator("#email").fill(EMAIL)
    page.locator("#password").fill(DEFAULT_PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    page.goto("/my-files")
    expect(page.locator("#uploader.uploader--ready")).to_be_attached()


@pytest.fixture
def uploader(page, make_user, categories):
    """The phone-sized page, logged in, on /my-files with the uploader running."""
    open_uploader(page, make_user)
    return page


def card(page, path: Path):
    """The list item of one file."""
    return page.locator("#upload-list > li").filter(has=page.locator(".upload-name", has_text=path.name))


def wait_until(page, condition, timeout_s: float = 15, message: str = "condition") -> None:
    """Let the page run (and route handlers fire) until `condition()` holds."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {message}"
        page.wait_for_timeout(50)


def record_uploads(page) -> list[tuple[str, str, str | None]]:
    """(method, path, Upload-Offset) of every request to the upload API, in order."""
    seen: list[tuple[str, str, str | None]] = []

    def on_request(request) -> None:
        path = re.sub(r"^https?://[^/]+", "", request.url)
        if path.startswith(UPLOADS):
            seen.append((request.method, path, request.headers.get("upload-offset")))

    page.on("request", on_request)
    return seen


def hold_later_chunks(page) -> SimpleNamespace:
    """Hold back every PATCH after the first (it never reaches the server) until released."""
    state = SimpleNamespace(held=[], released=False, first_confirmed=False)

    def handle(route) -> None:
        request = route.request
        if request.method == "PATCH" and request.headers.get("upload-offset") != "0" and not state.released:
            state.held.append(route)
            return
        route.continue_()

    page.route(f"**{UPLOADS}/*", handle)
    return state


def expect_ready_with_thumbnail(page, path: Path) -> None:
    item = card(page, path)
    expect(item).to_have_attribute("data-state", "ready", timeout=PROCESSING_TIMEOUT_MS)
    thumb = item.locator("img.upload-thumb")
    expect(thumb).to_be_visible()
    expect(thumb).to_have_attribute("alt", path.name)
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=thumb.element_handle())


def drop_files(page, paths_and_types: list[tuple[Path, str]]) -> None:
    """Drag files over the dropzone and drop them, as a desktop browser would."""
    files = [(p.name, mime, base64.b64encode(p.read_bytes()).decode()) for p, mime in paths_and_types]
    transfer = page.evaluate_handle(
        """files => {
            const transfer = new DataTransfer();
            for (const [name, type, data] of files) {
                const bytes = Uint8Array.from(atob(data), c => c.charCodeAt(0));
                transfer.items.add(new File([bytes], name, {type}));
            }
            return transfer;
        }""",
        files,
    )
    dropzone = page.locator("#dropzone")
    dropzone.dispatch_event("dragenter", {"dataTransfer": transfer})
    expect(dropzone).to_have_class(re.compile(r"\bis-dragover\b"))
    dropzone.dispatch_event("drop", {"dataTransfer": transfer})
    expect(dropzone).not_to_have_class(re.compile(r"\bis-dragover\b"))


# --- tests ------------------------------------------------------------------------------------


def test_photo_and_video_upload_side_by_side_and_show_thumbnails(app, uploader, check_a11y, media_files, categories):
    page = uploader
    page.select_option("#upload-category", str(categories.photo))
    page.set_input_files("#upload-files", media_files.photo)
    page.select_option("#upload-category", str(categories.video))
    expect(page.locator("#upload-files")).to_have_attribute("accept", re.compile("video/mp4"))
    drop_files(page, [(media_files.video, "video/mp4")])

    expect(page.locator("#upload-list > li")).to_have_count(2)
    photo, video = card(page, media_files.photo), card(page, media_files.video)
    expect(photo.locator("progress")).to_have_attribute(
        "aria-label", t(app, "Upload progress of %(name)s", name=media_files.photo.name)
    )
    expect_ready_with_thumbnail(page, media_files.photo)
    expect_ready_with_thumbnail(page, media_files.video)
    assert "/poster.jpg" in video.locator("img").get_attribute("src")
    assert "/w480.webp" in photo.locator("img").get_attribute("src")
    for item in (photo, video):
        expect(item.locator(".upload-state")).to_have_text(t(app, "Ready"))
        expect(item.get_by_role("button")).to_have_count(0)  # nothing left to pause or cancel
    expect(page.locator("#upload-announcer")).to_contain_text(f"{media_files.video.name}: {t(app, 'Ready')}")
    check_a11y("my files with two finished uploads")


def test_dropped_connection_is_retried_and_the_upload_completes(app, uploader, media_files):
    page = uploader
    seen = record_uploads(page)
    patches: list[str | None] = []

    def drop_first_patch(route) -> None:
        if route.request.method == "PATCH":
            patches.append(route.request.headers.get("upload-offset"))
            if len(patches) == 1:
                route.abort("connectionreset")
                return
        route.continue_()

    page.route(f"**{UPLOADS}/*", drop_first_patch)
    page.set_input_files("#upload-files", media_files.big)
    item = card(page, media_files.big)
    expect(item.locator(".upload-state")).to_have_text(t(app, "Connection lost, retrying in %(seconds)s s", seconds=1))
    expect(item).to_have_attribute("data-state", "ready", timeout=PROCESSING_TIMEOUT_MS)
    expect(item).to_have_attribute("data-retries", "1")

    size = media_files.big.stat().st_size
    assert patches == ["0", "0", str(CHUNK)], "the dropped chunk is sent again, then the rest"
    methods = [method for method, _path, _offset in seen]
    assert methods[:3] == ["POST", "PATCH", "HEAD"], "after the drop the page asks the server's offset first"
    assert methods.count("POST") == 1
    expect(item.locator("progress")).to_be_hidden()
    assert size > CHUNK


def test_pause_then_resume_finishes_the_upload(app, uploader, check_a11y, media_files):
    page = uploader
    seen = record_uploads(page)
    chunks = hold_later_chunks(page)
    page.set_input_files("#upload-files", media_files.big)
    item = card(page, media_files.big)
    wait_until(page, lambda: chunks.held, message="the second chunk to be on its way")

    item.get_by_role("button", name=t(app, "Pause")).click()
    expect(item).to_have_attribute("data-state", "paused")
    expect(item.locator(".upload-state")).to_have_text(t(app, "Paused"))
    expect(item.locator("progress")).to_have_js_property("value", CHUNK)  # what the server confirmed
    expect(item.locator(".upload-speed")).to_be_hidden()
    check_a11y("my files with a paused upload")

    chunks.released = True
    mark = len(seen)
    item.get_by_role("button", name=t(app, "Resume")).click()
    expect(item).to_have_attribute("data-state", "ready", timeout=PROCESSING_TIMEOUT_MS)
    resumed = [(method, offset) for method, _path, offset in seen[mark:]]
    assert resumed[:2] == [("HEAD", None), ("PATCH", str(CHUNK))], "ask the offset, then go on from there"
    assert "POST" not in [method for method, _offset in resumed]
    expect_ready_with_thumbnail(page, media_files.big)


def test_cancel_stops_the_upload_and_frees_it_on_the_server(app, uploader, media_files):
    page = uploader
    seen = record_uploads(page)
    chunks = hold_later_chunks(page)
    page.set_input_files("#upload-files", media_files.big)
    item = card(page, media_files.big)
    wait_until(page, lambda: chunks.held, message="the second chunk to be on its way")

    with page.expect_response(lambda r: r.request.method == "DELETE") as deleted:
        item.get_by_role("button", name=t(app, "Cancel")).click()
    assert deleted.value.status == 204
    expect(item).to_have_attribute("data-state", "cancelled")
    expect(item.locator(".upload-state")).to_have_text(t(app, "Cancelled"))
    expect(item.get_by_role("button")).to_have_count(0)
    expect(item).to_be_focused()  # the pressed button went away; the focus stays on its card
    assert [method for method, _path, _offset in seen] == ["POST", "PATCH", "PATCH", "DELETE"]
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('hna-upload:')).length") == 0
    with app.app_context():
        assert [u.state for u in db.session.scalars(select(Upload))] == [UploadState.ABORTED]


def test_same_file_chosen_after_a_reload_resumes_from_the_server_offset(app, uploader, check_a11y, media_files):
    page = uploader
    chunks = hold_later_chunks(page)
    page.set_input_files("#upload-files", media_files.big)
    item = card(page, media_files.big)
    wait_until(page, lambda: chunks.held, message="the first chunk to be confirmed")
    item.get_by_role("button", name=t(app, "Pause")).click()
    expect(item).to_have_attribute("data-state", "paused")
    remembered = "Object.keys(localStorage).filter(k => k.startsWith('hna-upload:')).length"
    assert page.evaluate(remembered) == 1

    page.unroute(f"**{UPLOADS}/*")
    page.reload()
    expect(page.locator("#uploader.uploader--ready")).to_be_attached()
    # The page remembers the unfinished upload and says how to go on with it.
    item = card(page, media_files.big)
    expect(page.locator("#upload-list > li")).to_have_count(1)
    expect(item).to_have_attribute("data-state", "unfinished")
    expect(item.locator(".upload-state")).to_have_text(t(app, "Not finished. Choose this file again to continue."))
    expect(item.locator("progress")).to_have_js_property("value", CHUNK)
    check_a11y("my files with an unfinished upload")

    seen = record_uploads(page)
    page.set_input_files("#upload-files", media_files.big)
    expect(item).to_have_attribute("data-state", "ready", timeout=PROCESSING_TIMEOUT_MS)
    expect(page.locator("#upload-list > li")).to_have_count(1)  # the same card carried on

    patches = [int(offset) for method, _path, offset in seen if method == "PATCH"]
    assert patches and patches[0] > 0, f"the upload started over: {seen}"
    assert patches == [CHUNK]
    assert "POST" not in [method for method, _path, _offset in seen], "no second upload was opened"
    assert page.evaluate(remembered) == 0, "a finished upload is forgotten"
    expect_ready_with_thumbnail(page, media_files.big)


def test_photo_below_the_minimum_size_is_refused_before_sending(app, uploader, media_files):
    page = uploader
    set_rules(app, "photo", min_long_edge_px=3000)
    page.reload()  # the page carries the category's rules
    expect(page.locator("#upload-category option:checked")).to_have_attribute("data-min-long-edge", "3000")
    seen = record_uploads(page)

    page.set_input_files("#upload-files", media_files.photo)
    item = card(page, media_files.photo)
    expect(item).to_have_attribute("data-state", "rejected")
    expect(item.locator(".upload-state")).to_have_text(t(app, "Refused"))
    expect(item.locator(".upload-message")).to_have_text(
        t(
            app,
            "The long edge of the photo is %(long_edge)s px; it must be at least %(min)s px.",
            long_edge=1200,
            min=3000,
        )
    )
    page.wait_for_timeout(300)
    assert seen == [], "nothing is sent for a file the page already knows is refused"


def test_file_refused_by_processing_shows_the_servers_reason(app, uploader, media_files):
    page = uploader
    page.set_input_files("#upload-files", media_files.damaged)
    item = card(page, media_files.damaged)
    expect(item).to_have_attribute("data-state", "rejected", timeout=PROCESSING_TIMEOUT_MS)
    listed = page.request.get("/api/v1/media").json()
    assert listed[0]["state"] == "rejected" and listed[0]["message"]
    expect(item.locator(".upload-message")).to_have_text(listed[0]["message"])
    expect(item.locator(".upload-state")).to_have_text(t(app, "Refused"))
    expect(item.locator("img")).to_have_count(0)


def test_pause_in_the_middle_of_a_chunk_then_resume_finishes(
    app, browser, live_server, make_user, categories, media_files
):
    # Its own tab: the 409s this bug causes would fail the `page` fixture's teardown instead of the test.
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="vi-VN", base_url=live_server.url)
    context.set_default_timeout(10_000)
    try:
        page = context.new_page()
        open_uploader(page, make_user)
        network = context.new_cdp_session(page)
        network.send("Network.enable")
        slow = {"offline": False, "latency": 0, "downloadThroughput": -1, "uploadThroughput": 2 * MB}
        network.send("Network.emulateNetworkConditions", slow)
        page.set_input_files("#upload-files", media_files.big)
        item = card(page, media_files.big)
        page.wait_for_function(
            "bar => bar.value > 2 * 1024 * 1024", arg=item.locator("progress").element_handle(), timeout=15_000
        )
        item.get_by_role("button", name=t(app, "Pause")).click()  # the server has part of the chunk
        network.send("Network.emulateNetworkConditions", slow | {"uploadThroughput": -1})
        item.get_by_role("button", name=t(app, "Resume")).click()
        expect(item).to_have_attribute("data-state", "ready", timeout=10_000)
    finally:
        context.close()


@pytest.mark.parametrize(
    ("sent_mib", "seconds", "next_mib"),
    [(8, 0.1, 48), (8, 60, 5), (8, 8, 15), (8, 0, 8)],
)
def test_chunk_size_adapts_to_the_connection(page, sent_mib, seconds, next_mib):
    """Fast lines get big chunks (less overhead), slow phones small ones (a drop loses little)."""
    page.goto("/privacy")
    size = page.evaluate(
        "([sent, seconds]) => import('/static/js/uploader/tus.js')"
        ".then((tus) => tus.nextChunkSize(sent * 1048576, seconds) / 1048576)",
        [sent_mib, seconds],
    )
    assert size == next_mib
