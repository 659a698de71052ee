"""The chair's prize desk: awards from the final ranking, the results preview and their publication.

Only the contest's jury chair or an admin may open these pages. Each POST calls one service,
commits and redirects; a refused decision rolls back and says why.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.contest.models import Contest
from app.core.errors import DomainError
from app.core.i18n import localized
from app.extensions import db
from app.jury import bp, prize_pages, services
from app.jury.services.notifications import notify_winners


def _desk_contest(slug: str) -> Contest:
    contest = prize_pages.contest_by_slug(slug)
    if contest is None:
        abort(404)
    services.require_chair(current_user, contest)
    return contest


def _refused(error: DomainError) -> None:
    db.session.rollback()
    flash(str(error.message), "error")


@bp.get("/jury/prizes/<slug>")
@login_required
def prize_desk(slug: str):
    """Each category's final round and ranking, the contest's prizes and who has them."""
    contest = _desk_contest(slug)
    return render_template("jury/prizes.html", **prize_pages.desk_context(contest))


@bp.post("/jury/prizes/<slug>/award")
@login_required
def prize_award(slug: str):
    """Give a prize to an entry of the final ranking (a tied entry needs the tie decision)."""
    contest = _desk_contest(slug)
    prize = prize_pages.prize_of(contest, request.form.get("prize_id", type=int) or 0)
    entry = prize_pages.entry_by_code(contest, request.form.get("entry_code", ""))
    if prize is None or entry is None:
        abort(404)
    try:
        services.award_prize(prize, entry, current_user, tie_note=request.form.get("tie_note", ""))
    except DomainError as error:
        _refused(error)
    else:
        db.session.commit()
        flash(_("%(prize)s awarded to %(code)s.", prize=localized(prize, "name"), code=entry.code), "success")
    return redirect(url_for("jury.prize_desk", slug=contest.slug))


@bp.post("/jury/prizes/<slug>/awards/<int:award_id>/revoke")
@login_required
def prize_revoke(slug: str, award_id: int):
    """Take a prize back, with a reason."""
    contest = _desk_contest(slug)
    award = prize_pages.award_of(contest, award_id)
    if award is None:
        abort(404)
    try:
        services.revoke_award(award, current_user, request.form.get("reason", ""))
    except DomainError as error:
        _refused(error)
    else:
        db.session.commit()
        flash(_("The prize was taken back."), "success")
    return redirect(url_for("jury.prize_desk", slug=contest.slug))


@bp.get("/jury/prizes/<slug>/preview")
@login_required
def results_preview(slug: str):
    """Exactly what the public page would show, and the canonical JSON that would be hashed."""
    contest = _desk_contest(slug)
    return render_template("jury/prizes_preview.html", **prize_pages.preview_context(contest))


@bp.post("/jury/prizes/<slug>/publish")
@login_required
def results_publish(slug: str):
    """Publish the results (a new version each time) and show the public page."""
    contest = _desk_contest(slug)
    if request.form.get("confirm") != "yes":
        flash(_("Tick the box to confirm that the results are final before publishing."), "error")
        return redirect(url_for("jury.results_preview", slug=contest.slug))
    try:
        publication = services.publish_results(contest, current_user, request.form.get("note", ""))
        notify_winners(publication)
    except DomainError as error:
        _refused(error)
        return redirect(url_for("jury.results_preview", slug=contest.slug))
    db.session.commit()
    flash(_("Results published (version %(version)d).", version=publication.version), "success")
    return redirect(url_for("jury.public_results", slug=contest.slug))
