"""Messages to entrants (one text to a filtered group, previewed first) and reminders to the jury."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, TextAreaField

from app.admin import bp
from app.admin.access import moderator_required
from app.contest.services import get_current_contest
from app.core.errors import ValidationFailed
from app.core.forms import show_errors_on_form
from app.core.i18n import localized
from app.entries import services
from app.entries.labels import KIND_LABELS, STATUS_LABELS
from app.entries.models import EntryKind, EntryStatus
from app.extensions import db


class BulkMessageForm(FlaskForm):
    """Who gets the message and what it says; the rules live in the messaging service."""

    category = SelectField(_l("Category"), validate_choice=False)
    status = SelectField(_l("Entry status"), validate_choice=False)
    kind = SelectField(_l("Kind of work"), validate_choice=False)
    subject = StringField(_l("Subject"))
    body = TextAreaField(_l("Message"), render_kw={"rows": 8})

    def set_choices(self, contest) -> None:
        """Choices from the contest's categories and the entry statuses and kinds."""
        self.category.choices = [("", _l("All categories"))] + [
            (str(c.id), localized(c, "name")) for c in contest.categories
        ]
        self.status.choices = [("", _l("Any status but withdrawn"))] + [
            (s.value, STATUS_LABELS[s.value]) for s in EntryStatus
        ]
        self.kind.choices = [("", _l("All kinds"))] + [(k.value, KIND_LABELS[k.value]) for k in EntryKind]

    def recipient_filter(self) -> services.RecipientFilter:
        """The chosen group of entrants."""
        category = self.category.data if (self.category.data or "").isdigit() else None
        return services.RecipientFilter.from_values(category, self.status.data or "", self.kind.data or "")


class JurorReminderForm(FlaskForm):
    """The one-button juror reminder: the CSRF token is its only field."""


def _contest_or_404():
    contest = get_current_contest()
    if contest is None:
        abort(404)
    return contest


@bp.route("/messages", methods=["GET", "POST"])
@moderator_required
def messages():
    """Write a message, preview it with the number of recipients, then send it."""
    contest = _contest_or_404()
    form = BulkMessageForm()
    form.set_choices(contest)
    preview, status = None, 200
    if form.validate_on_submit():
        try:
            if request.form.get("action") == "send":
                count = services.send_bulk_message(
                    contest, current_user, form.recipient_filter(), form.subject.data, form.body.data
                )
            else:
                recipients, message = services.preview_bulk_message(
                    contest, form.recipient_filter(), form.subject.data, form.body.data, current_user
                )
                preview = {"count": len(recipients), "message": message}
        except ValidationFailed as error:
            db.session.rollback()
            show_errors_on_form(form, error)
            status = 422
        else:
            if preview is None:
                db.session.commit()
                flash(_("The message is on its way to %(count)d people.", count=count), "success")
                return redirect(url_for("admin.messages"))
    elif form.errors:
        status = 400
    jurors = services.contest_jurors(contest)
    return render_template(
        "admin/messages.html",
        contest=contest,
        form=form,
        preview=preview,
        jurors=len(jurors),
        reminder_form=JurorReminderForm(),
    ), status


@bp.post("/messages/juror-reminder")
@moderator_required
def juror_reminder():
    """Mail every jury member of the current contest a reminder."""
    contest = _contest_or_404()
    if not JurorReminderForm().validate_on_submit():
        abort(400)
    try:
        count = services.send_juror_reminder(contest, current_user)
    except ValidationFailed as error:
        db.session.rollback()
        for group in error.errors.values():
            for message in group:
                flash(str(message), "error")
    else:
        db.session.commit()
        flash(_("Reminder sent to %(count)d jury members.", count=count), "success")
    return redirect(url_for("admin.messages"))
