"""The organisers' reach page: the public figures plus per-entry top lists, a period filter and a CSV."""

from __future__ import annotations

from flask import Response, abort, render_template, request, stream_with_context

from app.admin import bp
from app.admin.access import moderator_required
from app.contest.models import Contest
from app.contest.services import get_current_contest
from app.core.timeutil import utcnow
from app.extensions import db
from app.gallery.services.reach import Period, chosen_period, reach_csv, reach_figures, view_tally
from app.gallery.views.reach import figures_context
from app.storage import content_disposition


def _contest_and_period() -> tuple[Contest, Period]:
    """The contest named by ?contest=<id> (else the current one; 404 if none) and the ?from=&to= period."""
    contest_id = request.args.get("contest", type=int)
    contest = db.session.get(Contest, contest_id) if contest_id is not None else get_current_contest()
    if contest is None:
        abort(404)
    return contest, chosen_period(contest, request.args.get("from"), request.args.get("to"), utcnow())


@bp.get("/reach")
@moderator_required
def reach():
    """Views, votes and shares by day, language, country and referring site; the most viewed and shared entries."""
    contest, period = _contest_and_period()
    view_tally().flush()  # this worker's tallied views first; other workers' are at most a flush period behind
    figures = reach_figures(contest, period, per_entry=True, votes_per_entry=True)
    return render_template("admin/reach.html", contest=contest, period=period, **figures_context(figures))


@bp.get("/reach.csv")
@moderator_required
def reach_download():
    """The period's daily counters as UTF-8 CSV with a BOM (spreadsheet formulas neutralised)."""
    contest, period = _contest_and_period()
    if period.errors:
        abort(400)
    response = Response(stream_with_context(reach_csv(contest, period)), mimetype="text/csv")
    name = f"reach-{contest.slug}-{period.first.isoformat()}-{period.last.isoformat()}.csv"
    response.headers["Content-Disposition"] = content_disposition(name)
    response.headers["Cache-Control"] = "private, no-store"
    return response
