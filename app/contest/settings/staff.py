"""Contest staff: jury and secretariat, who may not enter the contest they serve."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.audit.services import record_decision
from app.auth.models import Role, User
from app.auth.services.admin import grant_user_role
from app.contest.models import (
    Contest,
    StaffMembership,
    StaffRole,
)
from app.core.errors import DomainError
from app.entries.models import ACTIVE_STATUSES, Entry
from app.extensions import db


class StaffRefused(DomainError):
    """Someone cannot be made jury or secretariat of this contest."""

    status_code = 409
    code = "staff_refused"


# ---------------------------------------------------------------------------- staff


def active_entry_count(contest: Contest, user: User) -> int:
    """How many entries the user has in the contest that still count."""
    return db.session.scalar(
        select(func.count(Entry.id)).where(
            Entry.contest_id == contest.id, Entry.entrant_id == user.id, Entry.status.in_(ACTIVE_STATUSES)
        )
    )


def add_staff_member(contest: Contest, user: User, role: StaffRole, actor: User) -> StaffMembership:
    """Put someone on a contest's jury or secretariat; refused while they have an entry in it."""
    if active_entry_count(contest, user):
        message = _l("%(name)s has entries in this contest and may not serve on its jury or secretariat.")
        raise StaffRefused(message % {"name": user.full_name})
    existing = db.session.scalar(
        select(StaffMembership).where(
            StaffMembership.contest_id == contest.id, StaffMembership.user_id == user.id, StaffMembership.role == role
        )
    )
    if existing is not None:
        return existing
    membership = StaffMembership(contest_id=contest.id, user_id=user.id, role=role)
    db.session.add(membership)
    if role == StaffRole.JURY:
        grant_user_role(user, Role.JUROR, actor)  # the juror's menu and pages follow the site role
    db.session.flush()
    record_decision(
        actor,
        "staff.add",
        "user",
        user.id,
        before={},
        after={"contest_id": contest.id, "role": role.value},
        contest_id=contest.id,
    )
    return membership


def remove_staff_member(membership: StaffMembership, actor: User) -> None:
    """Take someone off a contest's jury or secretariat (audited as staff.remove)."""
    record_decision(
        actor,
        "staff.remove",
        "user",
        membership.user_id,
        before={"contest_id": membership.contest_id, "role": membership.role.value},
        after={},
        contest_id=membership.contest_id,
    )
    db.session.delete(membership)
    db.session.flush()
