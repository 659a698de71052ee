"""Media: uploads, validation, derivatives and their processing jobs; knows nothing of contests."""

from flask import Blueprint

bp = Blueprint("media", __name__)

from app.media import cli, tasks, views  # noqa: E402,F401  (routes, commands and jobs)
