"""Contest rules: which contest is current, where it stands in time, and its timeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.contest.labels import FORMAT_LABELS, MEDIA_TYPE_LABELS, MILESTONE_LABELS, NEXT_DEADLINE_LABELS, PHASE_LABELS
from app.contest.models import Category, Contest, ContestPhase, ContestStatus, MediaType
from app.core.errors import DomainError
from app.core.i18n import format_relative
from app.core.timeutil import end_of_local_day, to_local, utcnow
from app.extensions import db
from app.media.models import MediaKind
from app.media.services import MediaRules


class ContestNotFound(DomainError):
    """No published contest matches."""

    status_code = 404
    code = "contest_not_found"
    default_message = _l("This contest does not exist or is not published yet.")


def get_current_contest() -> Contest | None:
    """The contest the site is about right now, with its categories and prizes loaded."""
    return db.session.scalar(
        select(Contest)
        .where(Contest.is_current.is_(True), Contest.status != ContestStatus.DRAFT)
        .options(selectinload(Contest.categories), selectinload(Contest.prizes))
    )


def get_public_contest(slug: str) -> Contest:
    """A published or archived contest by slug, or ContestNotFound."""
    if "\x00" in slug:  # PostgreSQL refuses NUL in text, and no slug holds one
        raise ContestNotFound()
    contest = db.session.scalar(
        select(Contest)
        .where(Contest.slug == slug, Contest.status != ContestStatus.DRAFT)
        .options(selectinload(Contest.categories), selectinload(Contest.prizes))
    )
    if contest is None:
        raise ContestNotFound()
    return contest


def list_contests() -> list[Contest]:
    """Every contest, newest first."""
    return list(db.session.scalars(select(Contest).order_by(Contest.submissions_open_at.desc())))


def make_current(contest: Contest) -> None:
    """Make this contest the current one; the previous current one stops being so."""
    for other in db.session.scalars(select(Contest).where(Contest.is_current.is_(True))):
        if other.id != contest.id:
            other.is_current = False
    db.session.flush()
    contest.is_current = True
    db.session.flush()


def contest_phase(contest: Contest, now: datetime | None = None) -> ContestPhase:
    """Where the contest stands at `now`, from its dates alone."""
    now = now or utcnow()
    if now < contest.submissions_open_at:
        return ContestPhase.UPCOMING
    if now < contest.submissions_close_at:
        return ContestPhase.SUBMISSIONS_OPEN
    if contest.results_at is not None and now >= contest.results_at:
        return ContestPhase.RESULTS
    if contest.voting_open_at and contest.voting_close_at and contest.voting_open_at <= now < contest.voting_close_at:
        return ContestPhase.VOTING
    return ContestPhase.JUDGING


@dataclass(frozen=True)
class Milestone:
    """A dated step of the contest timeline, for the landing page."""

    key: str
    at: datetime
    is_past: bool


def timeline(contest: Contest, now: datetime | None = None) -> list[Milestone]:
    """The contest's dated steps in order, each marked past or to come."""
    now = now or utcnow()
    steps = [
        ("submissions_open", contest.submissions_open_at),
        ("submissions_close", contest.submissions_close_at),
        ("voting_open", contest.voting_open_at),
        ("voting_close", contest.voting_close_at),
        ("results", contest.results_at),
    ]
    return [Milestone(key, at, at <= now) for key, at in steps if at is not None]


def next_deadline(contest: Contest, now: datetime | None = None) -> Milestone | None:
    """The next dated step still to come, for a live "closes in 12 days" status."""
    upcoming = [m for m in timeline(contest, now) if not m.is_past]
    return upcoming[0] if upcoming else None


def landing_context(contest: Contest, now: datetime | None = None) -> dict:
    """What templates/contest/landing.html needs for a contest, published or not (for previews)."""
    now = now or utcnow()
    deadline = next_deadline(contest, now)
    deadline_text = (
        NEXT_DEADLINE_LABELS[deadline.key] % {"when": format_relative(deadline.at, now)} if deadline else None
    )
    return dict(
        contest=contest,
        phase=contest_phase(contest, now),
        timeline=timeline(contest, now),
        next_deadline=deadline,
        next_deadline_text=deadline_text,
        phase_labels=PHASE_LABELS,
        milestone_labels=MILESTONE_LABELS,
        media_type_labels=MEDIA_TYPE_LABELS,
        format_labels=FORMAT_LABELS,
    )


class CategoryNotFound(DomainError):
    """No category with this id in the current contest."""

    status_code = 404
    code = "category_not_found"
    default_message = _l("This category does not exist in the current contest.")


def media_rules_for_category(category_id: str) -> MediaRules:
    """The file rules of a category of the current contest, as the media pipeline takes them."""
    contest = get_current_contest()
    category = next((c for c in contest.categories if str(c.id) == str(category_id)), None) if contest else None
    if category is None:
        raise CategoryNotFound()
    return category_rules(category)


def category_rules(category: Category) -> MediaRules:
    """A category's file rules, as the media pipeline takes them."""
    return MediaRules(
        kind=MediaKind.VIDEO if category.media_type == MediaType.VIDEO else MediaKind.PHOTO,
        allowed_formats=list(category.allowed_formats or []),
        min_bytes=category.min_bytes,
        max_bytes=category.max_bytes,
        min_long_edge_px=category.min_long_edge_px,
        max_video_seconds=category.max_video_seconds,
    )


def reschedule_submissions(contest: Contest, days: int, now: datetime | None = None) -> None:
    """Open submissions from now until the end of the local day `days` from now.

    For trying the platform (or a rehearsal) with a past contest; later dates that would
    now come before the close (voting, results) are cleared rather than left inconsistent.
    """
    now = now or utcnow()
    if days < 1:
        raise ValueError("days must be at least 1")
    close = end_of_local_day(to_local(now, contest.timezone).date() + timedelta(days=days), contest.timezone)
    contest.submissions_open_at = min(contest.submissions_open_at, now)
    contest.submissions_close_at = close
    if contest.voting_open_at is not None and contest.voting_open_at < close:
        contest.voting_open_at = contest.voting_close_at = None
    if contest.results_at is not None and contest.results_at < close:
        contest.results_at = None
    db.session.flush()
