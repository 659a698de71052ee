"""Email domains that hand out throwaway mailboxes: a small built-in list, extended by configuration.

Add domains without a release through the `DISPOSABLE_EMAIL_DOMAINS` config value (a list or a
comma-separated string); they are added to these.
"""

from __future__ import annotations

from flask import current_app

BUILT_IN = frozenset(
    {
        "10minutemail.com",
        "10minutemail.net",
        "dispostable.com",
        "emailondeck.com",
        "fakeinbox.com",
        "getnada.com",
        "guerrillamail.com",
        "guerrillamail.net",
        "guerrillamail.org",
        "mailinator.com",
        "maildrop.cc",
        "mintemail.com",
        "mohmal.com",
        "sharklasers.com",
        "temp-mail.org",
        "tempmail.com",
        "tempmail.net",
        "tempmailo.com",
        "throwawaymail.com",
        "trashmail.com",
        "yopmail.com",
        "yopmail.net",
    }
)


def disposable_domains() -> frozenset[str]:
    """The built-in domains plus those the deployment configures."""
    extra = current_app.config.get("DISPOSABLE_EMAIL_DOMAINS") or ()
    if isinstance(extra, str):
        extra = extra.split(",")
    return BUILT_IN | {d.strip().lower() for d in extra if d.strip()}
