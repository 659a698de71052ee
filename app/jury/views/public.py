"""Placeholder: filled in by the public pages."""

from app.jury import bp  # noqa: F401
