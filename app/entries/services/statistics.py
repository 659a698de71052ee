"""The organisers' dashboard figures for a contest, each from one aggregate query.

The number of queries stays the same however many entries, files or people there are;
only "per day" reads one timestamp column, bucketed into the contest's local days here
(SQLite and PostgreSQL disagree on time zone arithmetic).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import distinct, func, or_, select

from app.auth.models import User
from app.contest.models import Contest
from app.core.timeutil import to_local, utcnow
from app.entries.models import Entry, EntryFile, EntryKind, EntryStatus
from app.entries.services.moderation import DECIDABLE_STATUSES
from app.extensions import db
from app.media.models import MediaAsset, ProcessingState, StoredFile

REGISTRATION_DAYS = 30
MAX_CHART_DAYS = 92


@dataclass(frozen=True)
class DayCount:
    """How many things happened on one local day."""

    day: date
    count: int


@dataclass(frozen=True)
class Dashboard:
    """Every figure the dashboard shows."""

    # (category_id, kind, status) -> number of entries
    entry_counts: dict[tuple[int, str, str], int]
    entries_per_day: list[DayCount]
    registrations_per_day: list[DayCount]
    asset_states: dict[str, int]
    oldest_pending_at: datetime | None
    storage_bytes: int
    waiting: int
    problem_entries: int

    def count(self, category_id: int, kind: str | None = None, status: str | None = None) -> int:
        """Entries of a category, optionally of one kind and one status."""
        return sum(
            n
            for (cat, k, s), n in self.entry_counts.items()
            if cat == category_id and (kind is None or k == kind) and (status is None or s == status)
        )

    @property
    def total_entries(self) -> int:
        return sum(self.entry_counts.values())

    @property
    def failed_assets(self) -> int:
        return self.asset_states.get(ProcessingState.FAILED.value, 0)


def _per_day(moments: list[datetime], tz_name: str, first: date | None = None, last: date | None = None):
    days = Counter(to_local(m, tz_name).date() for m in moments)
    if not days and first is None:
        return []
    first = first or min(days)
    last = last or max(days)
    first = max(first, last - timedelta(days=MAX_CHART_DAYS - 1))
    return [DayCount(first + timedelta(n), days.get(first + timedelta(n), 0)) for n in range((last - first).days + 1)]


def dashboard_figures(contest: Contest, now: datetime | None = None) -> Dashboard:
    """The contest's entries by category, kind and status, per day; processing, storage, sign-ups."""
    now = now or utcnow()
    tz = contest.timezone
    rows = db.session.execute(
        select(Entry.category_id, Entry.kind, Entry.status, func.count(Entry.id))
        .where(Entry.contest_id == contest.id)
        .group_by(Entry.category_id, Entry.kind, Entry.status)
    ).all()
    entry_counts = {(cat, EntryKind(kind).value, EntryStatus(status).value): n for cat, kind, status, n in rows}
    submitted = db.session.scalars(
        select(Entry.submitted_at).where(Entry.contest_id == contest.id, Entry.status != EntryStatus.WITHDRAWN)
    ).all()
    since = now - timedelta(days=REGISTRATION_DAYS)
    joined = db.session.scalars(select(User.created_at).where(User.created_at >= since)).all()
    asset_states = {
        ProcessingState(state).value: n
        for state, n in db.session.execute(select(MediaAsset.state, func.count()).group_by(MediaAsset.state)).all()
    }
    oldest_pending_at = db.session.scalar(
        select(func.min(MediaAsset.created_at)).where(MediaAsset.state == ProcessingState.PENDING)
    )
    storage_bytes = db.session.scalar(select(func.coalesce(func.sum(StoredFile.size), 0)))
    problem_entries = db.session.scalar(
        select(func.count(distinct(Entry.id)))
        .select_from(Entry)
        .join(EntryFile, EntryFile.entry_id == Entry.id)
        .join(MediaAsset, MediaAsset.id == EntryFile.asset_id)
        .where(
            Entry.contest_id == contest.id,
            Entry.status != EntryStatus.WITHDRAWN,
            or_(
                EntryFile.problem_code.is_not(None),
                MediaAsset.state.in_((ProcessingState.REJECTED, ProcessingState.FAILED)),
            ),
        )
    )
    waiting = sum(n for (_c, _k, status), n in entry_counts.items() if status in DECIDABLE_STATUSES)
    today = to_local(now, tz).date()
    return Dashboard(
        entry_counts=entry_counts,
        entries_per_day=_per_day(list(submitted), tz, last=today if submitted else None),
        registrations_per_day=_per_day(
            list(joined), tz, first=to_local(since, tz).date() + timedelta(days=1), last=today
        ),
        asset_states=asset_states,
        oldest_pending_at=oldest_pending_at,
        storage_bytes=int(storage_bytes or 0),
        waiting=waiting,
        problem_entries=problem_entries or 0,
    )
