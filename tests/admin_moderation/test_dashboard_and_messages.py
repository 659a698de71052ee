"""The dashboard's figures on a known set of entries, its query count, and messages to entrants and jurors."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.audit.models import AuditRecord
from app.contest.models import StaffRole
from app.entries import services
from app.entries.models import EntryKind, EntryStatus
from app.entries.services.statistics import dashboard_figures
from app.extensions import db
from app.media.models import MediaKind, ProcessingState
from tests.admin_moderation.conftest import vi
from tests.conftest import csrf_from
from tests.entries.conftest import MB


@pytest.fixture
def as_moderator(client, auth, moderator):
    auth.login(moderator.email)
    return client


@pytest.fixture
def known_entries(make_entry, make_asset, make_entrant, entrant, photo, video, set_status):
    """Three single photos (received, accepted, rejected), a series (received) and a video (under review)."""
    other = make_entrant(email="other@example.com", locale="en")
    singles = [make_entry(entrant, photo), make_entry(entrant, photo), make_entry(other, photo)]
    set_status(singles[1], EntryStatus.ACCEPTED)
    set_status(singles[2], EntryStatus.REJECTED)
    series = make_entry(entrant, photo, EntryKind.PHOTO_SERIES, make_asset(entrant), make_asset(entrant))
    clip = make_entry(other, video, EntryKind.VIDEO)
    set_status(clip, EntryStatus.UNDER_REVIEW)
    make_asset(entrant, state=ProcessingState.FAILED)  # an upload whose processing failed
    make_asset(entrant, state=ProcessingState.PENDING, size=2 * MB)
    return {"singles": singles, "series": series, "video": clip, "other": other}


def cell(html: str, status: str, column: str) -> str:
    row = re.search(rf'<tr data-status="{status}">(.*?)</tr>', html, re.S).group(1)
    return re.search(rf'<td data-column="{column}">(\d+)</td>', row).group(1)


def test_dashboard_table_shows_entries_by_category_kind_and_status(as_moderator, known_entries):
    html = as_moderator.get("/admin").get_data(as_text=True)
    assert cell(html, "received", "photo-single_photo") == "1"
    assert cell(html, "accepted", "photo-single_photo") == "1"
    assert cell(html, "rejected", "photo-single_photo") == "1"
    assert cell(html, "received", "photo-photo_series") == "1"
    assert cell(html, "under_review", "video-video") == "1"
    assert cell(html, "received", "video-video") == "0"
    assert cell(html, "received", "total") == "2"
    assert cell(html, "all", "total") == "5"
    assert vi("Entries waiting for a decision: %(count)d", count=3) in html
    assert vi("Files whose processing failed: %(count)d", count=1) in html
    assert html.count('class="chart-bar"') >= 1 and "<svg" in html and "style=" not in html


def test_dashboard_figures_on_the_known_entries(known_entries, contest):
    figures = dashboard_figures(contest)
    assert figures.total_entries == 5 and figures.waiting == 3
    assert figures.asset_states == {"ready": 6, "failed": 1, "pending": 1}
    assert figures.oldest_pending_at is not None
    # 6 ready originals of 4 MB each, the pending one of 2 MB; the failed one has no bytes left.
    assert figures.storage_bytes == 6 * 4 * MB + 2 * MB
    assert sum(d.count for d in figures.entries_per_day) == 5
    assert sum(d.count for d in figures.registrations_per_day) == 2  # the entrant and the other one
    assert len(figures.registrations_per_day) == 30
    assert figures.problem_entries == 0


def test_dashboard_counts_entries_with_a_file_to_replace(known_entries, contest):
    known_entries["series"].files[1].problem_code = "duplicate_file"
    db.session.commit()
    assert dashboard_figures(contest).problem_entries == 1


def test_dashboard_query_count_does_not_grow_with_entries(as_moderator, make_entry, entrant, photo, count_queries):
    make_entry(entrant, photo)
    as_moderator.get("/admin")
    db.session.expire_all()  # as a fresh request finds it
    with count_queries() as few:
        assert as_moderator.get("/admin").status_code == 200
    for _ in range(6):
        make_entry(entrant, photo)
    db.session.expire_all()
    with count_queries() as many:
        assert as_moderator.get("/admin").status_code == 200
    assert many.count == few.count
    assert few.count <= 15


def test_queue_query_count_does_not_grow_with_entries(as_moderator, make_entry, entrant, photo, count_queries):
    make_entry(entrant, photo)
    as_moderator.get("/admin/moderation")
    db.session.expire_all()  # as a fresh request finds it
    with count_queries() as few:
        as_moderator.get("/admin/moderation")
    for _ in range(6):
        make_entry(entrant, photo)
    db.session.expire_all()
    with count_queries() as many:
        html = as_moderator.get("/admin/moderation").get_data(as_text=True)
    assert html.count("data-code=") == 7
    assert many.count == few.count


# ---------------------------------------------------------------------------- messages


def test_bulk_recipients_are_distinct_entrants_matching_the_filter(known_entries, contest, entrant, photo):
    other = known_entries["other"]
    everyone = services.bulk_recipients(contest, services.RecipientFilter())
    assert {u.id for u in everyone} == {entrant.id, other.id}
    assert len(everyone) == 2  # one message per person, however many entries
    rejected = services.bulk_recipients(contest, services.RecipientFilter(status="rejected"))
    assert [u.id for u in rejected] == [other.id]
    videos = services.bulk_recipients(contest, services.RecipientFilter(kind="video"))
    assert [u.id for u in videos] == [other.id]
    series = services.bulk_recipients(contest, services.RecipientFilter(kind="photo_series", category_id=photo.id))
    assert [u.id for u in series] == [entrant.id]


def test_preview_shows_the_count_and_message_and_sends_nothing(as_moderator, known_entries, outbox):
    sent = len(outbox())
    page = as_moderator.get("/admin/messages").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "status": "received", "subject": "Lịch triển lãm", "body": "Xin mời."}
    response = as_moderator.post("/admin/messages", data=data | {"action": "preview"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert vi("Recipients: %(count)d", count=1) in html
    assert "Lịch triển lãm" in html and "Xin mời." in html and 'id="send-button"' in html
    assert len(outbox()) == sent
    assert db.session.scalar(select(AuditRecord)) is None


def test_sending_mails_each_recipient_in_their_language_and_is_audited(as_moderator, known_entries, outbox, contest):
    sent = len(outbox())
    page = as_moderator.get("/admin/messages").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "kind": "video", "subject": "Video festival", "body": "See you there."}
    response = as_moderator.post("/admin/messages", data=data | {"action": "send"})
    assert response.status_code == 302
    (mail,) = outbox()[sent:]
    assert mail["to"] == "other@example.com"
    assert mail["subject"] == "Video festival"
    assert "See you there." in mail["body"] and "Hello " in mail["body"]  # greeted in English, their language
    (record,) = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "message.bulk"))
    assert record.after["count"] == 1
    assert record.after["filter"] == {"category_id": None, "status": None, "kind": "video"}
    assert record.contest_id == contest.id


def test_sending_needs_a_subject_and_a_body(as_moderator, known_entries, outbox):
    sent = len(outbox())
    page = as_moderator.get("/admin/messages").get_data(as_text=True)
    response = as_moderator.post(
        "/admin/messages", data={"csrf_token": csrf_from(page), "subject": " ", "body": "", "action": "send"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert vi("Write a subject.") in html and vi("Write the message.") in html
    assert len(outbox()) == sent


def test_juror_reminder_mails_every_jury_member_and_is_audited(as_moderator, contest, make_entrant, make_staff, outbox):
    jurors = [make_entrant(email=f"judge{n}@example.com") for n in range(2)]
    for juror in jurors:
        make_staff(contest, juror, StaffRole.JURY)
    make_staff(contest, make_entrant(email="secretary@example.com"), StaffRole.SECRETARIAT)
    page = as_moderator.get("/admin/messages").get_data(as_text=True)
    response = as_moderator.post("/admin/messages/juror-reminder", data={"csrf_token": csrf_from(page)})
    assert response.status_code == 302
    assert sorted(m["to"] for m in outbox()) == ["judge0@example.com", "judge1@example.com"]
    (record,) = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "message.juror_reminder"))
    assert record.after == {"count": 2}


def test_a_failed_media_asset_kind_is_counted_as_failed(known_entries, contest, make_asset, entrant):
    make_asset(entrant, MediaKind.VIDEO, ProcessingState.FAILED)
    assert dashboard_figures(contest).failed_assets == 2
