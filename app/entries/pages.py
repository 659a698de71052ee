"""What the entry pages show, assembled from services so the views stay a few lines each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.auth.models import User
from app.contest.labels import FORMAT_LABELS, PROCESSING_STATE_LABELS
from app.contest.models import Category
from app.contest.services import get_current_contest
from app.core.errors import DomainError
from app.core.i18n import current_locale
from app.core.timeutil import utcnow
from app.entries import labels, services
from app.entries.models import Entry, EntryKind
from app.entries.places import unit_name
from app.extensions import db
from app.media.models import MediaAsset, ProcessingState
from app.media.services import asset_message

THUMBNAILS = ("w480.webp", "poster.jpg")


def thumbnail(asset: MediaAsset) -> dict | None:
    """The small picture of an asset for lists: url, width and height; None until processed."""
    if asset.state != ProcessingState.READY:
        return None
    for name in THUMBNAILS:
        derivative = asset.derivative(name)
        if derivative is not None:
            return {
                "url": url_for("media.derivative", asset_id=asset.id, name=name),
                "width": derivative.width,
                "height": derivative.height,
            }
    return None


def eligibility_problem(contest, user: User, now: datetime) -> str | None:
    """Why this user cannot enter now, in words, or None."""
    try:
        services.check_may_enter(contest, user, now)
    except DomainError as error:
        return str(error.message)
    return None


def enter_page_context(user: User, now: datetime) -> dict:
    """The "what do you want to enter?" page: categories, their kinds and any obstacle."""
    contest = get_current_contest()
    return {
        "contest": contest,
        "problem": eligibility_problem(contest, user, now) if contest else None,
        "choices": [
            (category, [(kind, labels.SLUG_OF_KIND[kind]) for kind in services.accepted_kinds(category)])
            for category in (contest.categories if contest else [])
        ],
        "kind_labels": labels.KIND_LABELS,
        "kind_help": labels.KIND_HELP,
        "format_labels": FORMAT_LABELS,
    }


@dataclass(frozen=True)
class FileRow:
    """An uploaded file offered on the entry form, ticked or not, with its captions."""

    asset: MediaAsset
    checked: bool
    caption_vi: str
    caption_en: str
    thumb: dict | None
    state_label: str
    message: str | None
    captured_on: str


def _file_rows(user: User, kind: EntryKind, formdata: MultiDict, entry: Entry | None) -> list[FileRow]:
    if formdata:
        chosen = list(dict.fromkeys(formdata.getlist("file")))
        captions = {a: (formdata.get(f"caption_vi-{a}", ""), formdata.get(f"caption_en-{a}", "")) for a in chosen}
    elif entry is not None:
        chosen = [f.asset_id for f in entry.files]
        captions = {f.asset_id: (f.caption_vi, f.caption_en) for f in entry.files}
    else:
        chosen, captions = [], {}
    own = [f.asset for f in entry.files] if entry is not None else []
    loaded = {a.id: a for a in own + services.unclaimed_uploads(user, kind)}
    missing = [a for a in chosen if a not in loaded]
    if missing:
        extra = db.session.scalars(select(MediaAsset).where(MediaAsset.id.in_(missing), MediaAsset.owner_id == user.id))
        loaded.update({a.id: a for a in extra})
    ordered = [loaded[a] for a in chosen if a in loaded] + [a for a in loaded.values() if a.id not in chosen]
    return [
        FileRow(
            asset=asset,
            checked=asset.id in chosen,
            caption_vi=captions.get(asset.id, ("", ""))[0],
            caption_en=captions.get(asset.id, ("", ""))[1],
            thumb=thumbnail(asset),
            state_label=str(PROCESSING_STATE_LABELS[asset.state.value]),
            message=asset_message(asset),
            captured_on=asset.captured_on.isoformat() if asset.captured_on else "",
        )
        for asset in ordered
    ]


def entry_form_context(user, category: Category, kind: EntryKind, form, formdata, entry: Entry | None) -> dict:
    """The entry form (new or edit): the category's rules, the files on offer and the uploader."""
    low, high = services.file_count_bounds(category, kind)
    contest = category.contest
    return {
        "contest": contest,
        "category": category,
        "kind": kind,
        "kind_slug": labels.SLUG_OF_KIND[kind],
        "kind_label": labels.KIND_LABELS[kind.value],
        "form": form,
        "entry": entry,
        "min_files": low,
        "max_files": high,
        "rows": _file_rows(user, kind, formdata, entry),
        "problem": None if entry is not None else eligibility_problem(contest, user, utcnow()),
        "format_labels": FORMAT_LABELS,
    }


def entry_page_context(entries: list[Entry], now: datetime) -> dict:
    """My entries and the entry page: steps, files, thumbnails and what can still be done."""
    return {
        "entries": entries,
        "steps": {e.id: services.entry_steps(e) for e in entries},
        "files": {e.id: [services.file_progress(f) for f in e.files] for e in entries},
        "thumbs": {e.id: thumbnail(e.files[0].asset) if e.files else None for e in entries},
        "editable": {e.id: _is_editable(e, now) for e in entries},
        "attention": {e.id: services.needs_attention(e) for e in entries},
        "status_labels": labels.STATUS_LABELS,
        "step_labels": labels.STEP_LABELS,
        "refused_labels": labels.REFUSED_STEP_LABELS,
        "kind_labels": labels.KIND_LABELS,
        "file_state_labels": labels.FILE_STATE_LABELS,
        "thumbnail": thumbnail,
        "place_name": lambda code: unit_name(code, current_locale()),
    }


def _is_editable(entry: Entry, now: datetime) -> bool:
    try:
        services.check_editable(entry, now)
    except DomainError:
        return False
    return True
