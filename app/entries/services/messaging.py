"""Messages from the organisers: one text to a filtered group of entrants, and reminders to jurors.

The organiser writes once; each recipient gets a greeting and signature in their own
language around that text. Every mass mailing is audited, and each message is queued
for delivery only after the transaction commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit.services import record_decision
from app.auth.models import User
from app.contest.models import Contest, StaffMembership, StaffRole
from app.core.errors import ValidationFailed
from app.core.mail import render_mail, send_mail_after_commit
from app.entries.models import Entry, EntryKind, EntryStatus
from app.extensions import db

SUBJECT_MAX = 200
BODY_MAX = 10_000
BULK_TEMPLATE = "bulk_message"
JUROR_TEMPLATE = "juror_reminder"


@dataclass(frozen=True)
class RecipientFilter:
    """Which entrants of a contest a message goes to; empty fields do not narrow it.

    Without a status, entrants with at least one entry that was not withdrawn.
    """

    category_id: int | None = None
    status: str = ""
    kind: str = ""

    @classmethod
    def from_values(cls, category_id, status: str, kind: str) -> RecipientFilter:
        """From form values; unknown statuses and kinds are ignored."""
        return cls(
            category_id=int(category_id) if category_id else None,
            status=status if status in EntryStatus._value2member_map_ else "",
            kind=kind if kind in EntryKind._value2member_map_ else "",
        )

    def as_dict(self) -> dict:
        """The filter as the audit record keeps it."""
        return {"category_id": self.category_id, "status": self.status or None, "kind": self.kind or None}


def bulk_recipients(contest: Contest, filters: RecipientFilter) -> list[User]:
    """The distinct entrants the filter selects, by name; accounts being deleted are left out."""
    entries = select(Entry.entrant_id).where(Entry.contest_id == contest.id)
    if filters.status:
        entries = entries.where(Entry.status == EntryStatus(filters.status))
    else:
        entries = entries.where(Entry.status != EntryStatus.WITHDRAWN)
    if filters.category_id:
        entries = entries.where(Entry.category_id == filters.category_id)
    if filters.kind:
        entries = entries.where(Entry.kind == EntryKind(filters.kind))
    return list(
        db.session.scalars(
            select(User)
            .where(User.id.in_(entries), User.deletion_requested_at.is_(None))
            .order_by(User.full_name, User.id)
        )
    )


def _clean_message(subject: str, body: str) -> tuple[str, str]:
    subject, body = " ".join((subject or "").split()), (body or "").strip()
    errors: dict[str, list] = {}
    if not subject:
        errors.setdefault("subject", []).append(_l("Write a subject."))
    elif len(subject) > SUBJECT_MAX:
        errors.setdefault("subject", []).append(
            _l("At most %(max)d characters (now %(count)d).", max=SUBJECT_MAX, count=len(subject))
        )
    if not body:
        errors.setdefault("body", []).append(_l("Write the message."))
    elif len(body) > BODY_MAX:
        errors.setdefault("body", []).append(
            _l("At most %(max)d characters (now %(count)d).", max=BODY_MAX, count=len(body))
        )
    if errors:
        raise ValidationFailed(errors)
    return subject, body


def preview_bulk_message(contest: Contest, filters: RecipientFilter, subject: str, body: str, reader: User):
    """The recipients and the message as `reader` (the organiser) would receive it, nothing sent."""
    subject, body = _clean_message(subject, body)
    recipients = bulk_recipients(contest, filters)
    sample = recipients[0] if recipients else reader
    rendered = render_mail(
        BULK_TEMPLATE, sample.email, reader.locale, user=sample, contest=contest, subject=subject, body=body
    )
    return recipients, rendered


def send_bulk_message(contest: Contest, actor: User, filters: RecipientFilter, subject: str, body: str) -> int:
    """Queue one message per recipient (after commit), audit the mailing; returns the count."""
    subject, body = _clean_message(subject, body)
    recipients = bulk_recipients(contest, filters)
    if not recipients:
        raise ValidationFailed({"category": [_l("Nobody matches these choices: no message was sent.")]})
    for user in recipients:
        send_mail_after_commit(
            BULK_TEMPLATE, user.email, user.locale, user=user, contest=contest, subject=subject, body=body
        )
    record_decision(
        actor,
        "message.bulk",
        "contest",
        contest.id,
        after={"filter": filters.as_dict(), "count": len(recipients), "subject": subject},
        contest_id=contest.id,
    )
    return len(recipients)


def contest_jurors(contest: Contest) -> list[User]:
    """The jury members of the contest, by name."""
    return list(
        db.session.scalars(
            select(User)
            .join(StaffMembership, StaffMembership.user_id == User.id)
            .where(StaffMembership.contest_id == contest.id, StaffMembership.role == StaffRole.JURY)
            .distinct()
            .order_by(User.full_name, User.id)
        )
    )


def send_juror_reminder(contest: Contest, actor: User) -> int:
    """Mail every juror of the contest a reminder (after commit), audited; returns the count."""
    jurors = contest_jurors(contest)
    if not jurors:
        raise ValidationFailed({"jurors": [_l("This contest has no jury members yet.")]})
    link = url_for("contest.landing", _external=True)
    for user in jurors:
        send_mail_after_commit(JUROR_TEMPLATE, user.email, user.locale, user=user, contest=contest, link=link)
    record_decision(
        actor, "message.juror_reminder", "contest", contest.id, after={"count": len(jurors)}, contest_id=contest.id
    )
    return len(jurors)
