"""API: contests and their rules."""

from __future__ import annotations

from flask_smorest import Blueprint

from app.api.schemas import ApiErrorSchema, ContestSchema
from app.contest import services
from app.contest.services import ContestNotFound

blp = Blueprint("contests", __name__, url_prefix="/contests", description="Contests, categories and rules.")


@blp.get("/current")
@blp.response(200, ContestSchema)
@blp.alt_response(404, schema=ApiErrorSchema, description="No contest is running.")
def current_contest():
    """The current contest with its categories, file rules and prizes."""
    contest = services.get_current_contest()
    if contest is None:
        raise ContestNotFound()
    return contest


@blp.get("/<slug>")
@blp.response(200, ContestSchema)
@blp.alt_response(404, schema=ApiErrorSchema, description="No such published contest.")
def contest_by_slug(slug: str):
    """A published contest by its slug."""
    return services.get_public_contest(slug)
