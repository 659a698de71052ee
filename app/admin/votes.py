"""Admin pages: the fraud review of public votes, an entry's voters, voiding by two organisers, People's Choice.

Everything is about the current contest. Proposing, confirming, rejecting and reverting a voiding
call the gallery's voiding services; the pages only show, collect the choice and redirect.
"""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length

from app.admin import bp
from app.admin.access import moderator_required
from app.auth.models import User
from app.contest.models import Contest
from app.contest.services import get_current_contest
from app.entries.models import Entry
from app.extensions import db
from app.gallery.models import EntryVoteCount, VoidingStatus, Vote, VoteVoiding
from app.gallery.services import (
    Severity,
    VoidingRefused,
    confirm_voiding,
    contest_flags,
    entry_flags,
    flags_by_vote,
    forget_contest_flags,
    fraud_report,
    peoples_choice,
    propose_voiding,
    reject_voiding,
    revert_voiding,
    voidings_of,
    voting_has_closed,
)
from app.gallery.services.voiding import REASON_MAX

VOTERS_PER_PAGE = 200

SEVERITY_LABELS = {Severity.LOW: _l("Low"), Severity.MEDIUM: _l("Medium"), Severity.HIGH: _l("High")}
FLAG_LABELS = {
    "burst": _l("Burst of votes"),
    "same_ip": _l("Many accounts, one IP address"),
    "same_subnet": _l("Many accounts, one network"),
    "alike_accounts": _l("Alike accounts registered together"),
    "disposable_email": _l("Throwaway email addresses"),
    "new_single_entry": _l("New accounts voting for this entry only"),
    "regular_voter": _l("Machine-regular voting (account)"),
    "regular_ip": _l("Machine-regular voting (IP address)"),
}
STATUS_LABELS = {
    VoidingStatus.PROPOSED: _l("Waiting for a second organiser"),
    VoidingStatus.CONFIRMED: _l("Confirmed: votes voided"),
    VoidingStatus.REJECTED: _l("Rejected"),
    VoidingStatus.REVERTED: _l("Reverted: votes restored"),
}


class ProposeVoidingForm(FlaskForm):
    """The reason for voiding the ticked votes (the vote ids come as a list of `vote_id` checkboxes)."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=REASON_MAX)])
    flag_codes = HiddenField(validators=[Length(max=200)])


class CloseVoidingForm(FlaskForm):
    """The reason for rejecting a proposal or restoring voided votes."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(), Length(max=REASON_MAX)])


class ConfirmVoidingForm(FlaskForm):
    """Confirming needs only the CSRF token: the proposal holds the reason."""


def _current_contest() -> Contest:
    contest = get_current_contest()
    if contest is None:
        abort(404)
    return contest


def _entry(contest: Contest, code: str) -> Entry:
    entry = db.session.scalar(select(Entry).where(Entry.contest_id == contest.id, Entry.code == code[:40]))
    if entry is None:
        abort(404)
    return entry


def _context(**values) -> dict:
    return dict(
        severity_labels=SEVERITY_LABELS,
        flag_labels=FLAG_LABELS,
        status_labels=STATUS_LABELS,
        default_tz=current_app.config["BABEL_DEFAULT_TIMEZONE"],
        **values,
    )


@bp.get("/votes")
@moderator_required
def votes():
    """The fraud report: entries with flagged votes, most serious first; People's Choice once voting closed."""
    contest = get_current_contest()
    if contest is None:
        return render_template("admin/votes_report.html", **_context(contest=None, report=[], choice=None))
    closed = contest.voting_close_at is not None and voting_has_closed(contest)
    waiting = db.session.scalar(
        select(func.count(VoteVoiding.id)).where(
            VoteVoiding.contest_id == contest.id, VoteVoiding.status == VoidingStatus.PROPOSED
        )
    )
    fresh = request.args.get("fresh") == "1"
    kept = contest_flags(contest, 0 if fresh else current_app.config["FRAUD_REPORT_CACHE_SECONDS"])
    return render_template(
        "admin/votes_report.html",
        **_context(
            contest=contest,
            report=fraud_report(contest, flags=kept.flags),
            computed_at=kept.computed_at,
            choice=peoples_choice(contest) if closed else None,
            waiting=waiting,
        ),
    )


