"""Writing and checking the audit chain.

`record_decision` is called by the services that make a disputable decision, inside
their transaction: the record commits with the decision or not at all. Appends are
serialised (a PostgreSQL advisory lock; SQLite has one writer at a time) so each new
record links to the true last one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select, text

from app.audit.models import GENESIS_HASH, AuditRecord
from app.auth.models import User
from app.core.timeutil import end_of_local_day, start_of_local_day, utcnow
from app.extensions import db

# Any constant: the key of the advisory lock that serialises appends on PostgreSQL.
_APPEND_LOCK = 7_042_025


def _jsonable(value):
    """Values as JSON keeps them, so a record hashes the same before and after storing."""
    return json.loads(json.dumps(value, default=str, ensure_ascii=False, sort_keys=True))


def canonical(record: AuditRecord) -> bytes:
    """The bytes a record's hash covers: every field but its own hash, in a fixed form."""
    body = {
        "id": record.id,
        "at": record.at.isoformat(timespec="microseconds"),
        "actor_id": record.actor_id,
        "actor_label": record.actor_label,
        "action": record.action,
        "subject_type": record.subject_type,
        "subject_id": record.subject_id,
        "contest_id": record.contest_id,
        "before": record.before,
        "after": record.after,
        "reason": record.reason,
        "prev_hash": record.prev_hash,
    }
    return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def hash_of(record: AuditRecord) -> str:
    """SHA-256 of the record's canonical form."""
    return hashlib.sha256(canonical(record)).hexdigest()


def _lock_chain() -> None:
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _APPEND_LOCK})


def actor_label(actor: User | None) -> str:
    """How the record names the actor: name and email, or the system."""
    return f"{actor.full_name} <{actor.email}>" if actor is not None else "system"


def record_decision(
    actor: User | None,
    action: str,
    subject_type: str,
    subject_id,
    *,
    before: dict | None = None,
    after: dict | None = None,
    reason: str = "",
    contest_id: int | None = None,
    at: datetime | None = None,
) -> AuditRecord:
    """Append a record to the chain (flushes; the caller's commit makes it permanent)."""
    _lock_chain()
    last = db.session.scalar(select(AuditRecord).order_by(AuditRecord.id.desc()).limit(1))
    record = AuditRecord(
        at=at or utcnow(),
        actor_id=actor.id if actor is not None else None,
        actor_label=actor_label(actor),
        action=action,
        subject_type=subject_type,
        subject_id=str(subject_id),
        contest_id=contest_id,
        before=_jsonable(before or {}),
        after=_jsonable(after or {}),
        reason=reason or "",
        prev_hash=last.record_hash if last is not None else GENESIS_HASH,
        record_hash="0" * 64,  # placeholder until the id is known
    )
    db.session.add(record)
    db.session.flush()
    record.record_hash = hash_of(record)
    db.session.flush()
    return record


@dataclass(frozen=True)
class ChainCheck:
    """The result of checking the chain: how many records, and the first broken one."""

    count: int
    broken_id: int | None
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.broken_id is None


def verify_chain(batch: int = 1000) -> ChainCheck:
    """Walk the chain in order; report the first record whose link or hash does not hold."""
    previous = GENESIS_HASH
    count = 0
    last_id = 0
    while True:
        rows = db.session.scalars(
            select(AuditRecord).where(AuditRecord.id > last_id).order_by(AuditRecord.id).limit(batch)
        ).all()
        if not rows:
            return ChainCheck(count, None, None)
        for record in rows:
            if record.prev_hash != previous:
                return ChainCheck(count, record.id, "link")
            if hash_of(record) != record.record_hash:
                return ChainCheck(count, record.id, "hash")
            previous = record.record_hash
            count += 1
            last_id = record.id
        db.session.expunge_all()


@dataclass(frozen=True)
class AuditFilter:
    """What the audit page narrows the log to; empty fields do not filter."""

    action: str = ""
    actor: str = ""
    subject: str = ""
    since: date | None = None
    until: date | None = None

    @classmethod
    def from_args(cls, args) -> AuditFilter:
        """From the page's query string, ignoring malformed dates."""
        return cls(
            action=(args.get("action") or "").strip()[:60],
            actor=(args.get("actor") or "").strip()[:200],
            subject=(args.get("subject") or "").strip()[:100],
            since=_date_or_none(args.get("since")),
            until=_date_or_none(args.get("until")),
        )


def _date_or_none(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


@dataclass(frozen=True)
class AuditPage:
    """One page of records, newest first, and where the next page starts."""

    records: list[AuditRecord]
    next_before: int | None


def search_records(
    filters: AuditFilter, tz_name: str, before_id: int | None = None, per_page: int = 50
) -> AuditPage:
    """Records matching the filter, newest first, a page at a time (keyset: ids below before_id).

    Dates are calendar days in `tz_name` (the contest's timezone), as organisers think of them.
    """
    query = select(AuditRecord).order_by(AuditRecord.id.desc()).limit(per_page + 1)
    if before_id:
        query = query.where(AuditRecord.id < before_id)
    if filters.action:
        query = query.where(AuditRecord.action.startswith(filters.action, autoescape=True))
    if filters.actor:
        query = query.where(AuditRecord.actor_label.icontains(filters.actor, autoescape=True))
    if filters.subject:
        query = query.where(AuditRecord.subject_id == filters.subject)
    if filters.since:
        query = query.where(AuditRecord.at >= start_of_local_day(filters.since, tz_name))
    if filters.until:
        query = query.where(AuditRecord.at < end_of_local_day(filters.until, tz_name))
    rows = list(db.session.scalars(query))
    more = len(rows) > per_page
    rows = rows[:per_page]
    return AuditPage(rows, rows[-1].id if more else None)
