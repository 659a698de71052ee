"""Pure rules for account data: email canonical form, password strength, profile fields.

No Flask, no database: each function takes plain values and returns a list of
translated problems (empty when the value is fine), so forms, the API and services
share one definition.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from functools import lru_cache

from babel import Locale
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

FULL_NAME_MAX = 120
EMAIL_MAX = 254
PASSWORD_MIN = 10
PASSWORD_MAX = 128
PHONE_PATTERN = re.compile(r"^\+?[0-9(][0-9 ().-]{6,22}[0-9]$")
PHONE_MIN_DIGITS = 8
EARLIEST_BIRTH_DATE = date(1900, 1, 1)

# Providers that ignore dots (Gmail) or deliver name+tag to name (subaddressing).
DOT_INSENSITIVE_DOMAINS = {"gmail.com", "googlemail.com"}
DOMAIN_ALIASES = {"googlemail.com": "gmail.com"}
PLUS_TAG_DOMAINS = {
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "icloud.com",
    "me.com", "fastmail.com", "proton.me", "protonmail.com", "yandex.com", "zoho.com",
}


def normalise_text(value: str | None) -> str:
    """Trim and compose Unicode (NFC) so 'Nghệ' typed two ways is stored one way."""
    return unicodedata.normalize("NFC", (value or "").strip())


def canonical_email(email: str) -> str:
    """The form used for uniqueness: lower case, Gmail dots and +tags removed."""
    local, _, domain = normalise_text(email).lower().rpartition("@")
    domain = domain.rstrip(".")
    if domain in PLUS_TAG_DOMAINS:
        local = local.split("+", 1)[0]
    if domain in DOT_INSENSITIVE_DOMAINS:
        local = local.replace(".", "")
    domain = DOMAIN_ALIASES.get(domain, domain)
    return f"{local}@{domain}"


def email_problems(email: str) -> list:
    """Problems with an email address's syntax (no DNS look-up: the app may run offline)."""
    email = normalise_text(email)
    if not email:
        return [_l("Enter your email address.")]
    if len(email) > EMAIL_MAX:
        return [_l("An email address can be at most %(max)d characters.", max=EMAIL_MAX)]
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return [_l("Enter a valid email address, such as name@example.com.")]
    return []


def full_name_problems(full_name: str) -> list:
    """Problems with a full name; Vietnamese diacritics are kept exactly."""
    name = normalise_text(full_name)
    if not name:
        return [_l("Enter your full name.")]
    if len(name) > FULL_NAME_MAX:
        return [_l("A name can be at most %(max)d characters.", max=FULL_NAME_MAX)]
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        return [_l("The name contains characters that cannot be used.")]
    return []


def password_problems(password: str, *, user_inputs: list[str] = ()) -> list:
    """Problems with a new password: length and guessability (zxcvbn score 3 or more)."""
    if len(password or "") < PASSWORD_MIN:
        return [_l("Use at least %(min)d characters.", min=PASSWORD_MIN)]
    if len(password) > PASSWORD_MAX:
        return [_l("A password can be at most %(max)d characters.", max=PASSWORD_MAX)]
    hints = [part for value in user_inputs for part in re.split(r"[@.\s+_-]+", value or "") if part]
    if zxcvbn(password, user_inputs=hints)["score"] < 3:
        return [
            _l(
                "This password is too easy to guess. Use a longer phrase of unrelated words, "
                "and avoid your name, email or common passwords."
            )
        ]
    return []


def birth_date_problems(birth_date: date | None, today: date) -> list:
    """Problems with a birth date: required, in the past, plausible."""
    if birth_date is None:
        return [_l("Enter your date of birth.")]
    if birth_date > today:
        return [_l("The date of birth cannot be in the future.")]
    if birth_date < EARLIEST_BIRTH_DATE:
        return [_l("Enter a date of birth after 1900.")]
    return []


def nationality_problems(code: str) -> list:
    """Problems with a nationality: must be a known two-letter country code."""
    if (code or "").upper() not in country_codes():
        return [_l("Choose your nationality from the list.")]
    return []


def phone_problems(phone: str | None) -> list:
    """Problems with an optional phone number."""
    phone = normalise_text(phone)
    if phone and (not PHONE_PATTERN.match(phone) or sum(ch.isdigit() for ch in phone) < PHONE_MIN_DIGITS):
        return [_l("Enter a valid phone number, for example +84 912 345 678.")]
    return []


# Babel territory codes that are not countries: unknown, unions, pseudo-locales.
NOT_COUNTRIES = {"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB"}


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    """Two-letter codes of countries and territories known to Babel."""
    return frozenset(
        code
        for code in Locale("en").territories
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    )


@lru_cache(maxsize=8)
def country_choices(locale: str) -> tuple[tuple[str, str], ...]:
    """(code, name) pairs in the given language, Viet Nam first, then alphabetical."""
    names = Locale.parse(locale).territories
    codes = country_codes()
    pairs = sorted(((c, names.get(c, c)) for c in codes if c != "VN"), key=lambda p: p[1])
    return (("VN", names.get("VN", "Vietnam")), *pairs)
