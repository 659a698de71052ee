"""Placeholder: filled in by the reach pages."""

from app.gallery import bp  # noqa: F401
