"""The JSON API under /api/v1, documented by an OpenAPI 3 document generated from the code.

Each app gets its own flask-smorest Api object: it keeps per-app state (the spec), so a
module-level singleton would mix the specs of the several apps a test run creates.
"""

from __future__ import annotations

from flask import Flask
from flask_smorest import Api

from app.api import auth, contests, docs, entries, media, uploads
from app.api.schemas import ApiErrorSchema


class ContestApi(Api):
    """flask-smorest's Api without its app-wide error handler: ours serves pages and API.

    Its generated error responses (default, 422...) document our error shape, not flask-smorest's.
    """

    ERROR_SCHEMA = ApiErrorSchema

    def _register_error_handlers(self) -> None:
        """Errors are handled by app.core.errors for pages and API alike."""


def init_api(app: Flask) -> ContestApi:
    """Create the API for this app and register its blueprints."""
    api = ContestApi(
        app,
        spec_kwargs={
            "info": {
                "description": "Public API of the Happy Nghe An contest platform. "
                "State-changing requests need the session cookie and an X-CSRFToken header "
                "from GET /api/v1/auth/csrf.",
            },
        },
    )
    api.spec.components.security_scheme(
        "session", {"type": "apiKey", "in": "cookie", "name": "session"}
    )
    for blueprint in (contests.blp, auth.blp, auth.me_blp, uploads.blp, media.blp, entries.blp):
        api.register_blueprint(blueprint, url_prefix=f"/api/v1{blueprint.url_prefix or ''}")
    app.register_blueprint(docs.bp)
    return api
