"""Cross-cutting pieces every feature uses: errors, time, mail, security, languages."""

from flask import Blueprint

bp = Blueprint("core", __name__)

from app.core import views  # noqa: E402,F401  (registers routes on bp)
