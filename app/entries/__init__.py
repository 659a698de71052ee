"""Entries: entering a work (single photo, photo series, video), "my entries", entry codes."""

from flask import Blueprint

bp = Blueprint("entries", __name__)

from app.entries import views  # noqa: E402,F401  (registers routes on bp)
