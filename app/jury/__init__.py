"""Jury rounds: who judges what, the blind scoring screen, the chair's results, prizes and published results.

The pure parts (no Flask, no database) are `assignment` (who judges what) and `aggregation` (scores
into rankings); `models` holds the rows, `services` the rules, `views` the pages.
"""

from flask import Blueprint

bp = Blueprint("jury", __name__)

from app.jury import cli, models, views  # noqa: E402,F401  (metadata; routes; `flask jury ...` commands)
