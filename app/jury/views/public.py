"""The published results of a contest, open to anyone: winners, the SHA-256 and the exact bytes it covers.

Nothing is shown before the first publication (404 with a translated message). Once published, the
winning entries' web copies become public (a rule registered with the media pages).
"""

from __future__ import annotations

from flask import abort, current_app, render_template
from sqlalchemy import select

from app.contest.services import get_public_contest
from app.extensions import db
from app.jury import bp, prize_pages, services
from app.jury.models import ResultsPublication
from app.jury.services.prizes import is_published_winner_asset
from app.media.views import publish_derivatives_when

publish_derivatives_when(is_published_winner_asset)


@bp.get("/results/<slug>")
def public_results(slug: str):
    """The newest published results: prizes and winners per category, the hash, earlier versions."""
    contest = get_public_contest(slug)
    publication = services.require_publication(contest)
    return render_template("jury/public_results.html", **prize_pages.public_context(contest, publication))


@bp.get("/results/<slug>/v<int:version>.json")
def public_results_json(slug: str, version: int):
    """One published version's canonical JSON, byte for byte what was hashed."""
    contest = get_public_contest(slug)
    publication = db.session.scalar(
        select(ResultsPublication).where(
            ResultsPublication.contest_id == contest.id, ResultsPublication.version == version
        )
    )
    if publication is None:
        abort(404)
    response = current_app.response_class(
        publication.canonical_json.encode(), content_type="application/json; charset=utf-8"
    )
    response.headers["Content-Disposition"] = f'inline; filename="{contest.slug}-results-v{version}.json"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
