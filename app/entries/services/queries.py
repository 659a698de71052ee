"""Reading entries for their entrant: one's own entries, their files and how far they got."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.auth.models import User
from app.entries.models import Entry, EntryFile, EntryHonour, EntryKind, EntryStatus
from app.entries.services.errors import EntryNotFound
from app.entries.services.files import media_kind
from app.extensions import db
from app.media.messages import rejection_message
from app.media.models import MediaAsset, ProcessingState
from app.media.services import asset_message


def get_own_entry(code: str, entrant: User) -> Entry:
    """The caller's entry with this code, or EntryNotFound (another's looks exactly the same)."""
    if "\x00" in code or len(code) > 40:
        raise EntryNotFound()
    entry = db.session.scalar(select(Entry).where(Entry.code == code, Entry.entrant_id == entrant.id))
    if entry is None:
        raise EntryNotFound()
    return entry


def list_own_entries(entrant: User) -> list[Entry]:
    """The entrant's entries, newest first, with what the list shows loaded up front."""
    return list(
        db.session.scalars(
            select(Entry)
            .where(Entry.entrant_id == entrant.id)
            .options(selectinload(Entry.category), selectinload(Entry.contest))
            .order_by(Entry.id.desc())
        )
    )


def unclaimed_uploads(entrant: User, kind: EntryKind) -> list[MediaAsset]:
    """The entrant's uploads of the right kind that no entry uses yet and were not refused."""
    in_use = select(EntryFile.asset_id)
    return list(
        db.session.scalars(
            select(MediaAsset)
            .where(
                MediaAsset.owner_id == entrant.id,
                MediaAsset.kind == media_kind(kind),
                MediaAsset.state.not_in((ProcessingState.REJECTED, ProcessingState.FAILED)),
                MediaAsset.id.not_in(in_use),
            )
            .order_by(MediaAsset.created_at)
        )
    )


# The steps every entry goes through, in order.
STEPS = ("uploaded", "processing", "received", "under_review", "decision", "finalist", "prize")
_REACHED = {
    EntryStatus.SUBMITTED: 1,
    EntryStatus.RECEIVED: 2,
    EntryStatus.UNDER_REVIEW: 3,
    EntryStatus.ACCEPTED: 4,
    EntryStatus.REJECTED: 4,
    EntryStatus.DISQUALIFIED: 4,
}


@dataclass(frozen=True)
class Step:
    """One step of an entry's timeline: done, current, failed or still to come."""

    key: str
    state: str  # "done" | "current" | "failed" | "todo"


def entry_steps(entry: Entry) -> list[Step]:
    """Where the entry stands on uploaded → … → prize; a refusal ends the line at "decision"."""
    if entry.status == EntryStatus.WITHDRAWN:
        return [Step("withdrawn", "failed")]
    reached = _REACHED[entry.status]
    refused = entry.status in (EntryStatus.REJECTED, EntryStatus.DISQUALIFIED)
    steps = []
    for index, key in enumerate(STEPS):
        if index < reached or (index == reached and key == "decision" and not refused):
            state = "done"
        elif index == reached:
            state = "failed" if refused else "current"
        else:
            state = "todo"
        steps.append(Step(key, state))
    if entry.status == EntryStatus.RECEIVED:
        steps[2] = Step("received", "done")
    if entry.status == EntryStatus.ACCEPTED and entry.honour is not None:
        steps[5] = Step("finalist", "done")
        steps[6] = Step("prize", "done" if entry.honour == EntryHonour.PRIZE else "todo")
    return steps


@dataclass(frozen=True)
class FileProgress:
    """One file of an entry as its entrant sees it."""

    position: int
    asset_id: str
    filename: str
    state: str  # the asset's processing state, or "problem"
    message: str | None


def file_progress(entry_file: EntryFile) -> FileProgress:
    """A file's processing state and, when something is wrong, why."""
    asset = entry_file.asset
    message = asset_message(asset)
    state = asset.state.value
    if message is None and entry_file.problem_code == "duplicate_file":
        state, message = "problem", _duplicate_message()
    elif message is None and entry_file.problem_code:
        state, message = "problem", rejection_message(entry_file.problem_code, entry_file.problem_params or {})
    return FileProgress(entry_file.position, asset.id, asset.original_filename, state, message)


def _duplicate_message() -> str:
    return gettext("This exact file has already been entered in this contest. Replace it with another one.")


def needs_attention(entry: Entry) -> bool:
    """Whether a file of the entry must be replaced before it can be received."""
    return any(p.state in ("problem", "rejected", "failed") for p in map(file_progress, entry.files))
