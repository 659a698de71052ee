"""Organisers' decisions on entries: accept, reject, disqualify later, reopen; and the queue.

Only a complete entry (every file processed and sound) waiting for a decision can be
accepted or rejected; an accepted entry can still be disqualified, and a refused one
reopened. Each decision is audited in the same transaction and mailed to the entrant, in
the entrant's language, once the transaction commits. The functions flush, never commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from flask import url_for
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.audit.models import AuditRecord
from app.audit.services import record_decision
from app.auth.models import User
from app.contest.models import Contest
from app.core.errors import DomainError
from app.core.mail import send_mail_after_commit
from app.core.timeutil import utcnow
from app.entries.labels import REASON_TEMPLATES, STATUS_LABELS
from app.entries.models import Entry, EntryKind, EntryStatus
from app.entries.services.errors import EntryNotFound
from app.entries.services.processing import file_is_sound, refresh_entry
from app.extensions import db

# Entries waiting for a decision; only these can be accepted or rejected.
DECIDABLE_STATUSES = (EntryStatus.RECEIVED, EntryStatus.UNDER_REVIEW)
REFUSED_STATUSES = (EntryStatus.REJECTED, EntryStatus.DISQUALIFIED)
NOTE_MAX = 1000
QUEUE_PAGE_SIZE = 50

# Why a decision is refused, per decision (placeholders: the entry's code and its status label).
_REFUSALS = {
    "approve": lambda **kw: _l("Entry %(code)s cannot be accepted: its status is “%(status)s”.", **kw),
    "reject": lambda **kw: _l("Entry %(code)s cannot be rejected: its status is “%(status)s”.", **kw),
    "disqualify": lambda **kw: _l("Only an accepted entry can be disqualified; %(code)s is “%(status)s”.", **kw),
    "reopen": lambda **kw: _l("Only a rejected or disqualified entry can be reopened; %(code)s is “%(status)s”.", **kw),
}


class DecisionNotAllowed(DomainError):
    """The entry's status does not allow this decision."""

    status_code = 409
    code = "decision_not_allowed"

    def __init__(self, entry: Entry, action: str) -> None:
        super().__init__(_REFUSALS[action](code=entry.code, status=STATUS_LABELS[entry.status.value]))


class FilesNotReady(DomainError):
    """A file of the entry is not processed, or has to be replaced: it cannot be accepted."""

    status_code = 409
    code = "files_not_ready"

    def __init__(self, entry: Entry) -> None:
        super().__init__(
            _l(
                "Entry %(code)s has files that are not processed or must be replaced; it cannot be accepted.",
                code=entry.code,
            )
        )


class UnknownReason(DomainError):
    """The reason chosen is not one of the templates."""

    status_code = 422
    code = "unknown_reason"
    default_message = _l("Choose a reason from the list.")

    def __init__(self) -> None:
        super().__init__(field="reason_code")


class NoteTooLong(DomainError):
    """The organiser's note is longer than allowed."""

    status_code = 422
    code = "note_too_long"

    def __init__(self, length: int) -> None:
        super().__init__(_l("At most %(max)d characters (now %(count)d).", max=NOTE_MAX, count=length), field="note")


class NothingChosen(DomainError):
    """A bulk decision without any entry."""

    status_code = 422
    code = "nothing_chosen"
    default_message = _l("Choose at least one entry.")


# ---------------------------------------------------------------------------- decisions


def approve_entry(entry: Entry, actor: User, now: datetime | None = None) -> None:
    """Accept a complete entry waiting for a decision."""
    _check_approvable(entry)
    _decide(entry, actor, "approve", EntryStatus.ACCEPTED, now=now)


def reject_entry(entry: Entry, actor: User, reason_code: str, note: str = "", now: datetime | None = None) -> None:
    """Refuse an entry waiting for a decision, with a reason template and an optional note."""
    note = _clean_note(note)
    _check_reason(reason_code)
    _check_status(entry, "reject", DECIDABLE_STATUSES)
    _decide(entry, actor, "reject", EntryStatus.REJECTED, reason_code=reason_code, note=note, now=now)


