"""The organisers' desk under /admin: dashboard, moderation, duplicates, settings, people,
messages, audit log and exports. Views only: the rules live in the features' services."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from app.admin import (  # noqa: E402,F401  (each module registers its routes on bp)
    audit_log,
    dashboard,
    duplicates,
    exports,
    jury,
    messages,
    moderation,
    people,
    reach,
    settings,
    votes,
)
