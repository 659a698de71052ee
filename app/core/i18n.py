"""Languages: Vietnamese by default, English complete, the choice remembered."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from babel.dates import format_date, format_time, format_timedelta
from flask import current_app, request, session
from flask_babel import get_locale, get_translations
from flask_login import current_user
from jinja2 import pass_context
from jinja2.ext import _make_new_gettext, _make_new_ngettext, _make_new_npgettext, _make_new_pgettext

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


def localized(obj, field: str, locale: str | None = None) -> str:
    """obj.<field>_<lang> in `locale` (by default the active language), falling back to Vietnamese."""
    value = getattr(obj, f"{field}_{locale or current_locale()}", None)
    return value or getattr(obj, f"{field}_vi")


@pass_context
def localized_in_template(context, obj, field: str) -> str:
    """The `loc` filter: `localized` in the language the template is rendered in.

    That language is in the context (`current_locale`, put there by the app's context processor when
    the render starts, so `force_locale` is honoured); asking Flask-Babel each time walks its context
    lookups, and a gallery page asks 50 times.
    """
    return localized(obj, field, context.get("current_locale"))


def template_translations() -> dict:
    """A context processor: gettext and friends bound to this render's translations.

    Flask-Babel's Jinja callables look the translations up again on every `_()` (a dozen context
    lookups each; a page has dozens of strings, about a fifth of its rendering time). These are the
    same newstyle callables Jinja builds (autoescaping, %-formatting, `num` for plurals), bound once
    per render. Templates and macros rendered without this context fall back to Flask-Babel's.
    """
    translations = get_translations()
    return {
        "gettext": _make_new_gettext(translations.ugettext),
        "ngettext": _make_new_ngettext(translations.ungettext),
        "pgettext": _make_new_pgettext(translations.upgettext),
        "npgettext": _make_new_npgettext(translations.unpgettext),
    }


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
