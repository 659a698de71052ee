"""API: register, verify, log in and out, and "me" for API clients and the pages' JS.

Sessions are cookies, as for the pages; every POST needs the X-CSRFToken header that
GET /auth/csrf returns.
"""

from __future__ import annotations

from flask import session
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_smorest import Blueprint
from flask_wtf.csrf import generate_csrf

from app.api.common import csrf_protected, rate_limited
from app.api.schemas import (
    ApiErrorSchema,
    CsrfSchema,
    LoginSchema,
    MeSchema,
    MessageSchema,
    RegisterSchema,
    VerifySchema,
)
from app.auth import services
from app.core.errors import InvalidToken, TooManyAttempts
from app.extensions import db

blp = Blueprint("auth_api", __name__, url_prefix="/auth", description="Accounts and sessions.")
me_blp = Blueprint("me", __name__, url_prefix="/me", description="The logged-in account.")


@blp.get("/csrf")
@blp.response(200, CsrfSchema)
def csrf_token():
    """A CSRF token bound to this session, to send as X-CSRFToken on every POST."""
    return {"csrf_token": generate_csrf()}


@blp.post("/register")
@rate_limited(blp, "RATELIMIT_REGISTER")
@csrf_protected(blp)
@blp.arguments(RegisterSchema)
@blp.response(202, MessageSchema)
@blp.alt_response(422, schema=ApiErrorSchema, description="Invalid input.")
def register(data: dict):
    """Open an account; the answer is the same whether or not the email is taken."""
    services.register_user(services.Registration(**data))
    db.session.commit()
    return {"message": _("We have sent a 6-digit code to your email. Enter it below to finish.")}


@blp.post("/verify")
@rate_limited(blp, "RATELIMIT_VERIFY", also="Too many wrong codes: request a new one.")
@csrf_protected(blp, also="Wrong, expired or used code.")
@blp.arguments(VerifySchema)
@blp.response(200, MessageSchema)
def verify(data: dict):
    """Confirm an email address with the mailed 6-digit code."""
    try:
        services.verify_email_with_code(data["email"], data["code"])
    except (InvalidToken, TooManyAttempts):
        db.session.commit()  # keep the failed-attempt count
        raise
    db.session.commit()
    return {"message": _("Your email address is confirmed.")}


@blp.post("/login")
@rate_limited(blp, "RATELIMIT_LOGIN")
@csrf_protected(blp)
@blp.arguments(LoginSchema)
@blp.response(200, MeSchema)
@blp.alt_response(401, schema=ApiErrorSchema, description="Wrong email or password.")
@blp.alt_response(403, schema=ApiErrorSchema, description="The account is locked.")
def login(data: dict):
    """Log in and get a session cookie."""
    user = services.authenticate(data["email"], data["password"])
    db.session.commit()
    session.pop("locale", None)
    login_user(user, remember=data["remember"])
    return user


@blp.post("/logout")
@csrf_protected(blp)
@blp.response(204)
def logout():
    """End this session."""
    logout_user()


@me_blp.get("")
@login_required
@me_blp.response(200, MeSchema)
@me_blp.alt_response(401, schema=ApiErrorSchema, description="Not logged in.")
def me():
    """The logged-in account."""
    return current_user._get_current_object()
