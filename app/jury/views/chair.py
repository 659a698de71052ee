"""The chair's pages for one round (the chair or an admin only; other jurors get 403): the round's progress while
it is open (no scores), its results once closed, the lifecycle buttons, advancement, reopening a juror's scores,
a juror's dropout, the score-sheet exports and the printable summary."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, send_file, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.auth.models import User
from app.contest.forms import ConfirmForm
from app.core.errors import DomainError
from app.extensions import db
from app.jury import bp, chair_pages, services
from app.jury.forms import AdvanceForm, JurorReasonForm, ReasonForm
from app.jury.labels import METHOD_LABELS, ROUND_KIND_LABELS, ROUND_STATUS_LABELS, VERDICT_LABELS
from app.jury.models import JuryRound, RoundKind, RoundStatus
from app.jury.services.access import chair_may_view_asset
from app.jury.services.exports import (
    require_results_visible,
    score_sheet_csv,
    score_sheet_xlsx,
    start_score_export,
)
from app.media.views import publish_derivatives_when
from app.storage import content_disposition

publish_derivatives_when(chair_may_view_asset)  # the prize desk shows the finalists

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
RESULTS_SHOWN = (RoundStatus.CLOSED, RoundStatus.FINALISED)


def _round_for_chair(round_id: int) -> JuryRound:
    """The round (404), if the current user chairs its contest's jury or is an admin (403 otherwise)."""
    round_ = db.get_or_404(JuryRound, round_id)
    services.require_chair(current_user, round_.contest)
    return round_


def _back(round_: JuryRound):
    return redirect(url_for("jury.chair_results", round_id=round_.id))


def _act(form, action, success: str) -> tuple[bool, object]:
    """Run one service under a validated form: commit and flash, or roll back and flash why not."""
    if not form.validate_on_submit():
        for messages in form.errors.values():
            for message in messages:
                flash(str(message), "error")
        return False, None
    try:
        result = action()
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
        return False, None
    db.session.commit()
    flash(success, "success")
    return True, result


def _juror_form(prefix: str, progress, wanted) -> JurorReasonForm:
    form = JurorReasonForm(prefix=prefix)
    form.juror.choices = [(p.user_id, p.name) for p in progress if wanted(p)]
    return form


def _juror_forms(progress) -> tuple[JurorReasonForm, JurorReasonForm]:
    """The dropout form (jurors still serving) and the reopen-scores form (jurors who confirmed)."""
    dropout = _juror_form("dropout", progress, lambda p: not p.dropped_out)
    reopen = _juror_form("reopen_scores", progress, lambda p: p.confirmed and not p.dropped_out)
    return dropout, reopen


@bp.get("/jury/rounds/<int:round_id>/results")
@login_required
def chair_results(round_id: int):
    """The round's hub for the chair: progress while open (no scores), the results once closed."""
    round_ = _round_for_chair(round_id)
    progress = chair_pages.juror_progress(round_)
    context = {}
    if round_.status in RESULTS_SHOWN:
        page = request.args.get("page", 1, type=int)
        if round_.kind is RoundKind.SCORING:
            method = chair_pages.chosen_method(round_, request.args.get("sort"))
            context = chair_pages.scoring_context(round_, method, page)
        else:
            context = chair_pages.selection_context(round_, page)
    advance_form = AdvanceForm(formdata=None, meta={"csrf": False})
    advance_form.set_kind(round_.kind)
    dropout_form, reopen_scores_form = _juror_forms(progress)
    return render_template(
        "jury/chair_results.html",
        round=round_,
        progress=progress,
        short_entries=chair_pages.short_entries(round_) if round_.status is RoundStatus.OPEN else 0,
        advanced=chair_pages.advanced_count(round_) if round_.advanced_at else 0,
        advance_form=advance_form,
        dropout_form=dropout_form,
        reopen_scores_form=reopen_scores_form,
        reopen_form=ReasonForm(prefix="reopen"),
        confirm_form=ConfirmForm(),
        labels_of=_labels(),
        **context,
    )


def _labels() -> dict:
    return {
        "kind": ROUND_KIND_LABELS,
        "status": ROUND_STATUS_LABELS,
        "method": METHOD_LABELS,
        "verdict": VERDICT_LABELS,
    }


@bp.post("/jury/rounds/<int:round_id>/open")
@login_required
def chair_open(round_id: int):
    """Open a draft round: entries taken in and assigned; shortfalls and notes are flashed."""
    round_ = _round_for_chair(round_id)
    done, assignment = _act(ConfirmForm(), lambda: services.open_round(round_, current_user), _("Round opened."))
    if done and assignment.shortfalls:
        flash(_("%(count)d entries have fewer jurors than asked.", count=len(assignment.shortfalls)), "warning")
    for note in assignment.notes if done else ():
        flash(note, "info")
    return _back(round_)


@bp.post("/jury/rounds/<int:round_id>/close")
@login_required
def chair_close(round_id: int):
    """Close an open round: judging stops, the results become visible."""
    round_ = _round_for_chair(round_id)
    _act(ConfirmForm(), lambda: services.close_round(round_, current_user), _("Round closed."))
    return _back(round_)


