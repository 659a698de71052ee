"""Opening an account and confirming its email address."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.security import generate_password_hash

from app.auth import rules
from app.auth.models import Consent, TokenPurpose, User, UserToken
from app.auth.services.lookup import find_user_by_email, raise_if_problems
from app.auth.services.tokens import digest, find_token, issue_token, latest_usable_token
from app.core.errors import (
    InvalidToken,
    TooManyAttempts,
)
from app.core.mail import send_mail_after_commit
from app.core.timeutil import utcnow
from app.extensions import db

PRIVACY_DOCUMENT = "privacy_notice"


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
        problems["accepts_privacy_notice"] = [_l("You must accept the privacy notice to create an account.")]
    return problems


def register_user(data: Registration) -> User | None:
    """Open an account and send a verification code.

    An address that already has an account gets a mail telling its owner so, and the
    caller gets the same result either way: nobody learns which emails are registered.
    Returns the new user, or None when the address was taken.
    """
    raise_if_problems(_registration_problems(data, utcnow().date()))
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
    user.consents.append(Consent(document=PRIVACY_DOCUMENT, version=current_app.config["PRIVACY_NOTICE_VERSION"]))
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


def send_email_verification(user: User) -> None:
    """Send a fresh 6-digit code and confirmation link to the user's address."""
    ttl = timedelta(minutes=current_app.config["EMAIL_CODE_TTL_MINUTES"])
    token, code = issue_token(user, TokenPurpose.VERIFY_EMAIL, ttl, with_code=True)
    send_mail_after_commit(
        "verify_email",
        user.email,
        user.locale,
        user=user,
        code=code,
        minutes=int(ttl.total_seconds() // 60),
        link=url_for("auth.confirm_email", token=token, _external=True),
    )


def verify_email_with_code(email: str, code: str) -> User:
    """Confirm an address with the code mailed to it.

    A wrong code counts as an attempt; the caller must commit even when this raises
    InvalidToken, or the attempt limit would never be reached.
    """
    now = utcnow()
    user = find_user_by_email(email or "")
    token = latest_usable_token(user, TokenPurpose.VERIFY_EMAIL, now) if user else None
    if token is None:
        raise InvalidToken(field="code")
    if token.attempts >= current_app.config["EMAIL_CODE_MAX_ATTEMPTS"]:
        raise TooManyAttempts(field="code")
    cleaned = "".join(ch for ch in (code or "") if ch.isdigit())
    if not hmac.compare_digest(token.code_hash or "", digest(f"{user.id}:{cleaned}")):
        token.attempts += 1
        db.session.flush()
        raise InvalidToken(field="code")
    _mark_verified(user, token, now)
    return user


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
