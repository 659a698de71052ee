"""The moderation, dashboard and messages pages through HTTP: who may open them, what they show,
and that each POST calls its service, commits and redirects back."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.audit.models import AuditRecord
from app.entries.models import Entry, EntryKind, EntryStatus
from app.extensions import db
from app.media.models import Derivative, ProcessingState, StoredFile
from tests.admin_moderation.conftest import vi
from tests.conftest import csrf_from

GET_PAGES = ("/admin", "/admin/moderation", "/admin/entries/{code}", "/admin/messages")
POSTS = (
    "/admin/moderation/bulk",
    "/admin/entries/{code}/approve",
    "/admin/entries/{code}/reject",
    "/admin/entries/{code}/disqualify",
    "/admin/entries/{code}/reopen",
    "/admin/messages",
    "/admin/messages/juror-reminder",
)


@pytest.fixture
def entry(make_entry, entrant, photo) -> Entry:
    return make_entry(entrant, photo)


def status_of(entry: Entry) -> EntryStatus:
    db.session.expire_all()
    return db.session.get(Entry, entry.id).status


@pytest.mark.parametrize("path", GET_PAGES + POSTS)
def test_anonymous_visitors_are_sent_to_log_in(client, auth, entry, path):
    url = path.format(code=entry.code)
    if path in POSTS:
        response = client.post(url, data={"csrf_token": auth.csrf(), "action": "approve", "code": entry.code})
    else:
        response = client.get(url)
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]
    assert status_of(entry) == EntryStatus.RECEIVED


@pytest.mark.parametrize("who", ["entrant", "juror"])
@pytest.mark.parametrize("path", GET_PAGES + POSTS)
def test_entrants_and_jurors_are_refused(client, auth, entry, juror, who, path):
    auth.login("entrant@example.com" if who == "entrant" else juror.email)
    url = path.format(code=entry.code)
    if path in POSTS:
        data = {"csrf_token": auth.csrf("/"), "action": "approve", "code": entry.code, "subject": "x", "body": "y"}
        response = client.post(url, data=data)
    else:
        response = client.get(url)
    assert response.status_code == 403
    assert status_of(entry) == EntryStatus.RECEIVED
    assert db.session.scalar(select(AuditRecord)) is None


@pytest.fixture
def as_moderator(client, auth, moderator):
    auth.login(moderator.email)
    return client


@pytest.mark.parametrize("path", GET_PAGES)
def test_moderators_open_every_page(as_moderator, entry, path):
    response = as_moderator.get(path.format(code=entry.code))
    assert response.status_code == 200
    assert "<h1>" in response.get_data(as_text=True)


@pytest.mark.parametrize("suffix", ["", "/approve", "/reject", "/disqualify", "/reopen"])
def test_an_unknown_code_is_not_found(as_moderator, contest, suffix):
    if suffix:
        csrf = csrf_from(as_moderator.get("/admin/moderation").get_data(as_text=True))
        response = as_moderator.post(f"/admin/entries/HNA25-A-9999{suffix}", data={"csrf_token": csrf})
    else:
        response = as_moderator.get("/admin/entries/HNA25-A-9999")
    assert response.status_code == 404


def test_queue_lists_waiting_entries_oldest_first_with_filters(
    as_moderator, make_entry, entrant, photo, video, set_status
):
    first, second = make_entry(entrant, photo), make_entry(entrant, photo)
    clip = make_entry(entrant, video, EntryKind.VIDEO)
    decided = set_status(make_entry(entrant, photo), EntryStatus.REJECTED)
    first.authenticity_flags = [{"code": "no_capture_time", "position": 1}]
    db.session.commit()
    codes = [first.code, second.code, clip.code, decided.code]

    def listed(query: str = "") -> list[str]:
        html = as_moderator.get(f"/admin/moderation{query}").get_data(as_text=True)
        return sorted((c for c in codes if f'data-code="{c}"' in html), key=lambda c: html.index(f'data-code="{c}"'))

    assert listed() == [first.code, second.code, clip.code]
    assert listed("?kind=video") == [clip.code]
    assert listed(f"?category={photo.id}") == [first.code, second.code]
    assert listed("?flagged=1") == [first.code]
    assert listed("?status=rejected") == [decided.code]


def test_review_page_shows_files_flags_history_and_the_right_forms(as_moderator, entry, make_asset, moderator):
    entry.authenticity_flags = [{"code": "editing_software", "software": "Adobe Photoshop", "position": 1}]
    db.session.commit()
    html = as_moderator.get(f"/admin/entries/{entry.code}").get_data(as_text=True)
    assert entry.title_vi in html and entry.story in html
    assert "Canon EOS R6" in html  # the EXIF summary
    assert vi("Metadata names editing software: %(software)s", software="Adobe Photoshop") in html
    assert 'id="approve-button"' in html and 'id="reject-button"' in html
    assert 'id="disqualify-button"' not in html and 'id="reopen-button"' not in html
    assert 'value="not_in_area"' in html


def test_rejecting_through_the_page_stores_the_reason_and_shows_it(as_moderator, entry, outbox):
    page = as_moderator.get(f"/admin/entries/{entry.code}").get_data(as_text=True)
    response = as_moderator.post(
        f"/admin/entries/{entry.code}/reject",
        data={"csrf_token": csrf_from(page), "reason_code": "not_in_area", "note": "Chụp ở Huế."},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/entries/{entry.code}")
    assert status_of(entry) == EntryStatus.REJECTED
    html = as_moderator.get(f"/admin/entries/{entry.code}").get_data(as_text=True)
    assert vi("Entry %(code)s rejected.", code=entry.code) in html
    assert "Chụp ở Huế." in html and 'id="reopen-button"' in html
    assert "entry.reject" in html  # the history
    assert "Chụp ở Huế." in outbox()[-1]["body"]


def test_a_refused_decision_says_why_and_changes_nothing(as_moderator, entry):
    page = as_moderator.get(f"/admin/entries/{entry.code}").get_data(as_text=True)
    response = as_moderator.post(
        f"/admin/entries/{entry.code}/reject", data={"csrf_token": csrf_from(page), "reason_code": ""}
    )
    assert response.status_code == 302
    html = as_moderator.get(f"/admin/entries/{entry.code}").get_data(as_text=True)
    assert vi("Choose a reason from the list.") in html
    assert status_of(entry) == EntryStatus.RECEIVED


def test_bulk_approve_through_the_queue(as_moderator, make_entry, entrant, photo):
    entries = [make_entry(entrant, photo) for _ in range(2)]
    page = as_moderator.get("/admin/moderation").get_data(as_text=True)
    response = as_moderator.post(
        "/admin/moderation/bulk",
        data={
            "csrf_token": csrf_from(page),
            "action": "approve",
            "code": [e.code for e in entries],
            "kind": "single_photo",
        },
    )
    assert response.status_code == 302 and "kind=single_photo" in response.headers["Location"]
    assert [status_of(e) for e in entries] == [EntryStatus.ACCEPTED] * 2


def test_bulk_reject_refuses_all_when_one_cannot_be_rejected(as_moderator, make_entry, entrant, photo):
    good, pending = make_entry(entrant, photo), make_entry(entrant, photo)
    pending.files[0].asset.state = ProcessingState.PROCESSING
    pending.status = EntryStatus.SUBMITTED
    db.session.commit()
    page = as_moderator.get("/admin/moderation").get_data(as_text=True)
    as_moderator.post(
        "/admin/moderation/bulk",
        data={
            "csrf_token": csrf_from(page),
            "action": "reject",
            "reason_code": "other",
            "code": [good.code, pending.code],
        },
    )
    assert status_of(good) == EntryStatus.RECEIVED
    assert status_of(pending) == EntryStatus.SUBMITTED
    assert db.session.scalar(select(AuditRecord)) is None


def test_bulk_reject_needs_a_reason_then_rejects_every_ticked_entry(as_moderator, make_entry, entrant, photo, outbox):
    entries = [make_entry(entrant, photo) for _ in range(2)]
    page = as_moderator.get("/admin/moderation").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "action": "reject", "code": [e.code for e in entries], "note": "Mờ."}
    as_moderator.post("/admin/moderation/bulk", data=data | {"reason_code": ""})
    assert [status_of(e) for e in entries] == [EntryStatus.RECEIVED] * 2
    sent = len(outbox())
    as_moderator.post("/admin/moderation/bulk", data=data | {"reason_code": "technical_quality"})
    assert [status_of(e) for e in entries] == [EntryStatus.REJECTED] * 2
    assert len(outbox()) == sent + 2 and all("Mờ." in m["body"] for m in outbox()[sent:])


def test_disqualify_then_reopen_through_the_page(as_moderator, entry):
    def post(decision: str, **data):
        page = as_moderator.get(f"/admin/entries/{entry.code}").get_data(as_text=True)
        return as_moderator.post(f"/admin/entries/{entry.code}/{decision}", data={"csrf_token": csrf_from(page)} | data)

    post("approve")
    assert status_of(entry) == EntryStatus.ACCEPTED
    post("disqualify", reason_code="manipulated", note="Ghép trời.")
    assert status_of(entry) == EntryStatus.DISQUALIFIED
    post("reopen", note="Xem lại.")
    assert status_of(entry) == EntryStatus.RECEIVED
    actions = db.session.scalars(select(AuditRecord.action).order_by(AuditRecord.id)).all()
    assert actions == ["entry.approve", "entry.disqualify", "entry.reopen"]


def test_review_page_plays_the_web_video_with_its_poster(as_moderator, make_entry, entrant, video):
    clip = make_entry(entrant, video, EntryKind.VIDEO)
    asset = clip.files[0].asset
    for name, (width, height) in {"720p.mp4": (1280, 720), "poster.jpg": (1280, 720)}.items():
        stored = StoredFile(backend="local", key=f"derivatives/{asset.id}/{name}", size=10, content_type="video/mp4")
        asset.derivatives.append(Derivative(name=name, file=stored, width=width, height=height))
    db.session.commit()
    html = as_moderator.get(f"/admin/entries/{clip.code}").get_data(as_text=True)
    assert re.search(rf'<video controls [^>]*poster="/media/{asset.id}/poster.jpg"', html)
    assert f'<source src="/media/{asset.id}/720p.mp4" type="video/mp4">' in html
