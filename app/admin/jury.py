"""Round management for organisers (admins only) under /admin/jury: the contest's rounds per category with
their status and progress, the jury chair, juror–entrant conflicts, creating and editing draft rounds with their
criteria, and choosing a round's jurors. Opening, closing, advancing and finalising happen on the chair's page
(/jury/rounds/<id>/results), which admins reach too. Views only; the rules are in app/jury/services."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.admin import bp
from app.admin.access import admin_required
from app.auth.models import User
from app.auth.services import find_user_by_email
from app.contest.models import Category, Contest, StaffMembership, StaffRole
from app.contest.services import get_current_contest
from app.core.errors import DomainError
from app.core.forms import form_status, show_errors_on_form
from app.extensions import db
from app.jury import services
from app.jury.forms import ChairForm, ConflictLinkForm, RoundForm, RoundJurorsForm
from app.jury.labels import ASSIGNMENT_MODE_LABELS, COMMENT_MODE_LABELS, ROUND_KIND_LABELS, ROUND_STATUS_LABELS
from app.jury.models import JuryRound, RoundKind, RoundStatus


def _contest() -> Contest:
    """The contest named by ?contest=<id>, else the current one (404 if neither)."""
    contest_id = request.args.get("contest", type=int)
    contest = db.session.get(Contest, contest_id) if contest_id is not None else get_current_contest()
    if contest is None:
        abort(404)
    return contest


def _jury_of(contest: Contest) -> list[User]:
    """The contest's jury members, by name."""
    return list(
        db.session.scalars(
            select(User)
            .join(StaffMembership, StaffMembership.user_id == User.id)
            .where(StaffMembership.contest_id == contest.id, StaffMembership.role == StaffRole.JURY)
            .order_by(User.full_name, User.id)
        )
    )


def _labels() -> dict:
    return {
        "kind": ROUND_KIND_LABELS,
        "status": ROUND_STATUS_LABELS,
        "comment": COMMENT_MODE_LABELS,
        "assignment": ASSIGNMENT_MODE_LABELS,
    }


def _chair_form(contest: Contest, jury: list[User]) -> ChairForm:
    form = ChairForm(prefix="chair")
    form.chair.choices = [(0, _("No chair"))] + [(user.id, user.full_name) for user in jury]
    if request.method == "GET":
        form.chair.data = contest.jury_chair_id or 0
    return form


def _conflict_form(jury: list[User]) -> ConflictLinkForm:
    form = ConflictLinkForm(prefix="conflict")
    form.juror.choices = [(user.id, user.full_name) for user in jury]
    return form


def _flash_form_errors(form) -> None:
    for name, messages in form.errors.items():
        label = getattr(form, name).label.text if name and hasattr(form, name) else ""
        for message in messages:
            flash(f"{label}: {message}" if label else str(message), "error")


@bp.get("/jury")
@admin_required
def jury():
    """The contest's rounds per category with status and progress, the chair, and conflicts."""
    contest = _contest()
    jury_members = _jury_of(contest)
    rounds = services.rounds_of(contest)
    progress = {r.id: _totals(services.round_progress(r)) for r in rounds if r.status is not RoundStatus.DRAFT}
    return render_template(
        "admin/jury_index.html",
        contest=contest,
        rounds_by_category={c.id: [r for r in rounds if r.category_id == c.id] for c in contest.categories},
        progress=progress,
        chair_form=_chair_form(contest, jury_members),
        conflict_form=_conflict_form(jury_members),
        jury_members=jury_members,
        labels_of=_labels(),
    )


def _totals(progress: dict[int, tuple[int, int]]) -> tuple[int, int]:
    return sum(done for done, _total in progress.values()), sum(total for _done, total in progress.values())


@bp.post("/jury/contests/<int:contest_id>/chair")
@admin_required
def jury_chair(contest_id: int):
    """Make one of the contest's jurors its chair (or none)."""
    contest = db.get_or_404(Contest, contest_id)
    form = _chair_form(contest, _jury_of(contest))
    if not form.validate_on_submit():
        _flash_form_errors(form)
    else:
        chosen = db.session.get(User, form.chair.data) if form.chair.data else None
        try:
            services.set_jury_chair(contest, chosen, current_user)
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            db.session.commit()
            flash(_("Jury chair saved."), "success")
    return redirect(url_for("admin.jury", contest=contest.id))


