"""What the public may see of a contest, and when: one place, so pages, API, media and the wall agree.

The gallery opens with public voting (or, without voting, when results are out) and shows only
accepted entries of a published contest. Authors' names stay hidden until results are out, so a
juror browsing the gallery learns nothing the scoring screen hides, unless the organisers chose
otherwise. Vote counts are hidden until voting closes unless the contest shows them live.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.contest.models import Contest, ContestStatus
from app.core.errors import DomainError
from app.core.timeutil import utcnow
from app.entries.models import Entry, EntryFile, EntryStatus
from app.extensions import db


class GalleryNotFound(DomainError):
    """No such contest gallery, or not open to the public yet (the two look the same)."""

    status_code = 404
    code = "gallery_not_found"
    default_message = _l("This gallery does not exist or is not open yet.")


class PublicEntryNotFound(DomainError):
    """No such entry in the public gallery."""

    status_code = 404
    code = "public_entry_not_found"
    default_message = _l("This work is not in the gallery.")


def gallery_is_open(contest: Contest, now: datetime | None = None) -> bool:
    """Published, and voting has opened or results are out."""
    now = now or utcnow()
    if contest.status is not ContestStatus.PUBLISHED:
        return False
    opens = [moment for moment in (contest.voting_open_at, contest.results_at) if moment is not None]
    return bool(opens) and now >= min(opens)


def voting_is_open(contest: Contest, now: datetime | None = None) -> bool:
    """Inside the contest's voting window."""
    now = now or utcnow()
    return (
        contest.status is ContestStatus.PUBLISHED
        and contest.voting_open_at is not None
        and contest.voting_close_at is not None
        and contest.voting_open_at <= now < contest.voting_close_at
    )


def voting_has_closed(contest: Contest, now: datetime | None = None) -> bool:
    """The voting window is over (People's Choice can be computed)."""
    return contest.voting_close_at is not None and (now or utcnow()) >= contest.voting_close_at


def authors_are_public(contest: Contest, now: datetime | None = None) -> bool:
    """Whether the gallery may show who made each work."""
    if contest.shows_authors_before_results:
        return True
    return contest.results_at is not None and (now or utcnow()) >= contest.results_at


def counts_are_public(contest: Contest, now: datetime | None = None) -> bool:
    """Whether vote counts (and sorting by them) may be shown."""
    return contest.vote_counts_visible or voting_has_closed(contest, now)


def require_open_gallery(slug: str, now: datetime | None = None) -> Contest:
    """The contest with this slug if its gallery is open; GalleryNotFound otherwise."""
    if "\x00" in slug or len(slug) > 80:
        raise GalleryNotFound()
    # The categories in the same query: every gallery page offers them as a filter.
    contest = db.session.scalars(
        select(Contest).options(joinedload(Contest.categories)).where(Contest.slug == slug)
    ).unique().first()
    if contest is None or not gallery_is_open(contest, now):
        raise GalleryNotFound()
    return contest


def public_entry(contest: Contest, code: str) -> Entry:
    """An accepted entry of the contest by code; PublicEntryNotFound for anything else."""
    if "\x00" in code or len(code) > 40:
        raise PublicEntryNotFound()
    entry = db.session.scalar(
        select(Entry).where(Entry.contest_id == contest.id, Entry.code == code, Entry.status == EntryStatus.ACCEPTED)
    )
    if entry is None:
        raise PublicEntryNotFound()
    return entry


def is_gallery_asset(asset_id: str) -> bool:
    """Whether an asset belongs to an accepted entry shown in an open gallery (its web copies are public)."""
    contest = db.session.scalar(
        select(Contest)
        .join(Entry, Entry.contest_id == Contest.id)
        .join(EntryFile, EntryFile.entry_id == Entry.id)
        .where(EntryFile.asset_id == asset_id, Entry.status == EntryStatus.ACCEPTED)
    )
    return contest is not None and gallery_is_open(contest)
