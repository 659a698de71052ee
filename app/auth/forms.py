"""Account forms: input types and presence only; the rules live in rules.py and services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from app.auth.rules import EMAIL_MAX, FULL_NAME_MAX, PASSWORD_MAX


def _email_required() -> InputRequired:
    return InputRequired(message=_l("Enter your email address."))


def country_select_choices(pairs: tuple[tuple[str, str], ...]) -> list[SelectChoice]:
    """Country (code, name) pairs as select options."""
    return [SelectChoice(code, name) for code, name in pairs]


class RegisterForm(FlaskForm):
    """Open an account."""

    full_name = StringField(_l("Full name"), validators=[Length(max=FULL_NAME_MAX)])
    email = EmailField(_l("Email"), validators=[Length(max=EMAIL_MAX)])
    password = PasswordField(_l("Password"), validators=[Length(max=PASSWORD_MAX)])
    birth_date = DateField(
        _l("Date of birth"),
        validators=[InputRequired(message=_l("Enter your date of birth."))],
    )
    nationality = SelectField(_l("Nationality"), default="VN")
    phone = StringField(_l("Phone (optional)"), validators=[Optional(), Length(max=32)])
    accepts_privacy_notice = BooleanField(_l("I have read and accept the privacy notice"))


class VerifyEmailForm(FlaskForm):
    """Enter the 6-digit code from the verification mail."""

    email = EmailField(_l("Email"), validators=[_email_required(), Length(max=EMAIL_MAX)])
    code = StringField(
        _l("6-digit code"),
        validators=[InputRequired(message=_l("Enter the code from the email.")), Length(max=12)],
    )


class EmailOnlyForm(FlaskForm):
    """Ask for a mail to be (re)sent to an address."""

    email = EmailField(_l("Email"), validators=[_email_required(), Length(max=EMAIL_MAX)])


class ConfirmForm(FlaskForm):
    """A single button that confirms an action a link led to."""


class LoginForm(FlaskForm):
    """Log in with email and password."""

    email = EmailField(_l("Email"), validators=[_email_required(), Length(max=EMAIL_MAX)])
    password = PasswordField(
        _l("Password"), validators=[InputRequired(message=_l("Enter your password.")), Length(max=PASSWORD_MAX)]
    )
    remember_me = BooleanField(_l("Keep me logged in on this device"))


class ResetPasswordForm(FlaskForm):
    """Choose a new password after following a reset link."""

    password = PasswordField(_l("New password"), validators=[Length(max=PASSWORD_MAX)])


class ChangePasswordForm(FlaskForm):
    """Change the password while logged in."""

    current_password = PasswordField(_l("Current password"), validators=[Length(max=PASSWORD_MAX)])
    new_password = PasswordField(_l("New password"), validators=[Length(max=PASSWORD_MAX)])


class ProfileForm(FlaskForm):
    """Edit the account's personal details."""

    full_name = StringField(_l("Full name"), validators=[Length(max=FULL_NAME_MAX)])
    nationality = SelectField(_l("Nationality"))
    phone = StringField(_l("Phone (optional)"), validators=[Optional(), Length(max=32)])
    locale = SelectField(
        _l("Language"), choices=[SelectChoice("vi", "Tiếng Việt"), SelectChoice("en", "English")]
    )


class DeleteAccountForm(FlaskForm):
    """Confirm an account deletion request with the password."""

    password = PasswordField(_l("Password"), validators=[Length(max=PASSWORD_MAX)])
