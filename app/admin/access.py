"""Who may open the organisers' pages: moderators (and admins), or admins only.

Anonymous visitors are sent to log in; logged-in people without the role get 403.
Every admin view carries one of these decorators.
"""

from __future__ import annotations

from functools import wraps

from flask import abort
from flask_login import current_user, login_required

from app.auth.models import Role


def role_required(role: Role):
    """A view decorator: log in first, then hold `role` (admins hold every role)."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.has_role(role):
                abort(403)
            return view(*args, **kwargs)

        return login_required(wrapper)

    return decorate


moderator_required = role_required(Role.MODERATOR)
admin_required = role_required(Role.ADMIN)
