"""Entering the contest and "my entries". Each view: load, check, validate, call one service, commit, respond."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.contest.services import get_current_contest
from app.core.errors import DomainError, ValidationFailed
from app.core.forms import form_status, show_errors_on_form
from app.core.i18n import current_locale
from app.core.timeutil import utcnow
from app.entries import bp, services
from app.entries.forms import ConfirmForm, EnterForm, EntryTextForm, chosen_files
from app.entries.labels import KIND_SLUGS
from app.entries.pages import enter_page_context, entry_form_context, entry_page_context
from app.extensions import db


def _show_errors(form, error: DomainError) -> list[str]:
    """Put a service's errors on the form; the chosen files' problems are returned apart."""
    errors = dict(getattr(error, "errors", {}))
    file_errors = [str(m) for m in errors.pop("files", [])]
    if isinstance(error, ValidationFailed):
        error = ValidationFailed(errors)
    show_errors_on_form(form, error)
    return file_errors


def _category_or_404(slug: str):
    contest = get_current_contest()
    category = next((c for c in contest.categories if c.slug == slug), None) if contest else None
    if category is None:
        abort(404)
    return category


def _kind_or_404(category, slug: str):
    kind = KIND_SLUGS.get(slug)
    if kind is None or kind not in services.accepted_kinds(category):
        abort(404)
    return kind


@bp.get("/enter")
@login_required
def enter():
    """Choose what to enter: the current contest's categories and the kinds each takes."""
    return render_template("entries/enter.html", **enter_page_context(current_user, utcnow()))


@bp.route("/enter/<category_slug>/<kind_slug>", methods=["GET", "POST"])
@login_required
def enter_work(category_slug: str, kind_slug: str):
    """The entry form for one kind of work in one category, with the uploader."""
    category = _category_or_404(category_slug)
    kind = _kind_or_404(category, kind_slug)
    form = EnterForm()
    form.set_place_choices(current_locale())
    if request.method == "GET" and not form.credit_name.data:
        form.credit_name.data = current_user.full_name
    error, file_errors = None, []
    if form.validate_on_submit():
        try:
            entry = services.submit_entry(
                current_user, category, kind, form.details(), form.declarations(), chosen_files(request.form)
            )
        except DomainError as caught:
            error = caught
            db.session.rollback()
            file_errors = _show_errors(form, caught)
        else:
            db.session.commit()
            flash(_("Thank you! Your entry %(code)s has been received.", code=entry.code), "success")
            return redirect(url_for("entries.entry_detail", code=entry.code))
    context = entry_form_context(current_user, category, kind, form, request.form, entry=None)
    return render_template("entries/form.html", file_errors=file_errors, **context), form_status(form, error)


@bp.get("/my-entries")
@login_required
def my_entries():
    """The entrant's entries with their status and files."""
    entries = services.list_own_entries(current_user)
    return render_template("entries/my_entries.html", **entry_page_context(entries, utcnow()))


@bp.get("/my-entries/<code>")
@login_required
def entry_detail(code: str):
    """One of the entrant's entries: its timeline, files and what can still be done."""
    entry = services.get_own_entry(code, current_user)
    context = entry_page_context([entry], utcnow())
    return render_template("entries/entry.html", entry=entry, confirm=ConfirmForm(), **context)


@bp.route("/my-entries/<code>/edit", methods=["GET", "POST"])
@login_required
def edit_entry(code: str):
    """Change the text, captions, order or files of an entry until the deadline."""
    entry = services.get_own_entry(code, current_user)
    services.check_editable(entry, utcnow())
    form = EntryTextForm(obj=entry) if request.method == "GET" else EntryTextForm()
    form.set_place_choices(current_locale())
    if request.method == "GET":
        form.members.data = "\n".join(m.name for m in entry.members)
    error, file_errors = None, []
    if form.validate_on_submit():
        try:
            services.update_entry(entry, current_user, form.details(), chosen_files(request.form))
        except DomainError as caught:
            error = caught
            db.session.rollback()
            entry = services.get_own_entry(code, current_user)
            file_errors = _show_errors(form, caught)
        else:
            db.session.commit()
            flash(_("Your changes to %(code)s are saved.", code=entry.code), "success")
            return redirect(url_for("entries.entry_detail", code=entry.code))
    context = entry_form_context(current_user, entry.category, entry.kind, form, request.form, entry=entry)
    return render_template("entries/form.html", file_errors=file_errors, **context), form_status(form, error)


@bp.post("/my-entries/<code>/withdraw")
@login_required
def withdraw(code: str):
    """Withdraw an entry (its code is not reused); only until the deadline."""
    entry = services.get_own_entry(code, current_user)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.withdraw_entry(entry)
    db.session.commit()
    flash(_("Entry %(code)s has been withdrawn.", code=entry.code), "success")
    return redirect(url_for("entries.my_entries"))
