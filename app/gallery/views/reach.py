"""Reach: counting page views, and the public statistics page /statistics/<contest>.

Page views are counted once the page has been built: `record_view` adds the view to the process's
tally at the end of the request (a page that fails is not counted), and the tally is written in one
batch every REACH_VIEW_FLUSH_SECONDS (see ViewTally), after the request's own transaction ended.
"""

from __future__ import annotations

from datetime import date

from flask import Response, after_this_request, render_template, request

from app.contest.models import Contest
from app.core.timeutil import utcnow
from app.entries.models import Entry
from app.extensions import db
from app.gallery import bp, services
from app.gallery.models import ReachEvent
from app.gallery.services.reach import (
    DayFigures,
    Part,
    default_period,
    flush_views_if_due,
    reach_figures,
    tally_view,
    view_tally,
)

CHART_WIDTH = 600
CHART_HEIGHT = 160
SERIES = ("gallery_views", "entry_views", "votes", "shares")


def record_view(contest: Contest, entry: Entry | None = None) -> None:
    """Count this GET of the gallery (no entry) or of an entry page, after the page is built."""
    if request.method != "GET" or "prefetch" in request.headers.get("Sec-Purpose", request.headers.get("Purpose", "")):
        return
    event = ReachEvent.ENTRY_VIEW if entry is not None else ReachEvent.GALLERY_VIEW

    @after_this_request
    def count(response: Response) -> Response:
        if response.status_code < 400 and tally_view(contest, event, entry=entry):
            db.session.rollback()  # the page's read-only transaction ends; the flush commits on its own
            flush_views_if_due()
        return response


def day_chart(days: list[DayFigures], series: str) -> dict:
    """Bars of an inline SVG chart (coordinates in a 600×160 view box), one per day, for one series."""
    counts: list[tuple[date, int]] = [(d.day, getattr(d, series)) for d in days]
    top = max((n for _day, n in counts), default=0) or 1
    step = CHART_WIDTH / max(len(counts), 1)
    bars = []
    for i, (day, n) in enumerate(counts):
        height = round((CHART_HEIGHT - 2) * n / top, 1)
        bars.append(
            {
                "x": round(i * step + step * 0.1, 1),
                "y": round(CHART_HEIGHT - 2 - height, 1),
                "width": round(max(step * 0.8, 0.5), 2),
                "height": height,
                "day": day,
                "count": n,
            }
        )
    return {
        "series": series,
        "bars": bars,
        "max": max((n for _day, n in counts), default=0),
        "total": sum(n for _day, n in counts),
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "baseline": CHART_HEIGHT - 2,
    }


def shares_of(parts: list[Part]) -> list[dict]:
    """A breakdown's rows with each part's percentage of the whole (for the bar widths)."""
    whole = sum(part.count for part in parts) or 1
    return [{"label": p.label, "count": p.count, "percent": round(100 * p.count / whole, 1)} for p in parts]


def figures_context(figures) -> dict:
    """What both statistics pages render: the charts and the breakdowns."""
    return {
        "figures": figures,
        "charts": [day_chart(figures.days, series) for series in SERIES],
        "by_language": shares_of(figures.languages),
        "by_country": shares_of(figures.countries),
        "by_referrer": shares_of(figures.referrers),
    }


@bp.get("/statistics/<slug>")
def statistics(slug: str):
    """The contest's public reach: views, votes and shares by day, language, country and referring site."""
    now = utcnow()
    contest = services.require_open_gallery(slug, now)
    show_votes = services.counts_are_public(contest, now)  # per-entry votes only once counts are public
    view_tally().flush()  # this worker's tallied views first; other workers' are at most a flush period behind
    figures = reach_figures(contest, default_period(contest, now), votes_per_entry=show_votes)
    return render_template("gallery/statistics.html", contest=contest, **figures_context(figures))
