"""Contest settings (admins only): contests, their categories and prizes, status, the current
contest, clones and a preview of the landing page. Views only; the rules are in app/contest/settings.py."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.admin import bp
from app.admin.access import admin_required
from app.contest import services, settings
from app.contest.forms import CategoryForm, CloneForm, ConfirmForm, ContestForm, PrizeForm
from app.contest.labels import MEDIA_TYPE_LABELS
from app.contest.models import Category, Contest, ContestStatus, Prize
from app.core.errors import DomainError
from app.core.forms import form_status, show_errors_on_form
from app.core.i18n import SUPPORTED_LOCALES, current_locale
from app.extensions import db

STATUS_LABELS = {"draft": _l("Draft"), "published": _l("Published"), "archived": _l("Archived")}


def _contest_or_404(contest_id: int) -> Contest:
    return db.get_or_404(Contest, contest_id)


def _category_or_404(contest: Contest, category_id: int) -> Category:
    category = db.session.get(Category, category_id)
    if category is None or category.contest_id != contest.id:
        abort(404)
    return category


def _prize_or_404(contest: Contest, prize_id: int) -> Prize:
    prize = db.session.get(Prize, prize_id)
    if prize is None or prize.contest_id != contest.id:
        abort(404)
    return prize


def _refused(form, error: DomainError) -> DomainError:
    db.session.rollback()
    show_errors_on_form(form, error)
    return error


@bp.get("/contests")
@admin_required
def contests():
    """Every contest with its status, dates and the current marker."""
    return render_template(
        "admin/contests.html", contests=services.list_contests(), status_labels=STATUS_LABELS, form=ConfirmForm()
    )


@bp.route("/contests/<int:contest_id>/edit", methods=["GET", "POST"])
@admin_required
def contest_edit(contest_id: int):
    """Edit every setting of a contest; dates are local days in its timezone."""
    contest = _contest_or_404(contest_id)
    form = ContestForm()
    if request.method == "GET":
        form.fill(settings.settings_of(contest))
    error = None
    if form.validate_on_submit():
        try:
            changed = settings.update_contest(contest, form.settings(), current_user)
        except DomainError as caught:
            error = _refused(form, caught)
        else:
            db.session.commit()
            flash(_("Contest saved.") if changed else _("Nothing was changed."), "success")
            return redirect(url_for("admin.contest_edit", contest_id=contest.id))
    return render_template("admin/contest_edit.html", contest=contest, form=form), form_status(form, error)


@bp.get("/contests/<int:contest_id>/preview")
@admin_required
def contest_preview(contest_id: int):
    """The public landing page of a contest, even a draft, in Vietnamese or English (?lang=)."""
    contest = _contest_or_404(contest_id)
    lang = request.args.get("lang", current_locale())
    if lang not in SUPPORTED_LOCALES:
        abort(404)
    with force_locale(lang):
        return render_template("admin/contest_preview.html", preview_lang=lang, **services.landing_context(contest))


@bp.route("/contests/<int:contest_id>/clone", methods=["GET", "POST"])
@admin_required
def contest_clone(contest_id: int):
    """Copy a contest with its categories and prizes as a draft for next year."""
    source = _contest_or_404(contest_id)
    form = CloneForm()
    error = None
    if form.validate_on_submit():
        try:
            copy = settings.clone_contest(
                source, form.slug.data, form.name_vi.data, form.name_en.data, form.entry_code_prefix.data, current_user
            )
        except DomainError as caught:
            error = _refused(form, caught)
        else:
            db.session.commit()
            flash(_("Draft copy created with dates one year later: check them before publishing."), "success")
            return redirect(url_for("admin.contest_edit", contest_id=copy.id))
    return render_template("admin/contest_clone.html", contest=source, form=form), form_status(form, error)


def _flash_refusal(error: DomainError) -> None:
    db.session.rollback()
    flash(str(error.message), "error")


@bp.post("/contests/<int:contest_id>/make-current")
@admin_required
def contest_make_current(contest_id: int):
    """Make this contest the one the site is about."""
    contest = _contest_or_404(contest_id)
    if ConfirmForm().validate_on_submit():
        try:
            settings.make_contest_current(contest, current_user)
        except DomainError as error:
            _flash_refusal(error)
        else:
            db.session.commit()
            flash(_("%(name)s is now the current contest.", name=contest.name_vi), "success")
    return redirect(url_for("admin.contests"))


@bp.post("/contests/<int:contest_id>/status")
@admin_required
def contest_status(contest_id: int):
    """Publish, unpublish (draft) or archive a contest."""
    contest = _contest_or_404(contest_id)
    try:
        status = ContestStatus(request.form.get("status", ""))
    except ValueError:
        abort(400)
    if ConfirmForm().validate_on_submit():
        try:
            settings.set_contest_status(contest, status, current_user)
        except DomainError as error:
            _flash_refusal(error)
        else:
            db.session.commit()
            flash(_("Status changed to: %(status)s.", status=STATUS_LABELS[status.value]), "success")
    return redirect(url_for("admin.contests"))


@bp.get("/contests/<int:contest_id>/categories")
@admin_required
def contest_categories(contest_id: int):
    """A contest's categories and prizes, with links to change them."""
    contest = _contest_or_404(contest_id)
    return render_template(
        "admin/contest_categories.html", contest=contest, media_type_labels=MEDIA_TYPE_LABELS, form=ConfirmForm()
    )


