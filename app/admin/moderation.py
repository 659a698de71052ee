"""Moderation: the queue of entries waiting for a decision, an entry's review page and the decisions.

Each POST calls one service from app.entries.services, commits, and redirects back; a
refused decision rolls back and says why.
"""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.admin import bp
from app.admin.access import moderator_required
from app.contest.services import get_current_contest
from app.core.errors import DomainError, ValidationFailed
from app.entries import services
from app.entries.labels import FLAG_LABELS, KIND_LABELS, REASON_TEMPLATES, STATUS_LABELS
from app.entries.models import Entry, EntryKind, EntryStatus
from app.entries.pages import thumbnail
from app.extensions import db
from app.media.models import MediaAsset, ProcessingState

EXIF_FIELDS = ("camera_make", "camera_model", "lens_model", "exposure_time", "f_number", "iso", "captured_at")


def flag_text(flag: dict) -> str:
    """An authenticity flag in words, with its details filled in."""
    label = FLAG_LABELS.get(flag.get("code", ""))
    if label is None:
        return str(flag.get("code", ""))
    return str(label) % {key: value for key, value in flag.items()}


def large_view(asset: MediaAsset) -> dict | None:
    """The biggest web copy of a photo, or the web video and its poster, for the review page."""
    if asset.state != ProcessingState.READY:
        return None
    views = {}
    for name in ("w1280.webp", "720p.mp4", "poster.jpg", "w2560.jpg"):
        derivative = asset.derivative(name)
        if derivative is not None:
            views[name] = {
                "url": url_for("media.derivative", asset_id=asset.id, name=name),
                "width": derivative.width,
                "height": derivative.height,
            }
    return views


def _common_labels() -> dict:
    return {
        "status_labels": STATUS_LABELS,
        "kind_labels": KIND_LABELS,
        "reason_templates": REASON_TEMPLATES,
        "thumbnail": thumbnail,
        "flag_text": flag_text,
    }


def _contest_or_404():
    contest = get_current_contest()
    if contest is None:
        abort(404)
    return contest


def _flash_error(error: DomainError) -> None:
    db.session.rollback()
    messages = error.errors.values() if isinstance(error, ValidationFailed) else [[error.message]]
    for group in messages:
        for message in group:
            flash(str(message), "error")


@bp.get("/moderation")
@moderator_required
def moderation_queue():
    """Entries of the current contest waiting for a decision (or in one status), oldest first."""
    contest = _contest_or_404()
    filters = services.QueueFilter.from_args(request.args)
    page = services.moderation_queue(contest, filters, request.args.get("page", 1, type=int))
    return render_template(
        "admin/moderation_queue.html",
        contest=contest,
        page=page,
        filters=filters,
        statuses=list(EntryStatus),
        kinds=list(EntryKind),
        **_common_labels(),
    )


@bp.post("/moderation/bulk")
@moderator_required
def moderation_bulk():
    """Accept or reject the ticked entries, all or none."""
    contest = _contest_or_404()
    back = url_for("admin.moderation_queue", **services.QueueFilter.from_args(request.form).as_args())
    action = request.form.get("action")
    if action not in ("approve", "reject"):
        abort(400)
    try:
        entries = services.entries_by_codes(contest, request.form.getlist("code"))
        if action == "approve":
            services.bulk_approve(entries, current_user)
        else:
            services.bulk_reject(entries, current_user, request.form.get("reason_code", ""), request.form.get("note"))
    except DomainError as error:
        _flash_error(error)
        return redirect(back)
    db.session.commit()
    if action == "approve":
        flash(_("Entries accepted: %(count)d.", count=len(entries)), "success")
    else:
        flash(_("Entries rejected: %(count)d.", count=len(entries)), "success")
    return redirect(back)


def _entry_or_404(code: str) -> Entry:
    try:
        return services.get_entry_for_review(code)
    except DomainError:
        abort(404)


@bp.get("/entries/<code>")
@moderator_required
def entry_review(code: str):
    """An entry in full for deciding on it: previews, story, metadata, flags, history, decisions."""
    entry = _entry_or_404(code)
    return render_template(
        "admin/moderation_entry.html",
        entry=entry,
        views={f.id: large_view(f.asset) for f in entry.files},
        exif_fields=EXIF_FIELDS,
        other_entries=services.count_other_entries(entry),
        history=services.entry_history(entry),
        file_progress={f.id: services.file_progress(f) for f in entry.files},
        **_common_labels(),
    )


_DECISIONS = {
    "approve": lambda entry, form: services.approve_entry(entry, current_user),
    "reject": lambda entry, form: services.reject_entry(
        entry, current_user, form.get("reason_code", ""), form.get("note")
    ),
    "disqualify": lambda entry, form: services.disqualify_entry(
        entry, current_user, form.get("reason_code", ""), form.get("note")
    ),
    "reopen": lambda entry, form: services.reopen_entry(entry, current_user, form.get("note")),
}


@bp.post("/entries/<code>/<any(approve, reject, disqualify, reopen):decision>")
@moderator_required
def entry_decide(code: str, decision: str):
    """Record one decision on the entry and return to its page."""
    entry = _entry_or_404(code)
    try:
        _DECISIONS[decision](entry, request.form)
    except DomainError as error:
        _flash_error(error)
    else:
        db.session.commit()
        flash(_done_message(decision, entry.code), "success")
    return redirect(url_for("admin.entry_review", code=code))


def _done_message(decision: str, code: str) -> str:
    if decision == "approve":
        return _("Entry %(code)s accepted.", code=code)
    if decision == "reject":
        return _("Entry %(code)s rejected.", code=code)
    if decision == "disqualify":
        return _("Entry %(code)s disqualified.", code=code)
    return _("Entry %(code)s reopened.", code=code)
