"""Finding accounts and turning rule problems into one validation error."""

from __future__ import annotations

from sqlalchemy import select

from app.auth import rules
from app.auth.models import User
from app.core.errors import (
    ValidationFailed,
)
from app.extensions import db


def find_user_by_email(email: str) -> User | None:
    """The account whose canonical email matches, whatever its case, dots or +tag."""
    canonical = rules.canonical_email(email)
    if "\x00" in canonical:  # PostgreSQL text cannot hold NUL; no account can match it
        return None
    return db.session.scalar(select(User).where(User.email_canonical == canonical))


def raise_if_problems(problems: dict[str, list]) -> None:
    problems = {field: msgs for field, msgs in problems.items() if msgs}
    if problems:
        raise ValidationFailed(problems)
