"""Moderation decisions: which transitions are allowed, the audit record, the mail to the entrant
in the entrant's language, all-or-nothing bulk decisions, and mail that waits for the commit."""

from __future__ import annotations

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from app.audit.models import AuditRecord
from app.entries import services
from app.entries.labels import REASON_TEMPLATES
from app.entries.models import EntryStatus
from app.entries.services import DecisionNotAllowed, FilesNotReady, NothingChosen, UnknownReason
from app.extensions import db
from app.media.models import ProcessingState


def records(action: str | None = None) -> list[AuditRecord]:
    query = select(AuditRecord).order_by(AuditRecord.id)
    if action:
        query = query.where(AuditRecord.action == action)
    return list(db.session.scalars(query))


def template_text(code: str, locale: str) -> str:
    with force_locale(locale):
        return str(REASON_TEMPLATES[code])


@pytest.fixture
def received(make_entry, entrant, photo):
    entry = make_entry(entrant, photo)
    assert entry.status == EntryStatus.RECEIVED
    return entry


class NewMails:
    """The mails sent since the last mark (so entry confirmations are left out)."""

    def __init__(self, outbox):
        self.outbox = outbox
        self.start = len(outbox())

    def mark(self) -> None:
        self.start = len(self.outbox())

    def __call__(self) -> list[dict]:
        return self.outbox()[self.start :]


@pytest.fixture
def mails_after_submission(outbox):
    """The mails sent after the fixture's entries were submitted; call .mark() after making more."""
    return NewMails(outbox)


def test_approve_entry_accepts_audits_and_mails_the_entrant(received, moderator, mails_after_submission):
    services.approve_entry(received, moderator)
    db.session.commit()
    assert received.status == EntryStatus.ACCEPTED
    assert received.decided_at is not None
    (record,) = records("entry.approve")
    assert (record.subject_type, record.subject_id, record.contest_id) == ("entry", received.code, received.contest_id)
    assert record.before == {"status": "received"} and record.after == {"status": "accepted"}
    assert record.actor_id == moderator.id
    (mail,) = mails_after_submission()
    assert mail["to"] == received.entrant.email
    with force_locale("vi"):
        assert mail["subject"] == gettext("Entry %(code)s accepted", code=received.code)


def test_approve_from_under_review_is_allowed(received, moderator, set_status):
    set_status(received, EntryStatus.UNDER_REVIEW)
    services.approve_entry(received, moderator)
    assert received.status == EntryStatus.ACCEPTED


@pytest.mark.parametrize("status", [EntryStatus.SUBMITTED, EntryStatus.WITHDRAWN, EntryStatus.ACCEPTED])
def test_approve_is_refused_outside_the_waiting_statuses(received, moderator, set_status, status, outbox):
    set_status(received, status)
    sent = len(outbox())
    with pytest.raises(DecisionNotAllowed) as caught:
        services.approve_entry(received, moderator)
    assert caught.value.status_code == 409
    assert received.code in str(caught.value.message)
    db.session.rollback()
    assert records() == []
    assert len(outbox()) == sent


@pytest.mark.parametrize("status", [EntryStatus.SUBMITTED, EntryStatus.WITHDRAWN, EntryStatus.REJECTED])
def test_reject_is_refused_outside_the_waiting_statuses(received, moderator, set_status, status):
    set_status(received, status)
    with pytest.raises(DecisionNotAllowed):
        services.reject_entry(received, moderator, "not_in_area", "")


def test_approve_is_refused_when_a_file_is_not_sound(received, moderator, set_status):
    set_status(received, EntryStatus.UNDER_REVIEW)
    received.files[0].asset.state = ProcessingState.FAILED
    db.session.commit()
    with pytest.raises(FilesNotReady):
        services.approve_entry(received, moderator)


def test_reject_stores_the_reason_in_the_entrants_language_with_the_note(
    make_entrant, make_entry, photo, moderator, mails_after_submission
):
    english = make_entrant(email="alice@example.org", full_name="Alice Walker", locale="en")
    entry = make_entry(english, photo)
    mails_after_submission.mark()
    services.reject_entry(entry, moderator, "not_in_area", "  Taken in Huế, by the caption.  ")
    db.session.commit()
    assert entry.status == EntryStatus.REJECTED and entry.decided_at is not None
    expected = template_text("not_in_area", "en") + "\nTaken in Huế, by the caption."
    assert entry.decision_reason == expected
    (record,) = records("entry.reject")
    assert record.after == {"status": "rejected", "reason_code": "not_in_area"}
    assert record.reason == "Taken in Huế, by the caption."
    (mail,) = mails_after_submission()
    assert mail["to"] == "alice@example.org"
    assert mail["subject"] == f"Entry {entry.code} not accepted"  # English, the entrant's language
    assert expected in mail["body"]


