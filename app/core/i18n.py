"""Languages: Vietnamese by default, English complete, the choice remembered."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from babel.dates import format_date, format_time, format_timedelta
from flask import current_app, request, session
from flask_babel import get_locale
from flask_login import current_user

from app.core.timeutil import to_local

SUPPORTED_LOCALES = ("vi", "en")


def select_locale() -> str:
    """The visitor's language: their saved choice, then this session's, then Vietnamese.

    API clients that have made no choice get their Accept-Language header honoured.
    """
    if current_user and current_user.is_authenticated and current_user.locale in SUPPORTED_LOCALES:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in SUPPORTED_LOCALES:
        return chosen
    if request.path.startswith("/api/"):
        best = request.accept_languages.best_match(SUPPORTED_LOCALES)
        if best:
            return best
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def current_locale() -> str:
    """The active language code ('vi' or 'en')."""
    return str(get_locale() or "vi")


def localized(obj, field: str) -> str:
    """obj.<field>_<lang> in the active language, falling back to Vietnamese."""
    value = getattr(obj, f"{field}_{current_locale()}", None)
    return value or getattr(obj, f"{field}_vi")


def format_local_datetime(moment: datetime | None, tz_name: str) -> str:
    """A UTC instant shown in the contest's timezone and the visitor's language, to the minute."""
    if moment is None:
        return ""
    local = to_local(moment, tz_name)
    locale = current_locale()
    day = format_date(local, "long", locale=locale)
    return f"{day} {format_time(local, 'short', tzinfo=local.tzinfo, locale=locale)}"


def format_local_deadline(moment: datetime | None, tz_name: str) -> str:
    """Like format_local_datetime, but local midnight reads as 24:00 of the day that ends."""
    if moment is None:
        return ""
    local = to_local(moment, tz_name)
    if (local.hour, local.minute, local.second) != (0, 0, 0):
        return format_local_datetime(moment, tz_name)
    day = (local - timedelta(days=1)).date()
    return f"{format_date(day, 'long', locale=current_locale())} 24:00"


def format_local_date(day: date | None, fmt: str = "long") -> str:
    """A calendar date in the visitor's language."""
    if day is None:
        return ""
    return format_date(day, format=fmt, locale=current_locale())


def format_relative(moment: datetime, now: datetime) -> str:
    """'in 12 days' / '3 hours ago' in the visitor's language; days, never weeks or months."""
    delta = moment - now
    if abs(delta) >= timedelta(days=1):
        return format_timedelta(
            delta, granularity="day", threshold=100_000, add_direction=True, locale=current_locale()
        )
    return format_timedelta(delta, add_direction=True, threshold=1.0, locale=current_locale())
