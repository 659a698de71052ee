"""Account services: registration, codes and links, passwords, personal data."""

from __future__ import annotations

import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from app.auth import services
from app.auth.models import Consent, Role, TokenPurpose, User, UserToken
from app.core.errors import (
    AccountLocked,
    InvalidCredentials,
    InvalidToken,
    TooManyAttempts,
    ValidationFailed,
)
from app.extensions import db
from tests.conftest import DEFAULT_PASSWORD


def registration(**overrides) -> services.Registration:
    values = dict(
        full_name="Lê Văn Hưng",
        email="hung.le@example.com",
        password=DEFAULT_PASSWORD,
        birth_date=date(2001, 3, 4),
        nationality="VN",
        phone=None,
        accepts_privacy_notice=True,
        locale="vi",
    )
    values.update(overrides)
    return services.Registration(**values)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def mailed_code(outbox) -> str:
    return re.search(r"\b(\d{6})\b", outbox()[-1]["body"]).group(1)


def mailed_link_token(outbox) -> str:
    link = re.search(r"https?://\S+", outbox()[-1]["body"]).group(0)
    return urlsplit(link).path.rstrip("/").rsplit("/", 1)[-1]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("full_name", ""),
        ("full_name", "A" * 121),
        ("email", "not-an-email"),
        ("password", "password1"),
        ("birth_date", date.today() + timedelta(days=1)),
        ("birth_date", None),
        ("nationality", "ZZ"),
        ("phone", "abc"),
        ("accepts_privacy_notice", False),
    ],
)
def test_register_user_refuses_bad_input_and_stores_nothing(app_ctx, outbox, field, value):
    with pytest.raises(ValidationFailed) as raised:
        services.register_user(registration(**{field: value}))
    assert field in raised.value.errors
    db.session.rollback()
    assert count(User) == 0 and count(UserToken) == 0 and count(Consent) == 0
    assert outbox() == []


def test_register_user_reports_every_bad_field_at_once(app_ctx):
    with pytest.raises(ValidationFailed) as raised:
        services.register_user(registration(full_name="", email="x", password="short"))
    assert {"full_name", "email", "password"} <= set(raised.value.errors)


def test_register_user_sends_mail_only_after_commit(app_ctx, outbox):
    services.register_user(registration())
    assert outbox() == []
    db.session.commit()
    assert len(outbox()) == 1


def test_register_user_mail_is_dropped_on_rollback(app_ctx, outbox):
    services.register_user(registration())
    db.session.rollback()
    db.session.commit()
    assert outbox() == [] and count(User) == 0


def test_register_user_twice_with_unverified_address_resends_a_code(app_ctx, outbox):
    services.register_user(registration())
    db.session.commit()
    first = mailed_code(outbox)
    assert services.register_user(registration(email="Hung.Le@Example.com")) is None
    db.session.commit()
    assert count(User) == 1
    second = mailed_code(outbox)
    with pytest.raises(InvalidToken):
        services.verify_email_with_code("hung.le@example.com", first if first != second else "000000x")
    db.session.rollback()
    assert services.verify_email_with_code("hung.le@example.com", second).is_verified


def test_verify_email_with_code_accepts_spaces_and_spends_the_code(app_ctx, outbox):
    services.register_user(registration())
    db.session.commit()
    code = mailed_code(outbox)
    user = services.verify_email_with_code("HUNG.LE@example.com", f"{code[:3]} {code[3:]}")
    db.session.commit()
    assert user.email_verified_at is not None
    with pytest.raises(InvalidToken):
        services.verify_email_with_code("hung.le@example.com", code)


def test_verify_email_with_code_locks_after_too_many_wrong_codes(app, app_ctx, outbox):
    services.register_user(registration())
    db.session.commit()
    code = mailed_code(outbox)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(app.config["EMAIL_CODE_MAX_ATTEMPTS"]):
        with pytest.raises(InvalidToken):
            services.verify_email_with_code("hung.le@example.com", wrong)
        db.session.commit()
    with pytest.raises(TooManyAttempts):
        services.verify_email_with_code("hung.le@example.com", code)


def test_verify_email_with_code_refuses_an_expired_code(app_ctx, outbox):
    user = services.register_user(registration())
    db.session.commit()
    code = mailed_code(outbox)
    token = db.session.scalar(select(UserToken).where(UserToken.user_id == user.id))
    token.expires_at = token.created_at - timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(InvalidToken):
        services.verify_email_with_code("hung.le@example.com", code)


def test_verify_email_with_code_gives_unknown_email_the_same_error(app_ctx):
    with pytest.raises(InvalidToken):
        services.verify_email_with_code("nobody@example.com", "123456")


def test_verify_email_with_link_works_once(app_ctx, outbox):
    services.register_user(registration())
    db.session.commit()
    token = mailed_link_token(outbox)
    assert services.verify_email_with_link(token).is_verified
    db.session.commit()
    with pytest.raises(InvalidToken):
        services.verify_email_with_link(token)