def test_reject_in_vietnamese_for_a_vietnamese_entrant(received, moderator, mails_after_submission):
    services.reject_entry(received, moderator, "technical_quality")
    db.session.commit()
    assert received.decision_reason == template_text("technical_quality", "vi")
    (mail,) = mails_after_submission()
    assert template_text("technical_quality", "vi") in mail["body"]


def test_reject_refuses_an_unknown_reason(received, moderator):
    with pytest.raises(UnknownReason) as caught:
        services.reject_entry(received, moderator, "because", "")
    assert caught.value.field == "reason_code"
    assert received.status == EntryStatus.RECEIVED


def test_disqualify_only_an_accepted_entry(received, moderator, mails_after_submission):
    with pytest.raises(DecisionNotAllowed):
        services.disqualify_entry(received, moderator, "manipulated", "")
    services.approve_entry(received, moderator)
    services.disqualify_entry(received, moderator, "manipulated", "Sky replaced.")
    db.session.commit()
    assert received.status == EntryStatus.DISQUALIFIED
    assert received.decision_reason.endswith("Sky replaced.")
    assert [r.action for r in records()] == ["entry.approve", "entry.disqualify"]
    assert records("entry.disqualify")[0].before == {"status": "accepted"}
    assert len(mails_after_submission()) == 2


def test_reopen_puts_a_rejected_entry_back_in_the_queue(received, moderator, mails_after_submission):
    with pytest.raises(DecisionNotAllowed):
        services.reopen_entry(received, moderator, "")
    services.reject_entry(received, moderator, "duplicate", "")
    services.reopen_entry(received, moderator, "Not a duplicate after all.")
    db.session.commit()
    assert received.status == EntryStatus.RECEIVED
    assert received.decision_reason is None and received.decided_at is None
    (record,) = records("entry.reopen")
    assert record.before == {"status": "rejected"} and record.after == {"status": "received"}
    assert record.reason == "Not a duplicate after all."
    assert len(mails_after_submission()) == 2


def test_bulk_approve_decides_every_entry_each_audited(make_entry, entrant, photo, moderator):
    entries = [make_entry(entrant, photo) for _ in range(3)]
    services.bulk_approve(entries, moderator)
    db.session.commit()
    assert {e.status for e in entries} == {EntryStatus.ACCEPTED}
    assert sorted(r.subject_id for r in records("entry.approve")) == sorted(e.code for e in entries)


def test_bulk_reject_is_all_or_nothing(make_entry, entrant, photo, moderator, set_status, mails_after_submission):
    good, bad = make_entry(entrant, photo), make_entry(entrant, photo)
    set_status(bad, EntryStatus.WITHDRAWN)
    mails_after_submission.mark()
    with pytest.raises(DecisionNotAllowed) as caught:
        services.bulk_reject([good, bad], moderator, "other", "")
    assert bad.code in str(caught.value.message)
    db.session.rollback()
    assert db.session.get(type(good), good.id).status == EntryStatus.RECEIVED
    assert records() == []
    assert mails_after_submission() == []


def test_bulk_needs_at_least_one_entry(moderator, contest):
    with pytest.raises(NothingChosen):
        services.bulk_approve([], moderator)


def test_a_rolled_back_decision_sends_nothing(received, moderator, mails_after_submission):
    services.reject_entry(received, moderator, "other", "")
    db.session.rollback()
    assert mails_after_submission() == []
    assert db.session.scalar(select(func.count(AuditRecord.id))) == 0


def test_decision_mail_is_enqueued_as_a_job_only_after_commit(received, moderator, app, monkeypatch):
    submitted = []
    monkeypatch.setattr(app.extensions["jobs"], "submit", lambda spec, args, delay_s=0: submitted.append((spec, args)))
    services.approve_entry(received, moderator)
    db.session.flush()
    assert submitted == []  # nothing before the commit
    db.session.commit()
    ((spec, args),) = submitted
    assert spec.name == "mail.deliver" and spec.queue == "default"
    to, subject, body = args
    assert to == received.entrant.email and received.code in subject and received.title_vi in body
    assert all(isinstance(a, str) for a in args)  # plain strings: Celery carries them as JSON
