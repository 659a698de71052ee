"""Public contest pages: the landing page and the full rules."""

from __future__ import annotations

from flask import render_template
from flask_login import current_user, login_required

from app.contest import bp, services
from app.contest.labels import (
    FORMAT_LABELS,
    MEDIA_TYPE_LABELS,
    MILESTONE_LABELS,
    NEXT_DEADLINE_LABELS,
    PHASE_LABELS,
    PROCESSING_STATE_LABELS,
)
from app.core.i18n import format_relative
from app.core.timeutil import utcnow
from app.media import services as media_services


@bp.get("/")
def landing():
    """The current contest's landing page, or a notice that none is running."""
    contest = services.get_current_contest()
    if contest is None:
        return render_template("contest/no_contest.html")
    return _render_landing(contest)


@bp.get("/contests/<slug>")
def contest_page(slug: str):
    """Any published contest's landing page, including past ones."""
    return _render_landing(services.get_public_contest(slug))


@bp.get("/contests/<slug>/rules")
def rules(slug: str):
    """The full rules of a contest."""
    contest = services.get_public_contest(slug)
    return render_template("contest/rules.html", contest=contest)


def _render_landing(contest):
    now = utcnow()
    deadline = services.next_deadline(contest, now)
    deadline_text = (
        NEXT_DEADLINE_LABELS[deadline.key] % {"when": format_relative(deadline.at, now)} if deadline else None
    )
    return render_template(
        "contest/landing.html",
        contest=contest,
        phase=services.contest_phase(contest, now),
        timeline=services.timeline(contest, now),
        next_deadline=deadline,
        next_deadline_text=deadline_text,
        phase_labels=PHASE_LABELS,
        milestone_labels=MILESTONE_LABELS,
        media_type_labels=MEDIA_TYPE_LABELS,
        format_labels=FORMAT_LABELS,
    )


@bp.get("/my-files")
@login_required
def my_files():
    """The user's uploaded files with the resumable uploader for the current contest."""
    return render_template(
        "contest/my_files.html",
        contest=services.get_current_contest(),
        assets=media_services.list_assets(current_user),
        asset_message=media_services.asset_message,
        state_labels=PROCESSING_STATE_LABELS,
    )
