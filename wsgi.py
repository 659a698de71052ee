"""Entry point for gunicorn and `flask --app wsgi`: the app built from the environment."""

from app import create_app

app = create_app()
