"""Placeholder: filled in by the voting pages."""

from app.gallery import bp  # noqa: F401
