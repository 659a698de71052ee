"""Accounts, roles, consents and single-use tokens."""

from __future__ import annotations

import enum
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.models import string_enum
from app.core.timeutil import UTCDateTime, utcnow
from app.extensions import db


class Role(enum.StrEnum):
    """Site-wide roles beyond the default entrant."""

    JUROR = "juror"
    MODERATOR = "moderator"
    ADMIN = "admin"


class TokenPurpose(enum.StrEnum):
    """What a single-use token proves."""

    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"


class User(UserMixin, db.Model):
    """A person with an account: entrant by default, optionally juror, moderator or admin."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("length(full_name) > 0", name="full_name_not_empty"),
        CheckConstraint("session_version > 0", name="session_version_positive"),
        CheckConstraint("locale IN ('vi', 'en')", name="locale_supported"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    email_canonical: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(120))
    birth_date: Mapped[date] = mapped_column(Date)
    nationality: Mapped[str] = mapped_column(String(2))
    phone: Mapped[str | None] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(5), default="vi")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped on password change or lock: every session and remember cookie carries it.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    must_change_password: Mapped[bool] = mapped_column(default=False)
    is_locked: Mapped[bool] = mapped_column(default=False)
    deletion_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    consents: Mapped[list[Consent]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="Consent.consented_at"
    )

    def get_id(self) -> str:
        """Session identity: id plus session version, so a bump logs out other sessions."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return not self.is_locked and self.deletion_requested_at is None

    @property
    def is_verified(self) -> bool:
        """Whether the email address has been confirmed."""
        return self.email_verified_at is not None

    @property
    def role_names(self) -> set[str]:
        """The roles held, as plain strings."""
        return {str(r.role) for r in self.roles}

    def has_role(self, role: Role | str) -> bool:
        """Whether the user holds the role; admins hold every role."""
        names = self.role_names
        return Role.ADMIN.value in names or str(role) in names


class UserRole(db.Model):
    """One role held by one user."""

    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(string_enum(Role, "role"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="roles")


class Consent(db.Model):
    """A record that a user agreed to a given version of a document (decree 13/2023)."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    document: Mapped[str] = mapped_column(String(40))
    version: Mapped[str] = mapped_column(String(40))
    consented_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="consents")


class UserToken(db.Model):
    """A single-use secret sent by email; only its hash is stored."""

    __tablename__ = "user_tokens"
    __table_args__ = (
        Index("ix_user_tokens_user_purpose", "user_id", "purpose"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    purpose: Mapped[TokenPurpose] = mapped_column(string_enum(TokenPurpose, "token_purpose"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()

    def is_usable(self, now: datetime) -> bool:
        """Unused and not expired."""
        return self.used_at is None and now < self.expires_at
