"""Logging in, sessions that end on password change, password reset and change."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from app.auth import rules
from app.auth.models import TokenPurpose, User
from app.auth.services.lookup import find_user_by_email, raise_if_problems
from app.auth.services.tokens import find_token, issue_token
from app.core.errors import (
    AccountLocked,
    InvalidCredentials,
    ValidationFailed,
)
from app.core.mail import send_mail_after_commit
from app.core.timeutil import utcnow
from app.extensions import db

# A valid hash to check against when the email is unknown, so both paths take as long.
_DUMMY_HASH = generate_password_hash("not-a-real-password-but-same-cost")


def authenticate(email: str, password: str) -> User:
    """The user with this email and password, or InvalidCredentials (same for unknown emails)."""
    user = find_user_by_email(email or "")
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        raise InvalidCredentials()
    if not check_password_hash(user.password_hash, password or ""):
        raise InvalidCredentials()
    if not user.is_active:
        raise AccountLocked()
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def request_password_reset(email: str) -> None:
    """Mail a reset link if the address has an active account; silent otherwise."""
    user = find_user_by_email(email or "")
    if user is None or not user.is_active:
        return
    ttl = timedelta(minutes=current_app.config["PASSWORD_RESET_TTL_MINUTES"])
    token, _ = issue_token(user, TokenPurpose.RESET_PASSWORD, ttl, with_code=False)
    send_mail_after_commit(
        "reset_password",
        user.email,
        user.locale,
        user=user,
        minutes=int(ttl.total_seconds() // 60),
        link=url_for("auth.reset_password", token=token, _external=True),
    )


def reset_password(raw_token: str, new_password: str) -> User:
    """Set a new password with a reset token; the token is spent and other sessions end."""
    token = find_token(raw_token, TokenPurpose.RESET_PASSWORD)
    user = token.user
    _set_password(user, new_password, field="password")
    token.used_at = utcnow()
    # Following the mailed link proves the address too.
    if user.email_verified_at is None:
        user.email_verified_at = token.used_at
    db.session.flush()
    return user


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Change a password after checking the current one; other sessions end."""
    if not check_password_hash(user.password_hash, current_password or ""):
        raise ValidationFailed({"current_password": [_l("The current password is not correct.")]})
    _set_password(user, new_password, field="new_password")
    db.session.flush()


def _set_password(user: User, new_password: str, field: str) -> None:
    raise_if_problems({field: rules.password_problems(new_password, user_inputs=[user.email, user.full_name])})
    user.password_hash = generate_password_hash(new_password)
    user.password_changed_at = utcnow()
    user.must_change_password = False
    end_other_sessions(user)


def end_other_sessions(user: User) -> None:
    """Invalidate every session and remember-me cookie issued before now."""
    user.session_version += 1


def load_user_from_session_id(session_id: str) -> User | None:
    """Flask-Login's loader: the user only if the session's version is still current."""
    user_id, _, version = (session_id or "").partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    # Roles in the same query (they are read on nearly every page): one round trip per request, not two.
    user = db.session.get(User, int(user_id), options=[joinedload(User.roles)])
    if user is None or user.session_version != int(version):
        return None
    return user
