"""Decorators shared by the API's endpoints: protections and the error responses they add.

Each protection documents the error it can cause, so the OpenAPI document lists every
status a client (or a fuzzer such as schemathesis) can meet.
"""

from __future__ import annotations

from functools import wraps

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint

from app.api.schemas import ApiErrorSchema
from app.core.errors import DomainError
from app.extensions import limiter

CSRF_DESCRIPTION = "Missing or invalid X-CSRFToken header (get one from GET /api/v1/auth/csrf)."
RATE_LIMIT_DESCRIPTION = "Too many requests from this address; wait and try again."


def csrf_protected(blp: Blueprint, also: str | None = None):
    """Document the 400 that CSRFProtect answers to a POST without a valid X-CSRFToken.

    `also` names the endpoint's own reasons for a 400, which share the status code.
    """
    description = f"{also} Or: {CSRF_DESCRIPTION}" if also else CSRF_DESCRIPTION
    return blp.alt_response(400, schema=ApiErrorSchema, description=description)


def rate_limited(blp: Blueprint, setting: str, also: str | None = None):
    """Apply the Flask-Limiter limit named by a config key (read per request) and document its 429."""
    description = f"{RATE_LIMIT_DESCRIPTION} Or: {also}" if also else RATE_LIMIT_DESCRIPTION
    limit = limiter.limit(lambda: current_app.config[setting], methods=["POST"])
    document = blp.alt_response(429, schema=ApiErrorSchema, description=description)
    return lambda func: document(limit(func))


def verified_required(blp: Blueprint):
    """Require a logged-in account with a confirmed email, and document the 401 and 403."""

    def decorate(func):
        @wraps(func)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                raise NotLoggedIn()
            if not current_user.is_verified:
                raise EmailNotVerified()
            return func(*args, **kwargs)

        documented = blp.alt_response(401, schema=ApiErrorSchema, description="Not logged in.")(wrapper)
        return blp.alt_response(403, schema=ApiErrorSchema, description="Email not confirmed yet.")(documented)

    return decorate


class NotLoggedIn(DomainError):
    """The request needs a logged-in account."""

    status_code = 401
    code = "not_logged_in"
    default_message = _l("You need to log in to see this page.")


class EmailNotVerified(DomainError):
    """The account must confirm its email address first."""

    status_code = 403
    code = "email_not_verified"
    default_message = _l("Confirm your email address first.")
