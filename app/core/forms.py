"""Glue between service validation errors and WTForms fields."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm

from app.core.errors import DomainError, ValidationFailed


def show_errors_on_form(form: FlaskForm, error: DomainError) -> None:
    """Put a service's errors under the matching fields; the rest become a flash message."""
    errors = error.errors if isinstance(error, ValidationFailed) else {error.field: [error.message]}
    for name, messages in errors.items():
        field = getattr(form, name, None) if name else None
        if field is None:
            for message in messages:
                flash(str(message), "error")
            continue
        field.errors = list(field.errors) + [str(m) for m in messages]


def form_status(form: FlaskForm, error: DomainError | None = None) -> int:
    """The status to render a form page with: the domain error's, 422 on field errors, else 200."""
    if error is not None:
        return error.status_code
    return 422 if form.errors else 200
