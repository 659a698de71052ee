"""Which entries an export covers: the filter, the ids fixed when it starts, and its audit record."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.audit.services import record_decision
from app.auth.models import User
from app.contest.models import Contest
from app.core.timeutil import to_local, utcnow
from app.entries.models import Entry, EntryFile, EntryKind, EntryStatus
from app.extensions import db
from app.media.models import MediaAsset

# Entries loaded from the database at a time while an export is written.
ROW_BATCH = 200
# The most entry codes a "selected entries" export takes.
MAX_CODES = 5000


# ---------------------------------------------------------------------------- filters


@dataclass(frozen=True)
class ExportFilter:
    """Which entries of one contest an export covers; empty fields do not filter."""

    contest_id: int
    category_id: int | None = None
    status: EntryStatus | None = None
    kind: EntryKind | None = None
    codes: tuple[str, ...] = ()

    @classmethod
    def from_args(cls, args: Mapping[str, str], contest: Contest) -> ExportFilter:
        """From a query string, ignoring values that name nothing in this contest."""
        category_ids = {category.id for category in contest.categories}
        category_id = _int_or_none(args.get("category"))
        return cls(
            contest_id=contest.id,
            category_id=category_id if category_id in category_ids else None,
            status=_enum_or_none(EntryStatus, args.get("status")),
            kind=_enum_or_none(EntryKind, args.get("kind")),
            codes=parse_codes(args.get("codes") or ""),
        )

    def as_dict(self) -> dict[str, Any]:
        """The filter as plain values, for the audit record."""
        return {
            "contest_id": self.contest_id,
            "category_id": self.category_id,
            "status": self.status.value if self.status else None,
            "kind": self.kind.value if self.kind else None,
            "codes": list(self.codes),
        }

    def summary(self, contest: Contest) -> str:
        """A short readable form, e.g. "happy-nghe-an-2025 category=photo status=received"."""
        parts = [contest.slug]
        if self.category_id is not None:
            slug = next((c.slug for c in contest.categories if c.id == self.category_id), self.category_id)
            parts.append(f"category={slug}")
        if self.status:
            parts.append(f"status={self.status.value}")
        if self.kind:
            parts.append(f"kind={self.kind.value}")
        if self.codes:
            parts.append(f"codes={len(self.codes)}")
        return " ".join(parts)


def parse_codes(text: str) -> tuple[str, ...]:
    """Entry codes from a comma-, space- or line-separated list: upper-cased, unique, in order."""
    seen: dict[str, None] = {}
    for raw in text.replace("\n", ",").replace(" ", ",").split(","):
        code = raw.strip().upper()
        if code and len(code) <= 40:
            seen.setdefault(code, None)
    return tuple(seen)[:MAX_CODES]


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _enum_or_none(enum_type, value: str | None):
    try:
        return enum_type(value) if value else None
    except ValueError:
        return None


def _filtered(query, filters: ExportFilter):
    query = query.where(Entry.contest_id == filters.contest_id)
    if filters.category_id is not None:
        query = query.where(Entry.category_id == filters.category_id)
    if filters.status is not None:
        query = query.where(Entry.status == filters.status)
    if filters.kind is not None:
        query = query.where(Entry.kind == filters.kind)
    if filters.codes:
        query = query.where(Entry.code.in_(filters.codes))
    return query


def count_export_entries(filters: ExportFilter) -> int:
    """How many entries the filter selects."""
    return db.session.scalar(_filtered(select(func.count(Entry.id)), filters)) or 0


def export_entry_ids(filters: ExportFilter) -> list[int]:
    """The ids of the entries the filter selects, in code order."""
    return list(db.session.scalars(_filtered(select(Entry.id), filters).order_by(Entry.code)))


def iter_export_entries(entry_ids: Sequence[int], batch: int = ROW_BATCH) -> Iterator[Entry]:
    """The entries with everything a row needs, loaded a batch at a time (in the ids' order)."""
    for start in range(0, len(entry_ids), batch):
        chunk = entry_ids[start : start + batch]
        loaded = db.session.scalars(
            select(Entry)
            .where(Entry.id.in_(chunk))
            .options(
                selectinload(Entry.entrant),
                selectinload(Entry.category),
                selectinload(Entry.contest),
                selectinload(Entry.files).selectinload(EntryFile.asset).selectinload(MediaAsset.original),
            )
        ).all()
        by_id = {entry.id: entry for entry in loaded}
        for entry_id in chunk:
            if entry_id in by_id:
                yield by_id[entry_id]


# ---------------------------------------------------------------------------- starting an export (audited)


@dataclass(frozen=True)
class EntriesExport:
    """An export that has been recorded: the entries it covers, fixed when it started."""

    contest: Contest
    filters: ExportFilter
    entry_ids: list[int]
    started_at: datetime

    @property
    def rows(self) -> int:
        """How many entries (rows) it holds."""
        return len(self.entry_ids)

    def filename(self, extension: str, stem: str = "entries") -> str:
        """A download name with the contest slug and the local date, e.g. entries-hna-2025-2025-10-02.csv."""
        day = to_local(self.started_at, self.contest.timezone).date().isoformat()
        return f"{stem}-{self.contest.slug}-{day}.{extension}"


EXPORT_ACTIONS = {
    "csv": "export.entries_csv",
    "xlsx": "export.entries_xlsx",
    "zip": "export.originals_zip",
}


def start_entries_export(actor: User, contest: Contest, filters: ExportFilter, fmt: str) -> EntriesExport:
    """Fix the entries an export covers and audit it (flushes; commit before streaming)."""
    entry_ids = export_entry_ids(filters)
    export = EntriesExport(contest=contest, filters=filters, entry_ids=entry_ids, started_at=utcnow())
    summary = filters.summary(contest)
    record_decision(
        actor,
        EXPORT_ACTIONS[fmt],
        "export",
        summary[:64],
        after={"filters": filters.as_dict(), "rows": export.rows, "summary": summary},
        contest_id=contest.id,
    )
    return export
