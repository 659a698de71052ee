"""Placeholder: filled in by the browse pages."""

from app.gallery import bp  # noqa: F401
