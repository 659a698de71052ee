"""Who may enter, when, and how many times: each rule a function raising a clear error."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select

from app.auth.models import User
from app.contest.models import Category, Contest, StaffMembership
from app.entries.models import ACTIVE_STATUSES, Entry
from app.entries.rules import age_on, local_date
from app.entries.services.errors import (
    EmailNotVerified,
    EntryLimitReached,
    StaffCannotEnter,
    SubmissionsClosed,
    SubmissionsNotOpen,
    TooYoung,
)
from app.extensions import db


def check_submissions_open(contest: Contest, now: datetime) -> None:
    """Entries are taken from the opening instant up to (not including) the close.

    The close is stored as the end of the last day in the contest's timezone
    (24:00 local), so "until 1 October inclusive" holds to the last second.
    """
    if now < contest.submissions_open_at:
        raise SubmissionsNotOpen()
    if now >= contest.submissions_close_at:
        raise SubmissionsClosed()


def check_old_enough(contest: Contest, entrant: User, now: datetime) -> None:
    """The entrant's age on the submission date, in the contest's timezone, meets the minimum."""
    today = local_date(now, contest.timezone)
    if age_on(entrant.birth_date, today) < contest.min_entrant_age:
        raise TooYoung(contest.min_entrant_age)


def is_contest_staff(contest: Contest, user: User) -> bool:
    """Whether the user serves this contest on its jury or secretariat."""
    return (
        db.session.scalar(
            select(StaffMembership.id).where(
                StaffMembership.contest_id == contest.id, StaffMembership.user_id == user.id
            )
        )
        is not None
    )


def check_not_staff(contest: Contest, entrant: User) -> None:
    """Jury and secretariat members of this contest may not enter it."""
    if is_contest_staff(contest, entrant):
        raise StaffCannotEnter()


def count_active_entries(category: Category, entrant: User) -> int:
    """The entrant's entries in the category that still count (withdrawn ones do not)."""
    return db.session.scalar(
        select(func.count(Entry.id)).where(
            Entry.category_id == category.id,
            Entry.entrant_id == entrant.id,
            Entry.status.in_(ACTIVE_STATUSES),
        )
    )


def check_entry_limit(category: Category, entrant: User) -> None:
    """A category's per-entrant limit, when it sets one, is not exceeded by one more entry."""
    limit = category.max_entries_per_entrant
    if limit is not None and count_active_entries(category, entrant) >= limit:
        raise EntryLimitReached(limit)


def check_may_enter(contest: Contest, entrant: User, now: datetime) -> None:
    """Everything about the entrant and the date that decides whether they may enter at all."""
    check_submissions_open(contest, now)
    if not entrant.is_verified:
        raise EmailNotVerified()
    check_not_staff(contest, entrant)
    check_old_enough(contest, entrant, now)


def lock_entrant(entrant: User) -> None:
    """Serialise one entrant's submissions, so two at once cannot both slip under a limit.

    FOR NO KEY UPDATE: it still excludes another submission's lock, but not the key-share
    lock PostgreSQL takes to check a foreign key to the user (a processing job updating
    one of the entrant's assets), which FOR UPDATE would deadlock with.
    """
    db.session.execute(select(User.id).where(User.id == entrant.id).with_for_update(key_share=True))
