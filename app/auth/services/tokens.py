"""Single-use secrets sent by mail (codes and links): only their keyed hashes are stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from app.auth.models import TokenPurpose, User, UserToken
from app.core.errors import (
    InvalidToken,
)
from app.core.timeutil import utcnow
from app.extensions import db


def digest(value: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, value.encode(), hashlib.sha256).hexdigest()


def issue_token(user: User, purpose: TokenPurpose, ttl: timedelta, with_code: bool) -> tuple[str, str | None]:
    """Create a single-use token (and optional 6-digit code); older ones stop working."""
    now = utcnow()
    for old in db.session.scalars(
        select(UserToken).where(UserToken.user_id == user.id, UserToken.purpose == purpose, UserToken.used_at.is_(None))
    ):
        old.used_at = now
    token = secrets.token_urlsafe(32)
    code = f"{secrets.randbelow(1_000_000):06d}" if with_code else None
    db.session.add(
        UserToken(
            user_id=user.id,
            purpose=purpose,
            token_hash=digest(token),
            code_hash=digest(f"{user.id}:{code}") if code else None,
            attempts=0,
            expires_at=now + ttl,
        )
    )
    db.session.flush()
    return token, code


def latest_usable_token(user: User, purpose: TokenPurpose, now: datetime) -> UserToken | None:
    token = db.session.scalar(
        select(UserToken)
        .where(UserToken.user_id == user.id, UserToken.purpose == purpose, UserToken.used_at.is_(None))
        .order_by(UserToken.id.desc())
    )
    return token if token is not None and token.is_usable(now) else None


def find_token(raw_token: str, purpose: TokenPurpose) -> UserToken:
    """A usable token of the given purpose, without consuming it (for confirm pages)."""
    token = db.session.scalar(select(UserToken).where(UserToken.token_hash == digest(raw_token or "")))
    if token is None or token.purpose != purpose or not token.is_usable(utcnow()):
        raise InvalidToken()
    return token