def disqualify_entry(entry: Entry, actor: User, reason_code: str, note: str = "", now: datetime | None = None) -> None:
    """Disqualify an entry accepted earlier (a rule breach found later)."""
    note = _clean_note(note)
    _check_reason(reason_code)
    _check_status(entry, "disqualify", (EntryStatus.ACCEPTED,))
    _decide(entry, actor, "disqualify", EntryStatus.DISQUALIFIED, reason_code=reason_code, note=note, now=now)


def reopen_entry(entry: Entry, actor: User, note: str = "", now: datetime | None = None) -> None:
    """Put a rejected or disqualified entry back in the queue; the earlier reason is cleared."""
    note = _clean_note(note)
    _check_status(entry, "reopen", REFUSED_STATUSES)
    now = now or utcnow()
    before = entry.status
    entry.status = EntryStatus.RECEIVED
    entry.decision_reason = None
    entry.decided_at = None
    entry.updated_at = now
    refresh_entry(entry, now)  # back to "submitted" should a file have to be replaced
    _audit(entry, actor, "reopen", before, None, note)
    _mail(entry, "entry_reopened")


def bulk_approve(entries: Sequence[Entry], actor: User, now: datetime | None = None) -> None:
    """Accept several entries: all of them, or none if any one cannot be accepted."""
    _check_some(entries)
    for entry in entries:
        _check_approvable(entry)
    now = now or utcnow()
    for entry in entries:
        _decide(entry, actor, "approve", EntryStatus.ACCEPTED, now=now)


def bulk_reject(
    entries: Sequence[Entry], actor: User, reason_code: str, note: str = "", now: datetime | None = None
) -> None:
    """Reject several entries with one reason: all of them, or none if any one cannot be rejected."""
    _check_some(entries)
    note = _clean_note(note)
    _check_reason(reason_code)
    for entry in entries:
        _check_status(entry, "reject", DECIDABLE_STATUSES)
    now = now or utcnow()
    for entry in entries:
        _decide(entry, actor, "reject", EntryStatus.REJECTED, reason_code=reason_code, note=note, now=now)


def reason_text(entrant: User, reason_code: str, note: str = "") -> str:
    """The reason as the entrant reads it: the template in the entrant's language, then the note."""
    with force_locale(entrant.locale or "vi"):
        template = str(REASON_TEMPLATES[reason_code])
    return f"{template}\n{note}" if note else template


def _check_some(entries: Sequence[Entry]) -> None:
    if not entries:
        raise NothingChosen()


def _check_status(entry: Entry, action: str, allowed: tuple[EntryStatus, ...]) -> None:
    if entry.status not in allowed:
        raise DecisionNotAllowed(entry, action)


def _check_approvable(entry: Entry) -> None:
    _check_status(entry, "approve", DECIDABLE_STATUSES)
    if not entry.files or not all(file_is_sound(f) for f in entry.files):
        raise FilesNotReady(entry)


def _check_reason(reason_code: str) -> None:
    if reason_code not in REASON_TEMPLATES:
        raise UnknownReason()


def _clean_note(note: str | None) -> str:
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise NoteTooLong(len(note))
    return note


_MAILS = {"approve": "entry_accepted", "reject": "entry_rejected", "disqualify": "entry_disqualified"}


def _decide(
    entry: Entry,
    actor: User,
    action: str,
    status: EntryStatus,
    *,
    reason_code: str | None = None,
    note: str = "",
    now: datetime | None = None,
) -> None:
    now = now or utcnow()
    before = entry.status
    entry.status = status
    entry.decided_at = now
    entry.updated_at = now
    entry.decision_reason = reason_text(entry.entrant, reason_code, note) if reason_code else None
    db.session.flush()
    _audit(entry, actor, action, before, reason_code, note)
    _mail(entry, _MAILS[action])


def _audit(entry: Entry, actor: User, action: str, before: EntryStatus, reason_code: str | None, note: str) -> None:
    after = {"status": entry.status.value}
    if reason_code:
        after["reason_code"] = reason_code
    record_decision(
        actor,
        f"entry.{action}",
        "entry",
        entry.code,
        before={"status": before.value},
        after=after,
        reason=note,
        contest_id=entry.contest_id,
    )


