"""Site-wide pages: language switch, privacy notice, health check."""

from __future__ import annotations

from flask import redirect, render_template, request, session
from flask_login import current_user

from app.core import bp
from app.core.i18n import SUPPORTED_LOCALES
from app.core.security import safe_next
from app.extensions import db


@bp.post("/language")
def set_language():
    """Remember the chosen language for this session and, when logged in, the account."""
    locale = request.form.get("locale", "")
    if locale in SUPPORTED_LOCALES:
        session["locale"] = locale
        if current_user.is_authenticated:
            current_user.locale = locale
            db.session.commit()
    return redirect(safe_next(request.form.get("next"), "/"))


@bp.get("/privacy")
def privacy():
    """The privacy notice every account consents to (decree 13/2023)."""
    return render_template("core/privacy.html")


@bp.get("/healthz")
def health():
    """Liveness probe for the proxy: answers without touching the database."""
    return {"status": "ok"}
