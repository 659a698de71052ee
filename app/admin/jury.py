"""Placeholder: round management pages under /admin/jury."""

from app.admin import bp  # noqa: F401
