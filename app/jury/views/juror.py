"""The juror's pages: their rounds, the blind scoring screen, its autosave API, blind media, conflicts, confirming.

Each view: load (404), check the seat (404: another juror's review looks like none), validate,
call one service, commit, respond. Pages never carry the entrant, the entry's id or code, file
names or upload times; media come only from /jury/media/<review token>/..., see `juror_pages`.
"""

from __future__ import annotations

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.core.errors import DomainError
from app.extensions import db
from app.jury import bp, juror_pages, services
from app.jury.models import JuryRound, RoundJuror
from app.media.views import send_stored


def _round_and_seat(round_id: int) -> tuple[JuryRound, RoundJuror]:
    """The round and the current user's seat in it; 404 when either is missing."""
    round_ = db.session.get(JuryRound, round_id)
    if round_ is None:
        abort(404)
    return round_, services.require_round_juror(round_, current_user)


def _only_unscored() -> bool:
    return request.args.get("unscored") == "1"


@bp.get("/jury")
@login_required
def my_rounds():
    """The rounds the juror judges, with their progress in each."""
    if not juror_pages.is_juror(current_user):
        abort(403)
    return render_template("jury/juror_rounds.html", rows=juror_pages.juror_rounds(current_user))


@bp.get("/jury/rounds/<int:round_id>")
@login_required
def round_screen(round_id: int):
    """The scoring screen at the juror's first entry still without their marks."""
    round_, _seat = _round_and_seat(round_id)
    position = juror_pages.first_unscored_position(round_, current_user)
    if position is None:
        return render_template("jury/juror_empty.html", round=round_)
    return redirect(juror_pages.screen_url(round_, position, _only_unscored()))


@bp.route("/jury/rounds/<int:round_id>/<int:position>", methods=["GET", "POST"])
@login_required
def review_screen(round_id: int, position: int):
    """One entry of the juror's order; the form posts here when scripts are off (redirect after POST)."""
    round_, seat = _round_and_seat(round_id)
    review = juror_pages.review_at(round_, current_user, position)
    if request.method == "POST":
        try:
            data = juror_pages.review_input_from_form(round_, request.form)
            services.save_review(review, current_user, data)
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "error")
            context = juror_pages.screen_context(round_, seat, review, _only_unscored())
            return render_template("jury/juror_screen.html", **context), error.status_code
        db.session.commit()
        flash(_("Saved."), "success")
        return redirect(juror_pages.after_save_url(round_, current_user, review, request.form, _only_unscored()))
    context = juror_pages.screen_context(round_, seat, review, _only_unscored())
    return render_template("jury/juror_screen.html", **context)


@bp.route("/jury/rounds/<int:round_id>/reviews/<token>", methods=["GET", "POST"])
@login_required
def review_api(round_id: int, token: str):
    """The juror's own review as JSON; POST saves what changed (autosave) and returns the new state."""
    round_, seat = _round_and_seat(round_id)
    review = services.review_for(round_, current_user, token)
    if request.method == "POST":
        data = juror_pages.review_input_from_json(request.get_json(silent=True))
        services.save_review(review, current_user, data)
        db.session.commit()
    return jsonify(juror_pages.review_state(round_, seat, review))


@bp.get("/jury/media/<token>/<int:file_position>/<name>")
@login_required
def review_media(token: str, file_position: int, name: str):
    """A metadata-free web copy of a file of the juror's active review, sent without revealing its storage."""
    stored = juror_pages.blind_media_file(current_user, token, file_position, name)
    if stored is None:
        abort(404)
    return send_stored(stored, blind=True)


@bp.post("/jury/rounds/<int:round_id>/reviews/<token>/conflict")
@login_required
def declare_conflict(round_id: int, token: str):
    """The juror cannot judge this entry fairly: it leaves their list (with the reason recorded)."""
    round_, _seat = _round_and_seat(round_id)
    review = services.review_for(round_, current_user, token)
    try:
        services.declare_conflict(review, current_user, request.form.get("reason", ""))
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return redirect(juror_pages.screen_url(round_, review.position, False))
    db.session.commit()
    flash(_("Conflict of interest recorded: the entry has left your list."), "success")
    return redirect(url_for("jury.round_screen", round_id=round_.id))


@bp.route("/jury/rounds/<int:round_id>/confirm", methods=["GET", "POST"])
@login_required
def confirm(round_id: int):
    """The end of the round for a juror: confirm every mark (after that only the chair can reopen)."""
    round_, seat = _round_and_seat(round_id)
    status = 200
    if request.method == "POST":
        try:
            services.confirm_scores(round_, current_user)
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "error")
            status = error.status_code
        else:
            db.session.commit()
            flash(_("Your scores are confirmed. Thank you!"), "success")
            return redirect(url_for("jury.confirm", round_id=round_.id))
    return render_template("jury/juror_confirm.html", **juror_pages.confirm_context(round_, seat)), status
