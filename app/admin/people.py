"""People (admins only): find accounts, grant and revoke roles, contest staff, lock and unlock.
Views only; the rules are in app/auth/services/admin.py and app/contest/settings.py."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from app.admin import bp
from app.admin.access import admin_required
from app.auth import services as auth_services
from app.auth.models import Role, User
from app.contest import services as contest_services
from app.contest import settings
from app.contest.forms import STAFF_ROLE_LABELS, ConfirmForm, StaffForm
from app.contest.models import Contest, StaffMembership
from app.core.errors import DomainError
from app.core.i18n import current_locale
from app.extensions import db

PER_PAGE = 25


def _role_labels() -> dict[str, str]:
    return {"juror": _("Juror"), "moderator": _("Moderator"), "admin": _("Admin")}


def _user_or_404(user_id: int) -> User:
    return db.get_or_404(User, user_id)


def _role_or_404(name: str) -> Role:
    try:
        return Role(name)
    except ValueError:
        abort(404)


def _back_to(user: User):
    return redirect(url_for("admin.person", user_id=user.id))


def _run(action, success_message: str) -> None:
    """Call a service under a CSRF-checked form; commit and flash, or roll back and flash why not."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        action()
    except DomainError as error:
        db.session.rollback()
        flash(str(error.message), "error")
    else:
        db.session.commit()
        flash(success_message, "success")


@bp.get("/people")
@admin_required
def people():
    """Accounts matching a search by name or email (case and diacritics ignored), newest first."""
    search = (request.args.get("q") or "").strip()[:200]
    page = db.paginate(
        auth_services.search_users_query(search), page=request.args.get("page", 1, type=int), per_page=PER_PAGE
    )
    return render_template("admin/people.html", page=page, search=search, role_labels=_role_labels())


@bp.get("/people/<int:user_id>")
@admin_required
def person(user_id: int):
    """One account: details, roles, contest staff memberships, lock state."""
    user = _user_or_404(user_id)
    memberships = db.session.scalars(
        select(StaffMembership).where(StaffMembership.user_id == user.id).order_by(StaffMembership.created_at)
    ).all()
    staff_form = StaffForm()
    staff_form.set_contests(contest_services.list_contests(), current_locale())
    return render_template(
        "admin/people_detail.html",
        person=user,
        memberships=memberships,
        roles=list(Role),
        role_labels=_role_labels(),
        staff_role_labels=STAFF_ROLE_LABELS,
        staff_form=staff_form,
        form=ConfirmForm(),
    )


@bp.post("/people/<int:user_id>/roles/<role_name>/grant")
@admin_required
def person_grant_role(user_id: int, role_name: str):
    """Give someone a site role."""
    user, role = _user_or_404(user_id), _role_or_404(role_name)
    _run(lambda: auth_services.grant_user_role(user, role, current_user), _("Role granted."))
    return _back_to(user)


@bp.post("/people/<int:user_id>/roles/<role_name>/revoke")
@admin_required
def person_revoke_role(user_id: int, role_name: str):
    """Take a site role away (never your own admin role)."""
    user, role = _user_or_404(user_id), _role_or_404(role_name)
    _run(lambda: auth_services.revoke_user_role(user, role, current_user), _("Role removed."))
    return _back_to(user)


@bp.post("/people/<int:user_id>/staff")
@admin_required
def person_add_staff(user_id: int):
    """Put someone on a contest's jury or secretariat (refused while they have entries in it)."""
    user = _user_or_404(user_id)
    form = StaffForm()
    form.set_contests(contest_services.list_contests(), current_locale())
    if not form.validate_on_submit():
        abort(400)
    contest = db.get_or_404(Contest, form.contest_id.data)
    _run(
        lambda: settings.add_staff_member(contest, user, form.staff_role(), current_user),
        _("Added to the contest's staff."),
    )
    return _back_to(user)


@bp.post("/people/<int:user_id>/staff/<int:membership_id>/remove")
@admin_required
def person_remove_staff(user_id: int, membership_id: int):
    """Take someone off a contest's jury or secretariat."""
    user = _user_or_404(user_id)
    membership = db.session.get(StaffMembership, membership_id)
    if membership is None or membership.user_id != user.id:
        abort(404)
    _run(lambda: settings.remove_staff_member(membership, current_user), _("Removed from the contest's staff."))
    return _back_to(user)


@bp.post("/people/<int:user_id>/lock")
@admin_required
def person_lock(user_id: int):
    """Lock an account: it is logged out everywhere at once and cannot log in."""
    user = _user_or_404(user_id)
    reason = (request.form.get("reason") or "").strip()[:500]
    _run(lambda: auth_services.lock_user(user, current_user, reason), _("Account locked and logged out everywhere."))
    return _back_to(user)


@bp.post("/people/<int:user_id>/unlock")
@admin_required
def person_unlock(user_id: int):
    """Unlock an account."""
    user = _user_or_404(user_id)
    reason = (request.form.get("reason") or "").strip()[:500]
    _run(lambda: auth_services.unlock_user(user, current_user, reason), _("Account unlocked."))
    return _back_to(user)