def _mail(entry: Entry, template: str) -> None:
    entrant = entry.entrant
    send_mail_after_commit(
        template,
        to=entrant.email,
        locale=entrant.locale,
        entry=entry,
        user=entrant,
        reason=entry.decision_reason or "",
        link=url_for("entries.entry_detail", code=entry.code, _external=True),
    )


# ---------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class QueueFilter:
    """What the moderation queue shows: waiting entries by default, or one status."""

    status: str = ""
    category_id: int | None = None
    kind: str = ""
    flagged: bool = False

    @classmethod
    def from_args(cls, args) -> QueueFilter:
        """From the page's query string; unknown values are ignored."""
        status = args.get("status", "")
        kind = args.get("kind", "")
        return cls(
            status=status if status in EntryStatus._value2member_map_ else "",
            category_id=args.get("category", type=int),
            kind=kind if kind in EntryKind._value2member_map_ else "",
            flagged=args.get("flagged") == "1",
        )

    def as_args(self) -> dict:
        """The filter as query arguments (for links to other pages)."""
        args = {"status": self.status, "category": self.category_id or "", "kind": self.kind}
        if self.flagged:
            args["flagged"] = "1"
        return {key: value for key, value in args.items() if value}


@dataclass(frozen=True)
class QueuePage:
    """One page of the queue."""

    entries: list[Entry]
    total: int
    page: int
    pages: int
    filters: QueueFilter = field(default_factory=QueueFilter)


def moderation_queue(contest: Contest, filters: QueueFilter, page: int = 1) -> QueuePage:
    """Entries of the contest matching the filter, oldest first, one page at a time."""
    query = select(Entry).where(Entry.contest_id == contest.id)
    if filters.status:
        query = query.where(Entry.status == EntryStatus(filters.status))
    else:
        query = query.where(Entry.status.in_(DECIDABLE_STATUSES))
    if filters.category_id:
        query = query.where(Entry.category_id == filters.category_id)
    if filters.kind:
        query = query.where(Entry.kind == EntryKind(filters.kind))
    if filters.flagged:
        query = query.where(func.json_array_length(Entry.authenticity_flags) > 0)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    pages = max(1, -(-total // QUEUE_PAGE_SIZE))
    page = min(max(1, page), pages)
    entries = db.session.scalars(
        query.order_by(Entry.submitted_at, Entry.id).limit(QUEUE_PAGE_SIZE).offset((page - 1) * QUEUE_PAGE_SIZE)
    ).all()
    return QueuePage(list(entries), total, page, pages, filters)


def get_entry_for_review(code: str) -> Entry:
    """The entry with this code (the newest contest's, should two contests share one), or EntryNotFound."""
    if "\x00" in code or len(code) > 40:
        raise EntryNotFound()
    entry = db.session.scalar(select(Entry).where(Entry.code == code).order_by(Entry.id.desc()).limit(1))
    if entry is None:
        raise EntryNotFound()
    return entry


def entries_by_codes(contest: Contest, codes: Sequence[str]) -> list[Entry]:
    """The contest's entries with these codes, in the order given; EntryNotFound if one is missing."""
    wanted = list(dict.fromkeys(c for c in codes if c))
    found = {
        e.code: e
        for e in db.session.scalars(select(Entry).where(Entry.contest_id == contest.id, Entry.code.in_(wanted)))
    }
    if len(found) != len(wanted):
        raise EntryNotFound()
    return [found[code] for code in wanted]


def entry_history(entry: Entry) -> list[AuditRecord]:
    """The audited decisions about this entry, oldest first."""
    return list(
        db.session.scalars(
            select(AuditRecord)
            .where(
                AuditRecord.subject_type == "entry",
                AuditRecord.subject_id == entry.code,
                AuditRecord.contest_id == entry.contest_id,
            )
            .order_by(AuditRecord.id)
        )
    )


def count_other_entries(entry: Entry) -> int:
    """How many other entries the same entrant has in the same contest."""
    return db.session.scalar(
        select(func.count(Entry.id)).where(
            Entry.entrant_id == entry.entrant_id, Entry.contest_id == entry.contest_id, Entry.id != entry.id
        )
    )
