"""Helpers shared by the settings services: field problems, normalising, audited changes."""

from __future__ import annotations

import re
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from app.core.errors import ValidationFailed

MB = 1024 * 1024
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
PREFIX_RE = re.compile(r"^[A-Z0-9]{2,12}$")
LETTER_RE = re.compile(r"^[A-Z0-9]{1,4}$")

REQUIRED = _l("This field is required.")


def add_problem(problems: dict[str, list], name: str, message) -> None:
    """Note a message against a field."""
    problems.setdefault(name, []).append(message)


def raise_if_problems(problems: dict[str, list]) -> None:
    """ValidationFailed with every field's messages, if there are any."""
    if problems:
        raise ValidationFailed(problems)


def audit_value(value):
    """A column value as the audit record keeps it (dates as ISO text, enums as their value)."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list):
        return list(value)
    return value.value if hasattr(value, "value") else value


def apply_changes(obj, values: dict) -> tuple[dict, dict]:
    """Set the values that differ; return (before, after) of only the changed fields."""
    before, after = {}, {}
    for name, value in values.items():
        old = getattr(obj, name)
        if old != value:
            before[name], after[name] = audit_value(old), audit_value(value)
            setattr(obj, name, value)
    return before, after


def normalise_slug(value: str) -> str:
    """A slug as stored: trimmed and lower case."""
    return (value or "").strip().lower()


def normalise_prefix(value: str) -> str:
    """An entry code prefix as stored: trimmed and upper case."""
    return (value or "").strip().upper()
