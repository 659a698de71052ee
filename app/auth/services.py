"""Account rules: registration, verification, login, password reset and change, personal data.

Services take plain validated data and model objects, flush but never commit, and
queue mail to go out only after the request's transaction commits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from app.auth import rules
from app.auth.models import Consent, Role, TokenPurpose, User, UserRole, UserToken
from app.core.errors import (
    AccountLocked,
    InvalidCredentials,
    InvalidToken,
    TooManyAttempts,
    ValidationFailed,
)
from app.core.mail import send_mail_after_commit
from app.core.timeutil import utcnow
from app.extensions import db

PRIVACY_DOCUMENT = "privacy_notice"
# A valid hash to check against when the email is unknown, so both paths take as long.
_DUMMY_HASH = generate_password_hash("not-a-real-password-but-same-cost")


@dataclass(frozen=True)
class Registration:
    """What a person submits to open an account."""

    full_name: str
    email: str
    password: str
    birth_date: date | None
    nationality: str
    phone: str | None
    accepts_privacy_notice: bool
    locale: str = "vi"


@dataclass(frozen=True)
class ProfileChanges:
    """Fields a user may change on their account page."""

    full_name: str
    nationality: str
    phone: str | None
    locale: str


def find_user_by_email(email: str) -> User | None:
    """The account whose canonical email matches, whatever its case, dots or +tag."""
    canonical = rules.canonical_email(email)
    if "\x00" in canonical:  # PostgreSQL text cannot hold NUL; no account can match it
        return None
    return db.session.scalar(select(User).where(User.email_canonical == canonical))


def _raise_if_problems(problems: dict[str, list]) -> None:
    problems = {field: msgs for field, msgs in problems.items() if msgs}
    if problems:
        raise ValidationFailed(problems)


def _registration_problems(data: Registration, today: date) -> dict[str, list]:
    problems = {
        "full_name": rules.full_name_problems(data.full_name),
        "email": rules.email_problems(data.email),
        "password": rules.password_problems(data.password, user_inputs=[data.email, data.full_name]),
        "birth_date": rules.birth_date_problems(data.birth_date, today),
        "nationality": rules.nationality_problems(data.nationality),
        "phone": rules.phone_problems(data.phone),
    }
    if not data.accepts_privacy_notice:
        problems["accepts_privacy_notice"] = [
            _l("You must accept the privacy notice to create an account.")
        ]
    return problems


def register_user(data: Registration) -> User | None:
    """Open an account and send a verification code.

    An address that already has an account gets a mail telling its owner so, and the
    caller gets the same result either way: nobody learns which emails are registered.
    Returns the new user, or None when the address was taken.
    """
    _raise_if_problems(_registration_problems(data, utcnow().date()))
    existing = find_user_by_email(data.email)
    if existing is not None:
        _notify_existing_account(existing)
        return None
    user = User(
        email=rules.normalise_text(data.email),
        email_canonical=rules.canonical_email(data.email),
        password_hash=generate_password_hash(data.password),
        full_name=rules.normalise_text(data.full_name),
        birth_date=data.birth_date,
        nationality=data.nationality.upper(),
        phone=rules.normalise_text(data.phone) or None,
        locale=data.locale if data.locale in ("vi", "en") else "vi",
        session_version=1,
    )
    user.consents.append(
        Consent(document=PRIVACY_DOCUMENT, version=current_app.config["PRIVACY_NOTICE_VERSION"])
    )
    db.session.add(user)
    db.session.flush()
    send_email_verification(user)
    return user


def _notify_existing_account(user: User) -> None:
    if not user.is_verified:
        send_email_verification(user)
        return
    send_mail_after_commit(
        "account_exists",
        user.email,
        user.locale,
        user=user,
        login_url=url_for("auth.login", _external=True),
        reset_url=url_for("auth.forgot_password", _external=True),
    )


def _digest(value: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def _issue_token(user: User, purpose: TokenPurpose, ttl: timedelta, with_code: bool) -> tuple[str, str | None]:
    """Create a single-use token (and optional 6-digit code); older ones stop working."""
    now = utcnow()
    for old in db.session.scalars(
        select(UserToken).where(
            UserToken.user_id == user.id, UserToken.purpose == purpose, UserToken.used_at.is_(None)
        )
    ):
        old.used_at = now
    token = secrets.token_urlsafe(32)
    code = f"{secrets.randbelow(1_000_000):06d}" if with_code else None
    db.session.add(
        UserToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=_digest(token),
            code_hash=_digest(f"{user.id}:{code}") if code else None,
            attempts=0,
            expires_at=now + ttl,
        )
    )
    db.session.flush()
    return token, code


def send_email_verification(user: User) -> None:
    """Send a fresh 6-digit code and confirmation link to the user's address."""
    ttl = timedelta(minutes=current_app.config["EMAIL_CODE_TTL_MINUTES"])
    token, code = _issue_token(user, TokenPurpose.VERIFY_EMAIL, ttl, with_code=True)
    send_mail_after_commit(
        "verify_email",
        user.email,
        user.locale,
        user=user,
        code=code,
        minutes=int(ttl.total_seconds() // 60),
        link=url_for("auth.confirm_email", token=token, _external=True),
    )


def _latest_usable_token(user: User, purpose: TokenPurpose, now: datetime) -> UserToken | None:
    token = db.session.scalar(
        select(UserToken)
        .where(UserToken.user_id == user.id, UserToken.purpose == purpose, UserToken.used_at.is_(None))
        .order_by(UserToken.id.desc())
    )
    return token if token is not None and token.is_usable(now) else None


def verify_email_with_code(email: str, code: str) -> User:
    """Confirm an address with the code mailed to it.

    A wrong code counts as an attempt; the caller must commit even when this raises
    InvalidToken, or the attempt limit would never be reached.
    """
    now = utcnow()
    user = find_user_by_email(email or "")
    token = _latest_usable_token(user, TokenPurpose.VERIFY_EMAIL, now) if user else None
    if token is None:
        raise InvalidToken(field="code")
    if token.attempts >= current_app.config["EMAIL_CODE_MAX_ATTEMPTS"]:
        raise TooManyAttempts(field="code")
    cleaned = "".join(ch for ch in (code or "") if ch.isdigit())
    if not hmac.compare_digest(token.code_hash or "", _digest(f"{user.id}:{cleaned}")):
        token.attempts += 1
        db.session.flush()
        raise InvalidToken(field="code")
    _mark_verified(user, token, now)
    return user


def find_token(raw_token: str, purpose: TokenPurpose) -> UserToken:
    """A usable token of the given purpose, without consuming it (for confirm pages)."""
    token = db.session.scalar(select(UserToken).where(UserToken.token_hash == _digest(raw_token or "")))
    if token is None or token.purpose != purpose or not token.is_usable(utcnow()):
        raise InvalidToken()
    return token


def verify_email_with_link(raw_token: str) -> User:
    """Confirm an address through the mailed link (after the person pressed confirm)."""
    token = find_token(raw_token, TokenPurpose.VERIFY_EMAIL)
    _mark_verified(token.user, token, utcnow())
    return token.user


def _mark_verified(user: User, token: UserToken, now: datetime) -> None:
    token.used_at = now
    if user.email_verified_at is None:
        user.email_verified_at = now
    db.session.flush()


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
    token, _ = _issue_token(user, TokenPurpose.RESET_PASSWORD, ttl, with_code=False)
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
    _raise_if_problems(
        {field: rules.password_problems(new_password, user_inputs=[user.email, user.full_name])}
    )
    user.password_hash = generate_password_hash(new_password)
    user.password_changed_at = utcnow()
    user.must_change_password = False
    end_other_sessions(user)


def end_other_sessions(user: User) -> None:
    """Invalidate every session and remember-me cookie issued before now."""
    user.session_version += 1


def update_profile(user: User, changes: ProfileChanges) -> None:
    """Change the editable parts of a profile."""
    _raise_if_problems(
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
    _raise_if_problems({"email": rules.email_problems(email), "full_name": rules.full_name_problems(full_name)})
    if find_user_by_email(email) is not None:
        raise ValidationFailed({"email": [_l("An account with this email already exists.")]})
    one_time = password is None
    password = password or secrets.token_urlsafe(12)
    _raise_if_problems({"password": rules.password_problems(password, user_inputs=[email, full_name])})
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


def load_user_from_session_id(session_id: str) -> User | None:
    """Flask-Login's loader: the user only if the session's version is still current."""
    user_id, _, version = (session_id or "").partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.session_version != int(version):
        return None
    return user