def test_authenticate_gives_unknown_email_and_wrong_password_the_same_error(app_ctx, make_user):
    make_user(email="an@example.com")
    with pytest.raises(InvalidCredentials) as unknown:
        services.authenticate("nobody@example.com", DEFAULT_PASSWORD)
    with pytest.raises(InvalidCredentials) as wrong:
        services.authenticate("an@example.com", "wrong password here")
    assert str(unknown.value.message) == str(wrong.value.message)
    assert services.authenticate("AN@example.com", DEFAULT_PASSWORD).email == "an@example.com"


def test_authenticate_refuses_locked_accounts(app_ctx, make_user):
    make_user(email="locked@example.com", is_locked=True)
    with pytest.raises(AccountLocked):
        services.authenticate("locked@example.com", DEFAULT_PASSWORD)


def test_request_password_reset_is_silent_for_unknown_email(app_ctx, outbox):
    services.request_password_reset("nobody@example.com")
    db.session.commit()
    assert outbox() == []


def test_reset_password_is_single_use_and_ends_other_sessions(app_ctx, make_user, outbox):
    created = make_user(email="reset@example.com")
    services.request_password_reset("reset@example.com")
    db.session.commit()
    token = mailed_link_token(outbox)
    user = services.reset_password(token, "một mật khẩu mới rất dài")
    db.session.commit()
    assert user.session_version == created.session_version + 1
    assert services.authenticate("reset@example.com", "một mật khẩu mới rất dài")
    with pytest.raises(InvalidToken):
        services.reset_password(token, "another long passphrase here")


def test_reset_password_refuses_expired_token(app_ctx, make_user, outbox):
    make_user(email="late@example.com")
    services.request_password_reset("late@example.com")
    db.session.commit()
    raw = mailed_link_token(outbox)
    token = db.session.scalar(select(UserToken).where(UserToken.purpose == TokenPurpose.RESET_PASSWORD))
    token.expires_at = token.created_at
    db.session.commit()
    with pytest.raises(InvalidToken):
        services.reset_password(raw, "một mật khẩu mới rất dài")


def test_reset_password_refuses_weak_password_and_keeps_token(app_ctx, make_user, outbox):
    make_user(email="weak@example.com")
    services.request_password_reset("weak@example.com")
    db.session.commit()
    raw = mailed_link_token(outbox)
    with pytest.raises(ValidationFailed):
        services.reset_password(raw, "password")
    db.session.rollback()
    assert services.find_token(raw, TokenPurpose.RESET_PASSWORD).used_at is None


def test_a_new_reset_link_cancels_the_previous_one(app_ctx, make_user, outbox):
    make_user(email="twice@example.com")
    services.request_password_reset("twice@example.com")
    db.session.commit()
    first = mailed_link_token(outbox)
    services.request_password_reset("twice@example.com")
    db.session.commit()
    with pytest.raises(InvalidToken):
        services.find_token(first, TokenPurpose.RESET_PASSWORD)


def test_change_password_checks_current_and_bumps_session_version(app_ctx, make_user):
    user = db.session.get(User, make_user().id)
    with pytest.raises(ValidationFailed) as raised:
        services.change_password(user, "wrong", "một mật khẩu mới rất dài")
    assert "current_password" in raised.value.errors
    services.change_password(user, DEFAULT_PASSWORD, "một mật khẩu mới rất dài")
    assert user.session_version == 2 and user.password_changed_at is not None


def test_load_user_from_session_id_refuses_an_old_session_version(app_ctx, make_user):
    user = make_user()
    assert services.load_user_from_session_id(f"{user.id}:1").id == user.id
    assert services.load_user_from_session_id(f"{user.id}:2") is None
    assert services.load_user_from_session_id("garbage") is None


def test_export_personal_data_includes_account_and_consents(app_ctx, outbox):
    user = services.register_user(registration(phone="+84 912 345 678"))
    db.session.commit()
    data = services.export_personal_data(user)
    assert data["account"]["full_name"] == "Lê Văn Hưng"
    assert data["account"]["phone"] == "+84 912 345 678"
    assert data["consents"][0]["document"] == services.PRIVACY_DOCUMENT


def test_request_account_deletion_closes_account_and_purge_erases_it_later(app_ctx, make_user, outbox):
    user = db.session.get(User, make_user(email="bye@example.com").id)
    with pytest.raises(ValidationFailed):
        services.request_account_deletion(user, "wrong password")
    services.request_account_deletion(user, DEFAULT_PASSWORD)
    db.session.commit()
    assert not user.is_active
    assert outbox()[-1]["to"] == "bye@example.com"
    assert services.purge_deleted_accounts(timedelta(days=30)) == 0
    assert services.purge_deleted_accounts(timedelta(seconds=-1)) == 1
    db.session.commit()
    assert count(User) == 0


def test_create_admin_with_generated_password_must_change_it(app_ctx):
    user, password = services.create_admin("boss@example.com", "Quản trị")
    assert user.has_role(Role.ADMIN) and user.has_role(Role.JUROR)
    assert user.must_change_password
    assert services.authenticate("boss@example.com", password).id == user.id


def test_grant_and_revoke_role_are_idempotent(app_ctx, make_user):
    user = db.session.get(User, make_user().id)
    services.grant_role(user, Role.MODERATOR)
    services.grant_role(user, Role.MODERATOR)
    assert user.role_names == {"moderator"}
    services.revoke_role(user, Role.MODERATOR)
    services.revoke_role(user, Role.MODERATOR)
    assert user.role_names == set()
