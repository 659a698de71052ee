"""Placeholder: filled in by the juror pages."""

from app.jury import bp  # noqa: F401
