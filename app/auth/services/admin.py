"""What admins do to accounts: grant and revoke roles, lock and unlock. Every change is audited."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select

from app.audit.services import record_decision
from app.auth.models import Role, User
from app.auth.services.account import grant_role, revoke_role
from app.auth.services.sessions import end_other_sessions
from app.core.errors import DomainError
from app.core.search import escape_like as _escape_like
from app.core.search import fold_for_search, lend_sqlite_translate
from app.core.search import folded_sql as _folded
from app.extensions import db


class SelfLockout(DomainError):
    """An admin tried to take away their own admin role or lock their own account."""

    status_code = 409
    code = "self_lockout"
    default_message = _l("You cannot remove your own admin role or lock your own account.")


def _roles(user: User) -> list[str]:
    return sorted(user.role_names)


def grant_user_role(user: User, role: Role, actor: User) -> None:
    """Give someone a site role (audited as user.role_grant); nothing happens if they hold it."""
    if role.value in user.role_names:
        return
    before = _roles(user)
    grant_role(user, role)
    record_decision(actor, "user.role_grant", "user", user.id, before={"roles": before}, after={"roles": _roles(user)})


def revoke_user_role(user: User, role: Role, actor: User) -> None:
    """Take a site role away (audited as user.role_revoke); an admin cannot drop their own admin role."""
    if role.value not in user.role_names:
        return
    if role == Role.ADMIN and user.id == actor.id:
        raise SelfLockout()
    before = _roles(user)
    revoke_role(user, role)
    record_decision(actor, "user.role_revoke", "user", user.id, before={"roles": before}, after={"roles": _roles(user)})


def lock_user(user: User, actor: User, reason: str = "") -> None:
    """Lock an account: it cannot log in, and every session and remember cookie it has ends now."""
    if user.id == actor.id:
        raise SelfLockout()
    if user.is_locked:
        return
    user.is_locked = True
    end_other_sessions(user)
    db.session.flush()
    record_decision(
        actor, "user.lock", "user", user.id, before={"is_locked": False}, after={"is_locked": True}, reason=reason
    )


def unlock_user(user: User, actor: User, reason: str = "") -> None:
    """Let a locked account log in again (audited as user.unlock)."""
    if not user.is_locked:
        return
    user.is_locked = False
    db.session.flush()
    record_decision(
        actor, "user.unlock", "user", user.id, before={"is_locked": True}, after={"is_locked": False}, reason=reason
    )


def search_users_query(text: str = "") -> Select:
    """Users whose name or email contains the text, ignoring case and Vietnamese diacritics; newest first."""
    query = select(User).order_by(User.created_at.desc(), User.id.desc())
    needle = fold_for_search(text)
    if not needle:
        return query
    if db.session.get_bind().dialect.name == "sqlite":
        _give_sqlite_translate()
    pattern = f"%{_escape_like(needle)}%"
    return query.where(
        or_(_folded(User.full_name).like(pattern, escape="\\"), _folded(User.email).like(pattern, escape="\\"))
    )


def _give_sqlite_translate() -> None:
    """SQLite has no translate(); lend it Python's on this session's connection (development only)."""
    lend_sqlite_translate(db.session.connection().connection.driver_connection)
