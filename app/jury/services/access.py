"""Who may do what in judging: the chair (or an admin) runs rounds; jurors judge only their own reviews."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from app.audit.services import record_decision
from app.auth.models import Role, User
from app.contest.models import Contest, StaffMembership, StaffRole
from app.entries.models import Entry, EntryFile
from app.extensions import db
from app.jury.models import JuryRound, RoundJuror
from app.jury.services.errors import ChairOnly, RoundNotFound


def is_chair(user: User, contest: Contest) -> bool:
    """The contest's jury chair, or any admin."""
    if not user.is_authenticated:
        return False
    return user.has_role(Role.ADMIN) or contest.jury_chair_id == user.id


def require_chair(user: User, contest: Contest) -> None:
    """Raise ChairOnly unless the user chairs the jury (or is an admin)."""
    if not is_chair(user, contest):
        raise ChairOnly()


def is_contest_juror(user: User, contest: Contest) -> bool:
    """Whether the user sits on the contest's jury."""
    return (
        user.is_authenticated
        and db.session.scalar(
            select(StaffMembership.id).where(
                StaffMembership.contest_id == contest.id,
                StaffMembership.user_id == user.id,
                StaffMembership.role == StaffRole.JURY,
            )
        )
        is not None
    )


def round_juror(round_: JuryRound, user: User) -> RoundJuror | None:
    """The user's seat in the round, if they still have one."""
    if not user.is_authenticated:
        return None
    return db.session.scalar(
        select(RoundJuror).where(
            RoundJuror.round_id == round_.id, RoundJuror.user_id == user.id, RoundJuror.dropped_out_at.is_(None)
        )
    )


def require_round_juror(round_: JuryRound, user: User) -> RoundJuror:
    """The user's seat in a round that is visible to jurors; RoundNotFound otherwise (no hint it exists)."""
    seat = round_juror(round_, user)
    if seat is None or round_.assigned_at is None or not is_contest_juror(user, round_.contest):
        raise RoundNotFound()
    return seat


def set_jury_chair(contest: Contest, user: User | None, actor: User) -> None:
    """Make a juror of the contest its chair (None: no chair); audited."""
    if user is not None and not is_contest_juror(user, contest):
        raise ChairOnly(_l("The chair must be a member of this contest's jury."))
    before = {"jury_chair_id": contest.jury_chair_id}
    contest.jury_chair_id = user.id if user else None
    db.session.flush()
    after = {"jury_chair_id": contest.jury_chair_id}
    record_decision(actor, "jury.chair", "contest", contest.id, before=before, after=after, contest_id=contest.id)


def chair_may_view_asset(asset_id: str) -> bool:
    """Whether the current user chairs the contest of the entry holding this asset (the prize desk shows it)."""
    if not current_user.is_authenticated:
        return False
    contest = db.session.scalar(
        select(Contest).join(Entry, Entry.contest_id == Contest.id).join(EntryFile, EntryFile.entry_id == Entry.id)
        .where(EntryFile.asset_id == asset_id)
    )
    return contest is not None and is_chair(current_user, contest)
