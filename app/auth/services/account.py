"""The account page's rules: profile, personal-data export and deletion, roles, admins."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from app.auth import rules
from app.auth.models import Role, User, UserRole
from app.auth.services.lookup import find_user_by_email, raise_if_problems
from app.auth.services.sessions import end_other_sessions
from app.core.errors import (
    ValidationFailed,
)
from app.core.mail import send_mail_after_commit
from app.core.timeutil import utcnow
from app.extensions import db


@dataclass(frozen=True)
class ProfileChanges:
    """Fields a user may change on their account page."""

    full_name: str
    nationality: str
    phone: str | None
    locale: str


def update_profile(user: User, changes: ProfileChanges) -> None:
    """Change the editable parts of a profile."""
    raise_if_problems(
        {
            "full_name": rules.full_name_problems(changes.full_name),
            "nationality": rules.nationality_problems(changes.nationality),
            "phone": rules.phone_problems(changes.phone),
        }
    )
    user.full_name = rules.normalise_text(changes.full_name)
    user.nationality = changes.nationality.upper()
    user.phone = rules.normalise_text(changes.phone) or None
    if changes.locale in ("vi", "en"):
        user.locale = changes.locale
    db.session.flush()


def export_personal_data(user: User) -> dict:
    """Everything we hold about a person, as the decree's right of access requires."""
    return {
        "account": {
            "id": user.id,
            "email": user.email,
            "full_name": user.full_name,
            "birth_date": user.birth_date.isoformat(),
            "nationality": user.nationality,
            "phone": user.phone,
            "language": user.locale,
            "roles": sorted(user.role_names),
            "created_at": user.created_at.isoformat(),
            "email_verified_at": _iso(user.email_verified_at),
            "last_login_at": _iso(user.last_login_at),
            "password_changed_at": _iso(user.password_changed_at),
            "deletion_requested_at": _iso(user.deletion_requested_at),
        },
        "consents": [
            {"document": c.document, "version": c.version, "consented_at": c.consented_at.isoformat()}
            for c in user.consents
        ],
        "exported_at": utcnow().isoformat(),
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def request_account_deletion(user: User, password: str) -> None:
    """Record a deletion request, end all sessions and confirm by mail.

    The account is closed at once and erased after the grace period by
    `flask users purge-deleted`, so an organiser can still undo a mistaken request.
    """
    if not check_password_hash(user.password_hash, password or ""):
        raise ValidationFailed({"password": [_l("The password is not correct.")]})
    user.deletion_requested_at = utcnow()
    end_other_sessions(user)
    db.session.flush()
    send_mail_after_commit("deletion_requested", user.email, user.locale, user=user)


def purge_deleted_accounts(grace: timedelta) -> int:
    """Erase accounts whose deletion was requested longer ago than the grace period."""
    cutoff = utcnow() - grace
    users = db.session.scalars(
        select(User).where(User.deletion_requested_at.is_not(None), User.deletion_requested_at < cutoff)
    ).all()
    for user in users:
        db.session.delete(user)
    db.session.flush()
    return len(users)


def grant_role(user: User, role: Role) -> None:
    """Give a user a role (idempotent)."""
    if role.value not in user.role_names:
        user.roles.append(UserRole(role=role))
        db.session.flush()


def revoke_role(user: User, role: Role) -> None:
    """Take a role away from a user (idempotent)."""
    user.roles = [r for r in user.roles if str(r.role) != role.value]
    db.session.flush()


def create_admin(email: str, full_name: str, password: str | None = None) -> tuple[User, str]:
    """Create a verified admin; without a password, a one-time one is generated.

    A generated password must be changed at first login.
    """
    raise_if_problems({"email": rules.email_problems(email), "full_name": rules.full_name_problems(full_name)})
    if find_user_by_email(email) is not None:
        raise ValidationFailed({"email": [_l("An account with this email already exists.")]})
    one_time = password is None
    password = password or secrets.token_urlsafe(12)
    raise_if_problems({"password": rules.password_problems(password, user_inputs=[email, full_name])})
    user = User(
        email=rules.normalise_text(email),
        email_canonical=rules.canonical_email(email),
        password_hash=generate_password_hash(password),
        full_name=rules.normalise_text(full_name),
        birth_date=date(1970, 1, 1),
        nationality="VN",
        locale="vi",
        session_version=1,
        email_verified_at=utcnow(),
        must_change_password=one_time,
    )
    user.roles.append(UserRole(role=Role.ADMIN))
    db.session.add(user)
    db.session.flush()
    return user, password
