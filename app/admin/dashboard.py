"""The organisers' dashboard: the current contest at a glance, from a handful of aggregate queries."""

from __future__ import annotations

from flask import abort, render_template
from flask_babel import format_decimal

from app.admin import bp
from app.admin.access import moderator_required
from app.contest.labels import PROCESSING_STATE_LABELS
from app.contest.services import get_current_contest
from app.core.i18n import format_relative
from app.core.timeutil import utcnow
from app.entries.labels import KIND_LABELS, STATUS_LABELS
from app.entries.models import EntryStatus
from app.entries.services import accepted_kinds
from app.entries.services.statistics import DayCount, dashboard_figures
from app.media.models import ProcessingState

CHART_WIDTH = 600
CHART_HEIGHT = 160
CHART_LABEL_SPACE = 2


def bar_chart(days: list[DayCount]) -> dict:
    """Bars of an inline SVG chart (coordinates in a 600×160 view box), one per day."""
    top = max((d.count for d in days), default=0) or 1
    plot_height = CHART_HEIGHT - CHART_LABEL_SPACE
    step = CHART_WIDTH / max(len(days), 1)
    bars = []
    for n, day in enumerate(days):
        height = round(plot_height * day.count / top, 1)
        bars.append(
            {
                "x": round(n * step + step * 0.1, 1),
                "y": round(plot_height - height, 1),
                "width": round(max(step * 0.8, 1), 1),
                "height": height,
                "day": day.day,
                "count": day.count,
            }
        )
    return {
        "bars": bars,
        "max": top if days else 0,
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "baseline": plot_height,
    }


def human_bytes(size: int) -> str:
    """A size in bytes as people read it: 1.5 GB, 320 MB."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{format_decimal(round(value, 1))} {unit}"
        value /= 1024
    return f"{size} B"  # unreachable


@bp.get("")
@moderator_required
def dashboard():
    """Entries by category, kind and status; per day; processing; storage; what needs attention."""
    contest = get_current_contest()
    if contest is None:
        abort(404)
    now = utcnow()
    figures = dashboard_figures(contest, now)
    return render_template(
        "admin/dashboard.html",
        contest=contest,
        figures=figures,
        columns=[(c, accepted_kinds(c)) for c in contest.categories],
        statuses=list(EntryStatus),
        entries_chart=bar_chart(figures.entries_per_day),
        registrations_chart=bar_chart(figures.registrations_per_day),
        status_labels=STATUS_LABELS,
        kind_labels=KIND_LABELS,
        asset_states=[(s.value, PROCESSING_STATE_LABELS[s.value]) for s in ProcessingState],
        oldest_pending=format_relative(figures.oldest_pending_at, now) if figures.oldest_pending_at else None,
        storage=human_bytes(figures.storage_bytes),
    )