@bp.get("/votes/entries/<code>")
@moderator_required
def votes_entry(code: str):
    """One entry's voters, newest first, with the flags on each vote and checkboxes to propose voiding."""
    contest = _current_contest()
    entry = _entry(contest, code)
    page = max(request.args.get("page", 1, type=int), 1)
    flags = entry_flags(contest, entry)
    rows = db.session.execute(
        select(Vote, User)
        .outerjoin(User, User.id == Vote.voter_id)
        .where(Vote.entry_id == entry.id)
        .order_by(Vote.cast_at.desc(), Vote.id.desc())
        .offset((page - 1) * VOTERS_PER_PAGE)
        .limit(VOTERS_PER_PAGE + 1)
    ).all()
    counts = db.session.get(EntryVoteCount, entry.id)
    form = ProposeVoidingForm(flag_codes=",".join(dict.fromkeys(f.code for f in flags)))
    return render_template(
        "admin/votes_entry.html",
        **_context(
            contest=contest,
            entry=entry,
            flags=flags,
            vote_flags=flags_by_vote(flags),
            rows=rows[:VOTERS_PER_PAGE],
            page=page,
            has_more=len(rows) > VOTERS_PER_PAGE,
            counts=counts,
            form=form,
        ),
    )


@bp.post("/votes/entries/<code>/void")
@moderator_required
def propose_votes_voiding(code: str):
    """Propose voiding the ticked votes; a second organiser must confirm."""
    contest = _current_contest()
    entry = _entry(contest, code)
    form = ProposeVoidingForm()
    back = redirect(url_for("admin.votes_entry", code=entry.code))
    if not form.validate():
        flash(gettext("Give the reason for voiding these votes."), "error")
        return back
    try:
        vote_ids = [int(value) for value in request.form.getlist("vote_id")]
    except ValueError:
        abort(400)
    try:
        voiding = propose_voiding(contest, vote_ids, current_user, form.reason.data, form.flag_codes.data)
    except VoidingRefused as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
        return back
    db.session.commit()
    flash(
        gettext("Voiding of %(count)d votes proposed: another organiser must confirm it.", count=voiding.vote_count),
        "success",
    )
    return redirect(url_for("admin.votes_voidings"))


@bp.get("/votes/voidings")
@moderator_required
def votes_voidings():
    """Every voiding of the current contest: waiting proposals first, with confirm, reject and revert."""
    contest = _current_contest()
    return render_template(
        "admin/votes_voidings.html",
        **_context(
            contest=contest,
            voidings=voidings_of(contest),
            confirm_form=ConfirmVoidingForm(),
            close_form=CloseVoidingForm(),
        ),
    )


def _voiding(voiding_id: int) -> VoteVoiding:
    voiding = db.session.get(VoteVoiding, voiding_id)
    if voiding is None:
        abort(404)
    return voiding


def _closing(voiding_id: int, step, done_message: str):
    voiding = _voiding(voiding_id)
    form = CloseVoidingForm()
    if not form.validate():
        flash(gettext("Give a reason."), "error")
        return redirect(url_for("admin.votes_voidings"))
    try:
        step(voiding, current_user, form.reason.data)
    except VoidingRefused as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
        return redirect(url_for("admin.votes_voidings"))
    db.session.commit()
    forget_contest_flags(voiding.contest_id)  # restored votes may raise flags again
    flash(done_message, "success")
    return redirect(url_for("admin.votes_voidings"))


@bp.post("/votes/voidings/<int:voiding_id>/confirm")
@moderator_required
def confirm_votes_voiding(voiding_id: int):
    """A second organiser confirms: the votes are voided and leave the counts."""
    voiding = _voiding(voiding_id)
    if not ConfirmVoidingForm().validate():
        abort(400)
    try:
        confirm_voiding(voiding, current_user)
    except VoidingRefused as refused:
        db.session.rollback()
        flash(str(refused.message), "error")
        return redirect(url_for("admin.votes_voidings"))
    db.session.commit()
    forget_contest_flags(voiding.contest_id)  # voided votes raise no flags
    flash(gettext("Confirmed: %(count)d votes are voided.", count=voiding.vote_count), "success")
    return redirect(url_for("admin.votes_voidings"))


@bp.post("/votes/voidings/<int:voiding_id>/reject")
@moderator_required
def reject_votes_voiding(voiding_id: int):
    """Turn a proposal down; its votes stay valid."""
    return _closing(voiding_id, reject_voiding, gettext("The proposal is rejected; the votes stay valid."))


@bp.post("/votes/voidings/<int:voiding_id>/revert")
@moderator_required
def revert_votes_voiding(voiding_id: int):
    """Restore the votes of a confirmed voiding."""
    return _closing(voiding_id, revert_voiding, gettext("The votes are restored and counted again."))
