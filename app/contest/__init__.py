"""Contests: the landing page, rules, categories and the contest CLI."""

from flask import Blueprint

bp = Blueprint("contest", __name__)

from app.contest import cli, views  # noqa: E402,F401  (registers routes and commands on bp)
