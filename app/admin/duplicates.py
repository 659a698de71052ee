"""Admin pages: the same photo entered twice (exact or near copies), side by side, and the verdicts on them."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import HiddenField, StringField, TextAreaField
from wtforms.validators import AnyOf, DataRequired, Length

from app.admin import bp
from app.admin.access import moderator_required
from app.contest.services import get_current_contest
from app.entries import services
from app.entries.labels import STATUS_LABELS
from app.entries.models import DuplicateVerdict
from app.entries.services.duplicates import NOTE_MAX
from app.extensions import db
from app.media.images import NEAR_DUPLICATE_DISTANCE
from app.media.models import MediaAsset

SCOPES = ("current", "all")
PAGE_LIMIT = 200
KIND_LABELS = {"exact": _l("Exact copy"), "near": _l("Near copy")}
VERDICT_LABELS = {
    "not_duplicate": _l("Not a duplicate"),
    "duplicate": _l("Confirmed duplicate"),
}


class DuplicateDecisionForm(FlaskForm):
    """A verdict on one pair of entered files (the page renders one per pair)."""

    asset_a = HiddenField(validators=[DataRequired(), Length(max=32)])
    asset_b = HiddenField(validators=[DataRequired(), Length(max=32)])
    verdict = StringField(validators=[AnyOf([v.value for v in DuplicateVerdict])])
    note = TextAreaField(_l("Note (optional)"), validators=[Length(max=NOTE_MAX)])
    scope = HiddenField(validators=[AnyOf(SCOPES)])


@bp.get("/duplicates")
@moderator_required
def duplicates():
    """Exact and near copies among the entries, of the current contest or of all contests."""
    scope = request.args.get("scope", "current")
    if scope not in SCOPES:
        scope = "current"
    contest = get_current_contest() if scope == "current" else None
    report = services.duplicate_report(contest, limit=PAGE_LIMIT)
    return render_template(
        "admin/duplicates.html",
        report=report,
        scope=scope,
        contest=contest,
        kind_labels=KIND_LABELS,
        verdict_labels=VERDICT_LABELS,
        status_labels=STATUS_LABELS,
        threshold=NEAR_DUPLICATE_DISTANCE,
        default_tz=current_app.config["BABEL_DEFAULT_TIMEZONE"],
    )


@bp.post("/duplicates/decide")
@moderator_required
def decide_duplicate():
    """Record an organiser's verdict on a pair: not a duplicate (hidden from now on) or a duplicate."""
    form = DuplicateDecisionForm()
    if not form.validate():
        abort(400)
    first = db.session.get(MediaAsset, form.asset_a.data)
    second = db.session.get(MediaAsset, form.asset_b.data)
    if first is None or second is None:
        abort(404)
    verdict = DuplicateVerdict(form.verdict.data)
    services.decide_duplicate(first, second, verdict, current_user, (form.note.data or "").strip())
    db.session.commit()
    flash(gettext("Your decision is recorded: %(verdict)s.", verdict=VERDICT_LABELS[verdict.value]), "success")
    return redirect(url_for("admin.duplicates", scope=form.scope.data))
