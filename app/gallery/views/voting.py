"""POST /gallery/<contest>/<code>/vote: cast a vote, from a plain form or from the page's script.

Rate limited per account (RATELIMIT_VOTE_ACCOUNT, keyed by user id) and per client address
(RATELIMIT_VOTE_IP; the real client only behind TRUSTED_PROXY_COUNT proxies). A risky vote is
answered 428 with a proof-of-work challenge (see app.gallery.services.challenge); the script
solves it and sends the vote again. JSON answers carry the button's new state, with the counts
only when they are public.
"""

from __future__ import annotations

from flask import current_app, flash, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.core.errors import DomainError, json_error, wants_json
from app.core.timeutil import utcnow
from app.extensions import client_address, db, limiter
from app.gallery import bp, services


def _account_key() -> str:
    """Rate-limit key per account (per address for anonymous visitors, who are sent to log in)."""
    return f"user:{current_user.id}" if current_user.is_authenticated else f"anonymous:{client_address()}"


def _proof() -> services.Proof | None:
    """The solved challenge sent with the vote, if any (form fields or JSON keys `challenge`, `nonce`)."""
    data = request.get_json(silent=True) if request.is_json else request.form
    data = data if isinstance(data, dict) or hasattr(data, "getlist") else {}
    challenge, nonce = data.get("challenge"), data.get("nonce")
    if not challenge and not nonce:
        return None
    return services.Proof(challenge if isinstance(challenge, str) else "", nonce if isinstance(nonce, str) else "")


@bp.post("/gallery/<slug>/<code>/vote")
@limiter.limit(lambda: current_app.config["RATELIMIT_VOTE_ACCOUNT"], key_func=_account_key)
@limiter.limit(lambda: current_app.config["RATELIMIT_VOTE_IP"], key_func=client_address)
def vote(slug: str, code: str):
    """Cast one vote for an entry; JSON for the script, otherwise back to the entry page with a message."""
    now = utcnow()
    contest = services.require_open_gallery(slug, now)
    entry = services.public_entry(contest, code)
    entry_url = url_for("gallery.entry_page", slug=contest.slug, code=entry.code)
    if not current_user.is_authenticated:
        return _login_first(entry_url)
    voter = current_user._get_current_object()
    try:
        services.cast_vote_with_proof(
            contest,
            entry,
            voter,
            ip=request.remote_addr or "",
            user_agent=request.user_agent.string,
            proof=_proof(),
            now=now,
        )
    except DomainError as error:
        db.session.rollback()
        return _refused(error, services.vote_state(contest, entry, voter, now), entry_url)
    db.session.commit()
    message = _("Thank you! Your vote has been counted.")
    if wants_json():
        return jsonify(ok=True, message=message, state=services.vote_state(contest, entry, voter, now).as_json())
    flash(message, "success")
    return redirect(entry_url, code=303)


def _login_first(entry_url: str):
    """Anonymous visitors log in first, then come back to the entry."""
    login_url = url_for("auth.login", next=entry_url)
    message = _("Log in to vote.")
    if wants_json():
        body, status = json_error(401, "login_required", message)
        body["login_url"] = login_url
        return jsonify(body), status
    flash(message, "warning")
    return redirect(login_url, code=303)


def _refused(error: DomainError, state: services.VoteState, entry_url: str):
    """A refused vote: the error (and the challenge for 428) as JSON, or a message on the entry page."""
    if wants_json():
        body, status = json_error(error.status_code, error.code, error.message)
        body["state"] = state.as_json()
        if isinstance(error, services.ChallengeRequired):
            body.update(challenge=error.challenge, bits=error.bits)
        return jsonify(body), status
    if isinstance(error, services.ChallengeRequired):
        flash(_("This vote needs a quick browser check, which needs JavaScript. Turn it on and try again."), "warning")
    else:
        flash(str(error.message), "warning")
    return redirect(entry_url, code=303)
