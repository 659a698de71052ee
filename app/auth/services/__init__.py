"""Account rules: registration, verification, login, password reset and change, personal data.

Services take plain validated data and model objects, flush but never commit, and
queue mail to go out only after the request's transaction commits. This package
re-exports them so callers write `services.register_user(...)` whatever module holds it.
"""

from app.auth.services.account import (
    ProfileChanges,
    create_admin,
    export_personal_data,
    grant_role,
    purge_deleted_accounts,
    request_account_deletion,
    revoke_role,
    update_profile,
)
from app.auth.services.admin import (
    SelfLockout,
    fold_for_search,
    grant_user_role,
    lock_user,
    revoke_user_role,
    search_users_query,
    unlock_user,
)
from app.auth.services.lookup import find_user_by_email
from app.auth.services.registration import (
    PRIVACY_DOCUMENT,
    Registration,
    register_user,
    send_email_verification,
    verify_email_with_code,
    verify_email_with_link,
)
from app.auth.services.sessions import (
    authenticate,
    change_password,
    end_other_sessions,
    load_user_from_session_id,
    request_password_reset,
    reset_password,
)
from app.auth.services.tokens import find_token

__all__ = [
    "PRIVACY_DOCUMENT",
    "ProfileChanges",
    "Registration",
    "SelfLockout",
    "authenticate",
    "change_password",
    "create_admin",
    "end_other_sessions",
    "export_personal_data",
    "find_token",
    "find_user_by_email",
    "fold_for_search",
    "grant_role",
    "grant_user_role",
    "load_user_from_session_id",
    "lock_user",
    "purge_deleted_accounts",
    "register_user",
    "request_account_deletion",
    "request_password_reset",
    "reset_password",
    "revoke_role",
    "revoke_user_role",
    "search_users_query",
    "send_email_verification",
    "unlock_user",
    "update_profile",
    "verify_email_with_code",
    "verify_email_with_link",
]