@bp.route("/contests/<int:contest_id>/categories/new", methods=["GET", "POST"], defaults={"category_id": None})
@bp.route("/contests/<int:contest_id>/categories/<int:category_id>/edit", methods=["GET", "POST"])
@admin_required
def category_edit(contest_id: int, category_id: int | None):
    """Add a category to a contest, or change one: names, kinds of entry and file rules."""
    contest = _contest_or_404(contest_id)
    category = _category_or_404(contest, category_id) if category_id is not None else None
    form = CategoryForm()
    if request.method == "GET" and category is not None:
        form.fill(settings.category_settings_of(category))
    error = None
    if form.validate_on_submit():
        try:
            settings.save_category(contest, category, form.settings(), current_user)
        except DomainError as caught:
            error = _refused(form, caught)
        else:
            db.session.commit()
            flash(_("Category saved."), "success")
            return redirect(url_for("admin.contest_categories", contest_id=contest.id))
    context = dict(contest=contest, category=category, form=form)
    return render_template("admin/contest_category_form.html", **context), form_status(form, error)


@bp.route("/contests/<int:contest_id>/prizes/new", methods=["GET", "POST"], defaults={"prize_id": None})
@bp.route("/contests/<int:contest_id>/prizes/<int:prize_id>/edit", methods=["GET", "POST"])
@admin_required
def prize_edit(contest_id: int, prize_id: int | None):
    """Add a prize to a contest, or change one."""
    contest = _contest_or_404(contest_id)
    prize = _prize_or_404(contest, prize_id) if prize_id is not None else None
    form = PrizeForm()
    form.set_categories(contest.categories, current_locale())
    if request.method == "GET" and prize is not None:
        form.fill(prize)
    error = None
    if form.validate_on_submit():
        try:
            settings.save_prize(contest, prize, form.settings(), current_user)
        except DomainError as caught:
            error = _refused(form, caught)
        else:
            db.session.commit()
            flash(_("Prize saved."), "success")
            return redirect(url_for("admin.contest_categories", contest_id=contest.id))
    context = dict(contest=contest, prize=prize, form=form)
    return render_template("admin/contest_prize_form.html", **context), form_status(form, error)


@bp.post("/contests/<int:contest_id>/prizes/<int:prize_id>/delete")
@admin_required
def prize_delete(contest_id: int, prize_id: int):
    """Remove a prize."""
    contest = _contest_or_404(contest_id)
    prize = _prize_or_404(contest, prize_id)
    if ConfirmForm().validate_on_submit():
        settings.delete_prize(prize, current_user)
        db.session.commit()
        flash(_("Prize removed."), "success")
    return redirect(url_for("admin.contest_categories", contest_id=contest.id))
