"""Placeholder: filled in by the prizes pages."""

from app.jury import bp  # noqa: F401
