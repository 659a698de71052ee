"""Placeholder: filled in by the chair pages."""

from app.jury import bp  # noqa: F401
