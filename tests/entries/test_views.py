"""The entry pages and API through HTTP: who may see and change what, and what a page refuses.

Nobody reaches another entrant's entry, by code or asset id; after the deadline everything
is read-only, even to a form replayed from before it; entrants never see authenticity flags.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from app.core.timeutil import utcnow
from app.entries.models import Entry, EntryKind, EntryStatus
from app.extensions import db
from app.media.models import MediaAsset
from tests.conftest import csrf_from

PAGES = ("/enter", "/enter/photo/photo", "/my-entries")


def entry_count() -> int:
    return db.session.scalar(select(func.count(Entry.id)))


def form_data(csrf: str, *asset_ids: str, **overrides) -> dict:
    """A complete, valid entry form for the given uploaded files."""
    data = {
        "csrf_token": csrf,
        "title_vi": "Chiều trên biển Cửa Lò",
        "title_en": "Evening at Cua Lo beach",
        "story": "",
        "place": "Cửa Lò",
        "place_unit": "cua-lo",
        "made_on": "2025-04-30",
        "credit_name": "Trần Thị Bình",
        "declared_own_work": "y",
        "declared_made_in_area": "y",
        "declared_consent": "y",
        "declared_licence": "y",
        "file": list(asset_ids),
    }
    data.update(overrides)
    return data


def vi(message: str, **values) -> str:
    """The Vietnamese text of a message, as the pages (Vietnamese by default) show it."""
    with force_locale("vi"):
        return gettext(message, **values)


@pytest.fixture
def logged_in(client, auth, entrant):
    """The test client logged in as `entrant`."""
    auth.login(entrant.email)
    return client


@pytest.fixture
def others_entry(make_entrant, make_entry, photo) -> Entry:
    """An entry belonging to someone else."""
    other = make_entrant(email="someone.else@example.com")
    return make_entry(other, photo)


@pytest.mark.parametrize("path", [*PAGES, "/my-entries/HNA25-A-0001", "/my-entries/HNA25-A-0001/edit"])
def test_entry_pages_need_a_login(client, contest, path):
    response = client.get(path)
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_entering_through_the_page_creates_the_entry_and_mails_its_code(logged_in, photo, entrant, make_asset, outbox):
    asset = make_asset(entrant)
    csrf = csrf_from(logged_in.get("/enter/photo/photo").get_data(as_text=True))
    response = logged_in.post("/enter/photo/photo", data=form_data(csrf, asset.id))
    assert response.status_code == 302
    entry = db.session.scalar(select(Entry))
    assert response.headers["Location"].endswith(f"/my-entries/{entry.code}")
    assert entry.code == "HNA25-A-0001"
    assert entry.status == EntryStatus.RECEIVED
    assert entry.place_unit == "cua-lo"
    mails = outbox()
    assert [m["to"] for m in mails] == [entrant.email]
    assert entry.code in mails[0]["subject"] and entry.code in mails[0]["body"]


@pytest.mark.parametrize(
    ("method", "suffix"),
    [("get", ""), ("get", "/edit"), ("post", "/edit"), ("post", "/withdraw")],
)
def test_another_entrants_entry_is_not_found(logged_in, others_entry, method, suffix):
    code = others_entry.code
    csrf = csrf_from(logged_in.get("/enter/photo/photo").get_data(as_text=True))
    data = form_data(csrf, others_entry.files[0].asset_id, title_vi="Hijacked") if method == "post" else None
    response = getattr(logged_in, method)(f"/my-entries/{code}{suffix}", data=data)
    assert response.status_code == 404
    db.session.expire_all()
    entry = db.session.get(Entry, others_entry.id)
    assert entry.title_vi != "Hijacked"
    assert entry.status == EntryStatus.RECEIVED


def test_another_entrants_entry_is_not_in_the_api(logged_in, others_entry):
    assert logged_in.get(f"/api/v1/entries/{others_entry.code}").status_code == 404
    assert logged_in.get("/api/v1/entries").get_json() == []


def test_another_entrants_file_cannot_be_entered_by_guessing_its_id(logged_in, photo, make_entrant, make_asset):
    stranger = make_entrant(email="stranger@example.com")
    their_file = make_asset(stranger)
    csrf = csrf_from(logged_in.get("/enter/photo/photo").get_data(as_text=True))
    response = logged_in.post("/enter/photo/photo", data=form_data(csrf, their_file.id))
    assert response.status_code == 422
    assert vi("One of the chosen files does not exist or is not yours.") in response.get_data(as_text=True)
    assert entry_count() == 0
    db.session.expire_all()
    assert db.session.get(MediaAsset, their_file.id).claimed_at is None


def test_another_entrants_uploads_are_not_offered_on_the_form(logged_in, photo, make_entrant, make_asset, entrant):
    stranger = make_entrant(email="stranger@example.com")
    theirs, mine = make_asset(stranger), make_asset(entrant)
    html = logged_in.get("/enter/photo/photo").get_data(as_text=True)
    assert mine.id in html
    assert theirs.id not in html


def test_another_entrants_entry_files_cannot_be_seen(logged_in, others_entry):
    asset_id = others_entry.files[0].asset_id
    assert logged_in.get(f"/media/{asset_id}/w480.webp").status_code == 404


def test_entrants_never_see_authenticity_flags(logged_in, photo, entrant, make_asset, make_entry):
    edited = make_asset(entrant, exif={"software": "Adobe Photoshop 25.0"})
    entry = make_entry(entrant, photo, EntryKind.SINGLE_PHOTO, edited)
    assert entry.authenticity_flags, "the fixture should have raised flags"
    page = logged_in.get(f"/my-entries/{entry.code}").get_data(as_text=True)
    listing = logged_in.get("/my-entries").get_data(as_text=True)
    api = logged_in.get(f"/api/v1/entries/{entry.code}").get_data(as_text=True)
    for text in (page, listing, api):
        assert "Photoshop" not in text
        assert "authenticity" not in text
        assert "capture" not in text.lower()


def test_edit_changes_the_title(logged_in, photo, entrant, make_entry):
    entry = make_entry(entrant, photo)
    csrf = csrf_from(logged_in.get(f"/my-entries/{entry.code}/edit").get_data(as_text=True))
    data = form_data(csrf, entry.files[0].asset_id, title_vi="Tên mới")
    response = logged_in.post(f"/my-entries/{entry.code}/edit", data=data)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).title_vi == "Tên mới"


def test_withdraw_needs_the_csrf_token(logged_in, photo, entrant, make_entry):
    entry = make_entry(entrant, photo)
    response = logged_in.post(f"/my-entries/{entry.code}/withdraw", data={})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).status == EntryStatus.RECEIVED


def test_withdraw_before_the_deadline(logged_in, photo, entrant, make_entry):
    entry = make_entry(entrant, photo)
    csrf = csrf_from(logged_in.get(f"/my-entries/{entry.code}").get_data(as_text=True))
    response = logged_in.post(f"/my-entries/{entry.code}/withdraw", data={"csrf_token": csrf})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Entry, entry.id).status == EntryStatus.WITHDRAWN


def close_submissions(contest) -> None:
    contest.submissions_open_at = utcnow() - timedelta(days=20)
    contest.submissions_close_at = utcnow() - timedelta(seconds=1)
    db.session.commit()


def test_a_form_replayed_after_the_deadline_is_refused(logged_in, contest, photo, entrant, make_asset):
    asset = make_asset(entrant)
    csrf = csrf_from(logged_in.get("/enter/photo/photo").get_data(as_text=True))
    close_submissions(contest)
    response = logged_in.post("/enter/photo/photo", data=form_data(csrf, asset.id))
    assert response.status_code == 403
    closed = vi("Submissions for this contest have closed. Entries can no longer be added or changed.")
    assert closed in response.get_data(as_text=True)
    assert entry_count() == 0
    db.session.expire_all()
    assert db.session.get(MediaAsset, asset.id).claimed_at is None


def test_after_the_deadline_entries_are_read_only(logged_in, contest, photo, entrant, make_entry):
    entry = make_entry(entrant, photo)
    csrf = csrf_from(logged_in.get(f"/my-entries/{entry.code}/edit").get_data(as_text=True))
    close_submissions(contest)
    page = logged_in.get(f"/my-entries/{entry.code}")
    assert page.status_code == 200
    assert f"/my-entries/{entry.code}/edit" not in page.get_data(as_text=True)
    assert logged_in.get(f"/my-entries/{entry.code}/edit").status_code == 403
    edit = logged_in.post(
        f"/my-entries/{entry.code}/edit", data=form_data(csrf, entry.files[0].asset_id, title_vi="Muộn")
    )
    withdraw = logged_in.post(f"/my-entries/{entry.code}/withdraw", data={"csrf_token": csrf})
    assert (edit.status_code, withdraw.status_code) == (403, 403)
    db.session.expire_all()
    stored = db.session.get(Entry, entry.id)
    assert (stored.title_vi, stored.status) == (entry.title_vi, EntryStatus.RECEIVED)


def test_bad_input_is_explained_on_the_form(logged_in, photo, entrant, make_asset):
    asset = make_asset(entrant)
    csrf = csrf_from(logged_in.get("/enter/photo/photo").get_data(as_text=True))
    data = form_data(csrf, asset.id, title_vi="x" * 151)
    for name in ("declared_own_work", "declared_made_in_area", "declared_consent", "declared_licence"):
        data.pop(name)
    response = logged_in.post("/enter/photo/photo", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert vi("At most %(max)d characters (now %(count)d).", max=150, count=151) in html
    assert html.count(vi("You must confirm this to enter.")) == 4
    assert entry_count() == 0


def test_the_form_is_in_vietnamese_by_default(logged_in, photo, entrant, make_asset):
    """Error messages come translated; the English text is not shown to a Vietnamese reader."""
    asset = make_asset(entrant)
    logged_in.post(
        "/language", data={"locale": "vi", "csrf_token": csrf_from(logged_in.get("/").get_data(as_text=True))}
    )
    csrf = csrf_from(logged_in.get("/enter/photo/photo").get_data(as_text=True))
    html = logged_in.post("/enter/photo/photo", data=form_data(csrf, asset.id, title_vi="")).get_data(as_text=True)
    assert "Give the work a title in Vietnamese." not in html
    assert vi("Give the work a title in Vietnamese.") in html


def test_video_kind_in_the_photo_category_is_not_found(logged_in, photo):
    assert logged_in.get("/enter/photo/video").status_code == 404
    assert logged_in.get("/enter/nope/photo").status_code == 404


def test_my_entries_lists_only_my_entries(logged_in, photo, entrant, make_entry, others_entry):
    mine = make_entry(entrant, photo)
    html = logged_in.get("/my-entries").get_data(as_text=True)
    assert mine.code in html
    assert others_entry.code not in html
    api = logged_in.get("/api/v1/entries").get_json()
    assert [e["code"] for e in api] == [mine.code]
    assert api[0]["status"] == "received"
    assert [s["key"] for s in api[0]["steps"]][:3] == ["uploaded", "processing", "received"]


@pytest.mark.parametrize("path", ["/my-entries", "/api/v1/entries"])
def test_my_entries_query_count_does_not_grow_with_entries(logged_in, photo, entrant, make_entry, count_queries, path):
    make_entry(entrant, photo)
    logged_in.get(path)
    with count_queries() as one:
        assert logged_in.get(path).status_code == 200
    for _ in range(5):
        make_entry(entrant, photo)
    logged_in.get(path)  # the commits above expired the logged-in user: reload it outside the count
    with count_queries() as six:
        assert logged_in.get(path).status_code == 200
    assert six.count == one.count
