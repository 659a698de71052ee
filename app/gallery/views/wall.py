"""Placeholder: filled in by the wall pages."""

from app.gallery import bp  # noqa: F401