@bp.post("/jury/contests/<int:contest_id>/conflicts")
@admin_required
def jury_conflict(contest_id: int):
    """Link a juror to an entrant: the juror judges none of the entrant's entries (open rounds are rebalanced)."""
    contest = db.get_or_404(Contest, contest_id)
    form = _conflict_form(_jury_of(contest))
    entrant = find_user_by_email(form.entrant_email.data or "") if form.validate_on_submit() else None
    if form.errors:
        _flash_form_errors(form)
    elif entrant is None:
        flash(_("No account has this email address."), "error")
    else:
        juror = db.session.get(User, form.juror.data)
        try:
            services.link_juror_to_entrant(contest, juror, entrant, form.reason.data.strip(), current_user)
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            db.session.commit()
            flash(_("Conflict of interest recorded."), "success")
    return redirect(url_for("admin.jury", contest=contest.id))


def _round_or_404(round_id: int) -> JuryRound:
    return db.get_or_404(JuryRound, round_id)


def _save_round(form: RoundForm, contest: Contest, save):
    """Validate the round form and call the service; returns the round, or None with errors on the form."""
    if not form.validate_on_submit():
        return None, None
    try:
        round_ = save(form.settings(contest.timezone))
    except DomainError as error:
        db.session.rollback()
        show_errors_on_form(form, error)
        return None, error
    db.session.commit()
    flash(_("Round saved."), "success")
    return round_, None


@bp.route("/jury/rounds/new", methods=["GET", "POST"])
@admin_required
def jury_round_new():
    """A new draft round at the end of a category's rounds (?category=<id>)."""
    category = db.get_or_404(Category, request.args.get("category", type=int))
    contest = category.contest
    form = RoundForm()
    if request.method == "GET":
        form.fill(services.RoundSettings(name_vi="", name_en="", kind=RoundKind.SCORING), contest.timezone)
    round_, error = _save_round(form, contest, lambda s: services.create_round(contest, category, s, current_user))
    if round_ is not None:
        return redirect(url_for("admin.jury_round", round_id=round_.id))
    context = dict(form=form, contest=contest, category=category, round=None)
    return render_template("admin/jury_round_form.html", **context), form_status(form, error)


@bp.route("/jury/rounds/<int:round_id>/edit", methods=["GET", "POST"])
@admin_required
def jury_round_edit(round_id: int):
    """Change a draft round's settings and criteria."""
    round_ = _round_or_404(round_id)
    contest = round_.contest
    if round_.status is not RoundStatus.DRAFT:
        flash(_("Only a draft round can be changed."), "error")
        return redirect(url_for("admin.jury_round", round_id=round_.id))
    form = RoundForm()
    if request.method == "GET":
        form.fill(services.current_settings(round_), contest.timezone)
    saved, error = _save_round(form, contest, lambda s: services.update_round(round_, s, current_user) or round_)
    if saved is not None:
        return redirect(url_for("admin.jury_round", round_id=round_.id))
    context = dict(form=form, contest=contest, category=round_.category, round=round_)
    return render_template("admin/jury_round_form.html", **context), form_status(form, error)


def _jurors_form(round_: JuryRound) -> RoundJurorsForm:
    form = RoundJurorsForm()
    form.jurors.choices = [(user.id, user.full_name) for user in _jury_of(round_.contest)]
    if request.method == "GET":
        form.jurors.data = [seat.user_id for seat in round_.jurors]
    return form


@bp.get("/jury/rounds/<int:round_id>")
@admin_required
def jury_round(round_id: int):
    """A round's settings, criteria and jurors; the jurors can be chosen while it is a draft."""
    round_ = _round_or_404(round_id)
    return render_template(
        "admin/jury_round.html", round=round_, contest=round_.contest, form=_jurors_form(round_), labels_of=_labels()
    )


@bp.post("/jury/rounds/<int:round_id>/jurors")
@admin_required
def jury_round_jurors(round_id: int):
    """Choose a draft round's jurors from the contest's jury."""
    round_ = _round_or_404(round_id)
    form = _jurors_form(round_)
    if not form.validate_on_submit():
        _flash_form_errors(form)
    else:
        users = list(db.session.scalars(select(User).where(User.id.in_(form.jurors.data or []))))
        try:
            services.set_round_jurors(round_, users, current_user)
        except DomainError as error:
            db.session.rollback()
            flash(str(error.message), "error")
        else:
            db.session.commit()
            flash(_("Jurors saved."), "success")
    return redirect(url_for("admin.jury_round", round_id=round_.id))
