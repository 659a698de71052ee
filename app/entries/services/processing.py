"""Keeping an entry in step with its files as the background processing finishes them.

The media pipeline sends `asset_processed` inside its own transaction; the receiver here
moves the entry from "submitted" to "received" once every file is ready and sound, marks
files that turn out to repeat one already entered, and records the authenticity flags.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.contest.services import category_rules
from app.core.timeutil import utcnow
from app.entries.models import ACTIVE_STATUSES, Entry, EntryFile, EntryKind, EntryStatus
from app.entries.rules import CreationWindow, photo_flags
from app.entries.services.files import entries_holding_file
from app.extensions import db
from app.media.conformance import rules_breach
from app.media.models import MediaAsset, ProcessingState
from app.media.signals import asset_processed


def file_is_sound(entry_file: EntryFile) -> bool:
    """Processed, accepted by the pipeline, and with nothing found wrong since."""
    return entry_file.asset.state == ProcessingState.READY and entry_file.problem_code is None


def refresh_entry(entry: Entry, now: datetime | None = None) -> None:
    """Recompute the files' problems, the flags and the submitted/received state."""
    now = now or utcnow()
    rules = category_rules(entry.category)
    for entry_file in entry.files:
        _check_file(entry, entry_file, rules)
    entry.authenticity_flags = _flags(entry)
    complete = bool(entry.files) and all(file_is_sound(f) for f in entry.files)
    if entry.status == EntryStatus.SUBMITTED and complete:
        entry.status = EntryStatus.RECEIVED
        entry.received_at = now
    elif entry.status == EntryStatus.RECEIVED and not complete:  # a file was replaced
        entry.status = EntryStatus.SUBMITTED
        entry.received_at = None
    db.session.flush()


def _check_file(entry: Entry, entry_file: EntryFile, rules) -> None:
    entry_file.problem_code, entry_file.problem_params, entry_file.duplicate_of_id = None, {}, None
    asset = entry_file.asset
    if asset.state != ProcessingState.READY:
        return
    breach = rules_breach(asset, rules)
    if breach is not None:
        entry_file.problem_code, entry_file.problem_params = breach.code, dict(breach.params)
        return
    sha = asset.original.sha256 if asset.original is not None else None
    if sha and entry.status in ACTIVE_STATUSES:
        holders = entries_holding_file(entry.contest_id, sha)
        first = holders[0] if holders else None
        if first is not None and first.id != entry_file.id:
            entry_file.problem_code = "duplicate_file"
            entry_file.duplicate_of_id = first.entry_id


def _flags(entry: Entry) -> list[dict]:
    """Authenticity triage over the entry's processed photos, each flag naming its photo."""
    if entry.kind == EntryKind.VIDEO:
        return []  # video containers carry no dependable capture metadata
    contest = entry.contest
    window = CreationWindow(contest.work_created_from, contest.work_created_until, contest.timezone)
    flags = []
    for entry_file in entry.files:
        if entry_file.asset.state == ProcessingState.READY:
            found = photo_flags(entry_file.asset.exif, window)
            flags.extend(flag | {"position": entry_file.position} for flag in found)
    return flags


def entries_repeating(entry: Entry) -> list[Entry]:
    """Entries with a file marked as a copy of one of this entry's files."""
    return list(
        db.session.scalars(
            select(Entry).join(EntryFile, EntryFile.entry_id == Entry.id).where(EntryFile.duplicate_of_id == entry.id)
        ).unique()
    )


@asset_processed.connect
def on_asset_processed(asset: MediaAsset, **_kw) -> None:
    """Refresh the entry holding this asset, and every entry holding the same bytes."""
    entry_file = db.session.scalar(select(EntryFile).where(EntryFile.asset_id == asset.id))
    if entry_file is None:
        return  # not (yet) part of an entry: submitting it will check it
    entries = {entry_file.entry_id: entry_file.entry}
    sha = asset.original.sha256 if asset.original is not None else None
    if sha:
        for other in entries_holding_file(entry_file.entry.contest_id, sha):
            entries.setdefault(other.entry_id, other.entry)
    for entry in sorted(entries.values(), key=lambda e: e.id):
        refresh_entry(entry)
