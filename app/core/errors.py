"""Domain errors raised by services and the handlers that turn them into responses."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A rule of the domain was broken; carries a translated message and a status code."""

    status_code = 400
    code = "domain_error"
    default_message = _l("The request could not be completed.")

    def __init__(self, message=None, *, field: str | None = None) -> None:
        self.message = message or self.default_message
        self.field = field
        super().__init__(str(self.message))


class ValidationFailed(DomainError):
    """Input broke one or more rules; errors maps each field to its messages."""

    code = "validation_error"
    status_code = 422
    default_message = _l("Some of the information sent is not valid.")

    def __init__(self, errors: dict[str, list]) -> None:
        super().__init__()
        self.errors = errors


class InvalidCredentials(DomainError):
    """Login failed; the message never says whether the email exists."""

    code = "invalid_credentials"
    status_code = 401
    default_message = _l("The email or password is not correct.")


class AccountLocked(DomainError):
    """The account has been locked or is waiting for deletion."""

    code = "account_locked"
    status_code = 403
    default_message = _l("This account is locked. Contact the organisers if you think this is a mistake.")


class InvalidToken(DomainError):
    """A code or link is unknown, expired or already used."""

    code = "invalid_token"
    status_code = 400
    default_message = _l("This code or link is invalid, has expired or has already been used.")


class TooManyAttempts(DomainError):
    """Too many wrong codes were tried; a new code must be requested."""

    code = "too_many_attempts"
    status_code = 429
    default_message = _l("Too many wrong attempts. Request a new code and try again.")


def wants_json() -> bool:
    """Whether the caller is the JSON API, or a page's script sending or asking for JSON, rather than a page."""
    return request.path.startswith("/api/") or request.is_json or request.accept_mimetypes.best == "application/json"


def json_error(status: int, code: str, message, fields: dict | None = None):
    """The single JSON error shape of the API."""
    body = {"error": {"status": status, "code": code, "message": str(message)}}
    if fields:
        body["error"]["fields"] = fields
    return body, status


ERROR_TITLES = {
    400: _l("Bad request"),
    401: _l("Please log in"),
    403: _l("Access denied"),
    404: _l("Page not found"),
    405: _l("Method not allowed"),
    413: _l("Request too large"),
    422: _l("Invalid input"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
}
ERROR_MESSAGES = {
    400: _l("The request could not be understood."),
    401: _l("You need to log in to see this page."),
    403: _l("You do not have permission to do this."),
    404: _l("We could not find the page you asked for."),
    405: _l("This action is not allowed here."),
    413: _l("What you sent is larger than allowed."),
    422: _l("Some of the information sent is not valid."),
    429: _l("You have made too many requests. Please wait a moment and try again."),
    500: _l("An unexpected error happened on our side. It has been logged; please try again later."),
}


def render_error(status: int, message=None):
    """An error page in the visitor's language, or the JSON error shape for the API."""
    message = message or ERROR_MESSAGES.get(status, ERROR_MESSAGES[500])
    if wants_json():
        return json_error(status, f"http_{status}", message)
    title = ERROR_TITLES.get(status, ERROR_TITLES[500])
    return render_template("errors/error.html", status=status, title=title, message=message), status


# marshmallow's built-in messages, so the API's field errors are translated too.
SCHEMA_MESSAGES = {
    "Missing data for required field.": _l("This field is required."),
    "Field may not be null.": _l("This field cannot be empty."),
    "Unknown field.": _l("Unknown field."),
    "Not a valid string.": _l("Enter text."),
    "Not a valid boolean.": _l("Enter true or false."),
    "Not a valid date.": _l("Enter a date as YYYY-MM-DD."),
    "Not a valid integer.": _l("Enter a whole number."),
    "Invalid input type.": _l("The request body must be a JSON object."),
}


def _schema_errors(error: HTTPException) -> dict[str, list[str]] | None:
    """Field errors from webargs/marshmallow, flattened and translated."""
    messages = (getattr(error, "data", None) or {}).get("messages")
    if not messages:
        return None
    fields: dict[str, list[str]] = {}
    for location_errors in messages.values():
        items = location_errors.items() if isinstance(location_errors, dict) else [("_schema", location_errors)]
        for field, field_messages in items:
            if isinstance(field_messages, dict):  # nested or list index errors
                field_messages = [m for sub in field_messages.values() for m in sub]
            fields[str(field)] = [str(SCHEMA_MESSAGES.get(m, m)) for m in field_messages]
    return fields


def register_error_handlers(app: Flask) -> None:
    """Map HTTP errors, CSRF failures and domain errors to pages or JSON."""

    @app.errorhandler(CSRFError)
    def handle_csrf(error):
        return render_error(
            400, _l("Your form has expired or was not sent from this site. Reload the page and try again.")
        )

    @app.errorhandler(HTTPException)
    def handle_http(error: HTTPException):
        fields = _schema_errors(error)
        if fields and wants_json():
            return json_error(422, "validation_error", ERROR_MESSAGES[422], fields)
        # Keep the exception's own headers (Allow on 405, Retry-After on 429...); not its type.
        headers = [(name, value) for name, value in error.get_headers() if name.lower() != "content-type"]
        return *render_error(error.code or 500), headers

    @app.errorhandler(DomainError)
    def handle_domain(error: DomainError):
        if wants_json():
            fields = {error.field: [str(error.message)]} if error.field else None
            if isinstance(error, ValidationFailed):
                fields = {name: [str(m) for m in msgs] for name, msgs in error.errors.items()}
            return json_error(error.status_code, error.code, error.message, fields)
        return render_error(error.status_code, error.message)

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        return render_error(500)