@bp.post("/jury/rounds/<int:round_id>/reopen")
@login_required
def chair_reopen(round_id: int):
    """Reopen a closed round (nothing advanced yet), with a reason."""
    round_ = _round_for_chair(round_id)
    form = ReasonForm(prefix="reopen")
    _act(form, lambda: services.reopen_round(round_, current_user, form.reason.data.strip()), _("Round reopened."))
    return _back(round_)


@bp.post("/jury/rounds/<int:round_id>/finalise")
@login_required
def chair_finalise(round_id: int):
    """Finalise a closed round: nothing in it changes again."""
    round_ = _round_for_chair(round_id)
    _act(ConfirmForm(), lambda: services.finalise_round(round_, current_user), _("Round finalised."))
    return _back(round_)


@bp.post("/jury/rounds/<int:round_id>/dropout")
@login_required
def chair_dropout(round_id: int):
    """A juror leaves an open round; their reviews go to the others."""
    round_ = _round_for_chair(round_id)
    form, _reopen = _juror_forms(chair_pages.juror_progress(round_))
    _act(
        form,
        lambda: services.drop_out_juror(round_, db.session.get(User, form.juror.data), form.reason.data.strip(),
                                        current_user),
        _("The juror has left the round; their entries were reassigned."),
    )  # fmt: skip
    return _back(round_)


@bp.post("/jury/rounds/<int:round_id>/reopen-scores")
@login_required
def chair_reopen_scores(round_id: int):
    """Let a juror change their confirmed scores again, with a reason."""
    round_ = _round_for_chair(round_id)
    _dropout, form = _juror_forms(chair_pages.juror_progress(round_))
    _act(
        form,
        lambda: services.reopen_scores(round_, db.session.get(User, form.juror.data), current_user, form.reason.data),
        _("The juror's scores are open for changes again."),
    )
    return _back(round_)


def _advance_form(round_: JuryRound, formdata=None) -> AdvanceForm:
    form = AdvanceForm(formdata=formdata, meta={"csrf": False}) if formdata is not None else AdvanceForm()
    form.set_kind(round_.kind)
    return form


@bp.get("/jury/rounds/<int:round_id>/advance")
@login_required
def chair_advance_preview(round_id: int):
    """What an advancement rule would choose (and who is tied at the cut), before confirming it."""
    round_ = _round_for_chair(round_id)
    require_results_visible(round_)
    form = _advance_form(round_, request.args)
    if not form.validate():
        return render_template("jury/chair_advance.html", round=round_, form=form, outcome=None), 422
    method, top_n, threshold = form.choice()
    outcome, labels = chair_pages.preview_context(round_, method, top_n, threshold)
    return render_template(
        "jury/chair_advance.html",
        round=round_,
        form=form,
        outcome=outcome,
        labels=labels,
        shown=chair_pages.SELECTED_SHOWN,
        confirm_form=ConfirmForm(),
        method_labels=METHOD_LABELS,
    )


@bp.post("/jury/rounds/<int:round_id>/advance")
@login_required
def chair_advance(round_id: int):
    """Record the previewed advancement: RoundEntry.is_advanced and the rule in words."""
    round_ = _round_for_chair(round_id)
    form = _advance_form(round_)
    done, outcome = _act(
        form,
        lambda: _advance(round_, form),
        _("Advancement recorded."),
    )
    if done:
        flash(_("%(count)d entries advance.", count=len(outcome.selected)), "info")
    return _back(round_)


def _advance(round_: JuryRound, form: AdvanceForm):
    method, top_n, threshold = form.choice()
    return services.advance_entries(round_, current_user, method, top_n=top_n, threshold=threshold)


@bp.get("/jury/rounds/<int:round_id>/scores.csv")
@login_required
def chair_scores_csv(round_id: int):
    """The score sheet (juror × entry × criterion) as UTF-8 CSV with a BOM; audited, closed rounds only."""
    round_ = _round_for_chair(round_id)
    filename = start_score_export(round_, current_user, "csv")
    db.session.commit()
    response = Response(stream_with_context(score_sheet_csv(round_)), mimetype="text/csv")
    response.headers["Content-Disposition"] = content_disposition(filename)
    return _private(response)


@bp.get("/jury/rounds/<int:round_id>/scores.xlsx")
@login_required
def chair_scores_xlsx(round_id: int):
    """The score sheet as an XLSX workbook; audited, closed rounds only."""
    round_ = _round_for_chair(round_id)
    filename = start_score_export(round_, current_user, "xlsx")
    db.session.commit()
    workbook = score_sheet_xlsx(round_)
    return _private(send_file(workbook, mimetype=XLSX_TYPE, as_attachment=True, download_name=filename))


@bp.get("/jury/rounds/<int:round_id>/summary")
@login_required
def chair_summary(round_id: int):
    """A printable (A4) summary: the ranking by the three methods, agreement and the advancement rule."""
    round_ = _round_for_chair(round_id)
    require_results_visible(round_)
    method = chair_pages.chosen_method(round_, request.args.get("sort"))
    context = chair_pages.summary_context(round_, method)
    return render_template("jury/chair_summary.html", round=round_, labels_of=_labels(), **context)


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    return response
