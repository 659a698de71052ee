"""The files of an entry: which uploads may be chosen, and claiming them."""

from __future__ import annotations

import re
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.auth.models import User
from app.contest.models import Category
from app.contest.services import category_rules
from app.entries.models import ACTIVE_STATUSES, Entry, EntryFile, EntryKind
from app.extensions import db
from app.media.conformance import rules_breach
from app.media.messages import rejection_message
from app.media.models import MediaAsset, MediaKind, ProcessingState, StoredFile
from app.media.services import asset_message

_ASSET_ID = re.compile(r"^[0-9a-f]{32}$")


def media_kind(kind: EntryKind) -> MediaKind:
    """The kind of file an entry of this kind is made of."""
    return MediaKind.VIDEO if kind == EntryKind.VIDEO else MediaKind.PHOTO


def file_count_bounds(category: Category, kind: EntryKind) -> tuple[int, int]:
    """How many files an entry of this kind takes: one, or the category's series bounds."""
    if kind == EntryKind.PHOTO_SERIES:
        return category.series_min_photos, category.series_max_photos
    return 1, 1


def _count_message(category: Category, kind: EntryKind, count: int):
    low, high = file_count_bounds(category, kind)
    if kind == EntryKind.PHOTO_SERIES:
        return _l(
            "A series has from %(min)d to %(max)d photos; you chose %(count)d.", min=low, max=high, count=count
        )
    if kind == EntryKind.VIDEO:
        return _l("Choose exactly one video.")
    return _l("Choose exactly one photo.")


def entries_holding_file(contest_id: int, sha256: str) -> list[EntryFile]:
    """Files with these exact bytes in the contest's entries that still count, earliest first."""
    return list(
        db.session.scalars(
            select(EntryFile)
            .join(Entry, Entry.id == EntryFile.entry_id)
            .join(MediaAsset, MediaAsset.id == EntryFile.asset_id)
            .join(StoredFile, StoredFile.id == MediaAsset.original_id)
            .where(
                Entry.contest_id == contest_id,
                Entry.status.in_(ACTIVE_STATUSES),
                StoredFile.sha256 == sha256,
            )
            .order_by(EntryFile.entry_id, EntryFile.position)
        )
    )


def _load(entrant: User, asset_ids: list[str]) -> tuple[dict[str, MediaAsset], dict[str, int]]:
    """The entrant's assets among these ids, and the entry already holding each claimed one."""
    wanted = [a for a in asset_ids if _ASSET_ID.match(a)]
    if not wanted:
        return {}, {}
    # Locking the rows waits for a processing job that is finishing one of them, and
    # populate_existing re-reads the state it committed (else the entry could stay
    # "submitted": the job's listener found no entry yet, and we would see "processing").
    assets = db.session.scalars(
        select(MediaAsset)
        .where(MediaAsset.id.in_(wanted), MediaAsset.owner_id == entrant.id)
        .order_by(MediaAsset.id)
        .with_for_update(of=MediaAsset)
        .execution_options(populate_existing=True)
    )
    holders = db.session.execute(select(EntryFile.asset_id, EntryFile.entry_id).where(EntryFile.asset_id.in_(wanted)))
    return {a.id: a for a in assets}, {asset_id: entry_id for asset_id, entry_id in holders}


def check_files(
    entrant: User, category: Category, kind: EntryKind, asset_ids: list[str], errors, entry: Entry | None
) -> list[MediaAsset]:
    """The chosen files in order, each checked; problems are added to `errors` by name."""
    low, high = file_count_bounds(category, kind)
    if not low <= len(asset_ids) <= high:
        errors.add("files", _count_message(category, kind, len(asset_ids)))
    if len(set(asset_ids)) != len(asset_ids):
        errors.add("files", _l("The same file was chosen twice."))
    assets, holders = _load(entrant, asset_ids)
    rules = category_rules(category)
    chosen: list[MediaAsset] = []
    seen_hashes: set[str] = set()
    for asset_id in dict.fromkeys(asset_ids):
        asset = assets.get(asset_id)
        if asset is None:
            errors.add("files", _l("One of the chosen files does not exist or is not yours."))
            continue
        problem = _file_problem(asset, kind, rules, holders.get(asset.id), entry, category, seen_hashes)
        if problem is not None:
            errors.add("files", _l("%(name)s: %(problem)s", name=asset.original_filename, problem=problem))
        chosen.append(asset)
    return chosen


def _file_problem(asset, kind, rules, holder_id, entry, category, seen_hashes):
    """Why this file cannot be part of the entry, or None."""
    if asset.kind != media_kind(kind):
        return _l("this is not a video.") if kind == EntryKind.VIDEO else _l("this is not a photo.")
    if holder_id is not None and (entry is None or holder_id != entry.id):
        return _l("this file is already part of another entry.")
    if asset.state in (ProcessingState.REJECTED, ProcessingState.FAILED):
        return asset_message(asset) or rejection_message("processing_failed", {})
    breach = rules_breach(asset, rules)
    if breach is not None:
        return rejection_message(breach.code, breach.params)
    sha = asset.original.sha256 if asset.original is not None else None
    if sha:
        if sha in seen_hashes:
            return _l("the same photo was chosen twice.")
        seen_hashes.add(sha)
        others = [f for f in entries_holding_file(category.contest_id, sha) if entry is None or f.entry_id != entry.id]
        if others:
            return _l("this exact file has already been entered in this contest.")
    return None


def claim_files(entry: Entry, files: list, assets: list[MediaAsset], now: datetime) -> None:
    """Make the chosen assets the entry's files, in order; files dropped go back to the uploads."""
    kept = {a.id for a in assets}
    for old in list(entry.files):
        if old.asset_id not in kept:
            old.asset.claimed_at = None
    entry.files.clear()
    db.session.flush()
    by_id = {a.id: a for a in assets}
    for position, choice in enumerate(files, start=1):
        asset = by_id[choice.asset_id]
        asset.claimed_at = asset.claimed_at or now
        entry.files.append(
            EntryFile(position=position, asset=asset, caption_vi=choice.caption_vi, caption_en=choice.caption_en)
        )
    db.session.flush()
