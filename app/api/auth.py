"""API: register, verify, log in and out, and "me" for API clients and the pages' JS.

Sessions are cookies, as for the pages; every POST needs the X-CSRFToken header that
GET /auth/csrf returns.
"""

from __future__ import annotations

from flask import current_app, session
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from flask_smorest import Blueprint
from flask_wtf.csrf import generate_csrf

from app.api.schemas import (
    CsrfSchema,
    ApiErrorSchema,
    LoginSchema,
    MeSchema,
    MessageSchema,
    RegisterSchema,
    VerifySchema,
)
from app.auth import services
from app.core.errors import InvalidToken, TooManyAttempts
from app.extensions import db, limiter

blp = Blueprint("auth_api", __name__, url_prefix="/auth", description="Accounts and sessions.")
me_blp = Blueprint("me", __name__, url_prefix="/me", description="The logged-in account.")


def _limit(setting: str):
    return limiter.limit(lambda: current_app.config[setting], methods=["POST"])


@blp.get("/csrf")
@blp.response(200, CsrfSchema)
def csrf_token():
    """A CSRF token bound to this session, to send as X-CSRFToken on every POST."""
    return {"csrf_token": generate_csrf()}


@blp.post("/register")
@_limit("RATELIMIT_REGISTER")
@blp.arguments(RegisterSchema)
@blp.response(202, MessageSchema)
@blp.alt_response(422, schema=ApiErrorSchema, description="Invalid input.")
def register(data: dict):
    """Open an account; the answer is the same whether or not the email is taken."""
    services.register_user(services.Registration(**data))
    db.session.commit()
    return {"message": _("We have sent a 6-digit code to your email. Enter it below to finish.")}


@blp.post("/verify")
@_limit("RATELIMIT_VERIFY")
@blp.arguments(VerifySchema)
@blp.response(200, MessageSchema)
@blp.alt_response(400, schema=ApiErrorSchema, description="Wrong, expired or used code.")
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
@_limit("RATELIMIT_LOGIN")
@blp.arguments(LoginSchema)
@blp.response(200, MeSchema)
@blp.alt_response(401, schema=ApiErrorSchema, description="Wrong email or password.")
def login(data: dict):
    """Log in and get a session cookie."""
    user = services.authenticate(data["email"], data["password"])
    db.session.commit()
    session.pop("locale", None)
    login_user(user, remember=data["remember"])
    return user


@blp.post("/logout")
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
