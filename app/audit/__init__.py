"""The audit log: append-only, hash-chained records of disputable decisions, and `flask audit`."""

from flask import Blueprint

bp = Blueprint("audit", __name__)

from app.audit import cli  # noqa: E402,F401  (registers commands on bp)
