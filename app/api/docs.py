"""A browsable page for the OpenAPI document, with Swagger UI served by the app (no CDN)."""

from __future__ import annotations

from flask import Blueprint, render_template, send_from_directory
from swagger_ui_bundle import swagger_ui_path

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1/docs")
SWAGGER_ASSETS = {"swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js"}


@bp.get("/")
def docs():
    """Swagger UI for /api/v1/openapi.json."""
    return render_template("api/docs.html")


@bp.get("/assets/<name>")
def asset(name: str):
    """The few Swagger UI files the page needs, from the swagger-ui-bundle package."""
    if name not in SWAGGER_ASSETS:
        return {"error": {"status": 404, "code": "http_404", "message": "Not found"}}, 404
    return send_from_directory(swagger_ui_path, name, max_age=60 * 60 * 24 * 7)
