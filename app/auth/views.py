"""Account pages. Each view: load, check, validate, call one service, commit, respond."""

from __future__ import annotations

import json

from flask import (
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import bp, services
from app.auth.forms import (
    ChangePasswordForm,
    ConfirmForm,
    DeleteAccountForm,
    EmailOnlyForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    VerifyEmailForm,
    country_select_choices,
)
from app.auth.models import TokenPurpose
from app.auth.rules import country_choices
from app.core.errors import DomainError, InvalidToken
from app.core.forms import form_status, show_errors_on_form
from app.core.i18n import current_locale
from app.core.security import is_safe_next, safe_next
from app.core.timeutil import utcnow
from app.extensions import db, limiter

PENDING_EMAIL_KEY = "pending_verification_email"
RETURN_TO_KEY = "return_to_after_login"  # where a visitor who registered on the way wanted to go


def _limit(setting: str):
    """A rate limit on POSTs whose value is read from config at request time."""
    return limiter.limit(lambda: current_app.config[setting], methods=["POST"])


@bp.route("/register", methods=["GET", "POST"])
@_limit("RATELIMIT_REGISTER")
def register():
    """Open an account; the same answer whether or not the email is already registered."""
    if current_user.is_authenticated:
        return redirect(url_for("auth.account"))
    form = RegisterForm()
    form.nationality.choices = country_select_choices(country_choices(current_locale()))
    if form.validate_on_submit():
        try:
            services.register_user(
                services.Registration(
                    full_name=form.full_name.data or "",
                    email=form.email.data or "",
                    password=form.password.data or "",
                    birth_date=form.birth_date.data,
                    nationality=form.nationality.data or "",
                    phone=form.phone.data,
                    accepts_privacy_notice=bool(form.accepts_privacy_notice.data),
                    locale=current_locale(),
                )
            )
        except DomainError as error:
            show_errors_on_form(form, error)
        else:
            db.session.commit()
            session[PENDING_EMAIL_KEY] = form.email.data
            if is_safe_next(request.args.get("next")):
                session[RETURN_TO_KEY] = request.args["next"]  # back where they were once they log in
            flash(_("We have sent a 6-digit code to your email. Enter it below to finish."), "success")
            return redirect(url_for("auth.verify_email"))
    return render_template("auth/register.html", form=form), form_status(form)


@bp.route("/verify", methods=["GET", "POST"])
@_limit("RATELIMIT_VERIFY")
def verify_email():
    """Confirm an email address with the mailed 6-digit code."""
    form = VerifyEmailForm()
    failure = None
    if request.method == "GET":
        form.email.data = session.get(PENDING_EMAIL_KEY) or (
            current_user.email if current_user.is_authenticated else ""
        )
    if form.validate_on_submit():
        try:
            user = services.verify_email_with_code(form.email.data, form.code.data)
        except DomainError as error:
            db.session.commit()  # keep the failed-attempt count
            failure = error
            show_errors_on_form(form, error)
        else:
            db.session.commit()
            session.pop(PENDING_EMAIL_KEY, None)
            flash(_("Your email address is confirmed."), "success")
            if current_user.is_authenticated and current_user.id == user.id:
                return redirect(url_for("auth.account"))
            return redirect(url_for("auth.login", next=session.pop(RETURN_TO_KEY, None)))
    return render_template(
        "auth/verify.html", form=form, resend_form=EmailOnlyForm(email=form.email.data)
    ), form_status(form, failure)


@bp.post("/verify/resend")
@_limit("RATELIMIT_REGISTER")
def resend_verification():
    """Send a new code; the answer is the same for unknown or already verified emails."""
    form = EmailOnlyForm()
    if form.validate_on_submit():
        user = services.find_user_by_email(form.email.data)
        if user is not None and not user.is_verified and user.is_active:
            services.send_email_verification(user)
        db.session.commit()
        session[PENDING_EMAIL_KEY] = form.email.data
        flash(_("If this address is waiting for confirmation, a new code is on its way."), "success")
    return redirect(url_for("auth.verify_email"))


@bp.route("/confirm/<token>", methods=["GET", "POST"])
@_limit("RATELIMIT_VERIFY")
def confirm_email(token: str):
    """The mailed link: GET only shows a button, so mail scanners cannot confirm by fetching."""
    form = ConfirmForm()
    try:
        services.find_token(token, TokenPurpose.VERIFY_EMAIL)
    except InvalidToken as error:
        return render_template("auth/token_invalid.html", message=error.message), 400
    if form.validate_on_submit():
        services.verify_email_with_link(token)
        db.session.commit()
        flash(_("Your email address is confirmed."), "success")
        return redirect(url_for("auth.account" if current_user.is_authenticated else "auth.login"))
    return render_template("auth/confirm_email.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@_limit("RATELIMIT_LOGIN")
def login():
    """Log in; a wrong email and a wrong password get the same answer."""
    if current_user.is_authenticated:
        return redirect(url_for("auth.account"))
    form = LoginForm()
    failure = None
    if form.validate_on_submit():
        try:
            user = services.authenticate(form.email.data, form.password.data)
        except DomainError as error:
            failure = error
            show_errors_on_form(form, error)
        else:
            db.session.commit()
            session.pop("locale", None)  # the account's own language now applies
            login_user(user, remember=bool(form.remember_me.data))
            if not user.is_verified:
                return redirect(url_for("auth.verify_email"))
            return redirect(safe_next(request.args.get("next"), url_for("contest.landing")))
    return render_template("auth/login.html", form=form), form_status(form, failure)


@bp.post("/logout")
def logout():
    """Log out of this browser (POST with CSRF, so a link on another site cannot)."""
    logout_user()
    flash(_("You have logged out."), "success")
    return redirect(url_for("contest.landing"))


@bp.route("/forgot-password", methods=["GET", "POST"])
@_limit("RATELIMIT_RESET")
def forgot_password():
    """Ask for a reset link; the answer never says whether the email has an account."""
    form = EmailOnlyForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        flash(_("If an account uses this address, we have sent it a link to choose a new password."), "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
@_limit("RATELIMIT_RESET")
def reset_password(token: str):
    """Choose a new password from a mailed, expiring, single-use link."""
    try:
        services.find_token(token, TokenPurpose.RESET_PASSWORD)
    except InvalidToken as error:
        return render_template("auth/token_invalid.html", message=error.message), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(token, form.password.data or "")
        except DomainError as error:
            show_errors_on_form(form, error)
        else:
            db.session.commit()
            logout_user()
            flash(_("Your password has been changed. Log in with the new one."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form), form_status(form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    """The account page: personal details, verification state, links to data rights."""
    form = ProfileForm(obj=current_user)
    form.nationality.choices = country_select_choices(country_choices(current_locale()))
    if form.validate_on_submit():
        try:
            services.update_profile(
                current_user,
                services.ProfileChanges(
                    full_name=form.full_name.data or "",
                    nationality=form.nationality.data or "",
                    phone=form.phone.data,
                    locale=form.locale.data,
                ),
            )
        except DomainError as error:
            show_errors_on_form(form, error)
        else:
            db.session.commit()
            session["locale"] = current_user.locale
            flash(_("Your details have been saved."), "success")
            return redirect(url_for("auth.account"))
    return render_template(
        "auth/account.html", form=form, password_form=ChangePasswordForm()
    ), form_status(form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password; every other session and remember-me cookie stops working."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user, form.current_password.data, form.new_password.data or "")
        except DomainError as error:
            show_errors_on_form(form, error)
        else:
            db.session.commit()
            login_user(current_user._get_current_object())  # this session gets the new version
            flash(_("Your password has been changed. Other devices have been logged out."), "success")
            return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form), form_status(form)


@bp.get("/account/export")
@login_required
def export_data():
    """Download everything we hold about the user as JSON."""
    data = services.export_personal_data(current_user)
    stamp = utcnow().strftime("%Y%m%d")
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="my-data-{stamp}.json"'},
    )


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    """Request deletion of the account; it closes now and is erased after a grace period."""
    form = DeleteAccountForm()
    if form.validate_on_submit():
        try:
            services.request_account_deletion(current_user, form.password.data)
        except DomainError as error:
            show_errors_on_form(form, error)
        else:
            db.session.commit()
            logout_user()
            flash(_("Your account is closed and will be deleted. We have sent you a confirmation."), "success")
            return redirect(url_for("contest.landing"))
    return render_template("auth/delete_account.html", form=form), form_status(form)


ALLOWED_WHILE_PASSWORD_CHANGE_DUE = {"auth.change_password", "auth.logout", "static", "core.set_language"}


@bp.before_app_request
def require_new_password():
    """An account with a one-time password must choose its own before anything else."""
    if (
        current_user.is_authenticated
        and current_user.must_change_password
        and request.endpoint not in ALLOWED_WHILE_PASSWORD_CHANGE_DUE
        and not request.path.startswith("/api/")
    ):
        flash(_("Choose your own password before you continue."), "warning")
        return redirect(url_for("auth.change_password"))
    return None
