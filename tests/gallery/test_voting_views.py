"""POST /gallery/<slug>/<code>/vote: CSRF, login, JSON and form answers, rate limits, the proof-of-work
challenge, and hidden counts that never leak. The client shares the test's app context: log in once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import render_template
from flask_babel import force_locale, gettext
from markupsafe import escape
from sqlalchemy import func, select

from app.core.timeutil import utcnow
from app.extensions import db
from app.gallery.models import EntryVoteCount, Vote
from app.gallery.services import vote_state, voting_day
from app.gallery.services.challenge import has_zero_bits, issue_challenge, solve

JSON = {"Accept": "application/json"}


def vi(message: str, **values) -> str:
    """The Vietnamese text of a message, HTML-escaped, as the pages (Vietnamese by default) show it."""
    with force_locale("vi"):
        return str(escape(gettext(message, **values)))


def stored() -> tuple[int, int]:
    db.session.expire_all()
    votes = db.session.scalar(select(func.count(Vote.id)))
    counted = db.session.scalar(select(func.coalesce(func.sum(EntryVoteCount.valid_votes), 0)))
    return votes, counted


@pytest.fixture
def entry(voting_contest, make_public_entries):
    return make_public_entries(1)[0]


@pytest.fixture
def url(voting_contest, entry):
    return f"/gallery/{voting_contest.slug}/{entry.code}/vote"


@pytest.fixture
def voter(make_voter):
    """A verified voter with a two-day-old account (not risky)."""
    return make_voter(created_at=utcnow() - timedelta(days=2))


@pytest.fixture
def logged_in(client, auth, voter):
    auth.login(voter.email)
    return auth.csrf("/")


def test_anonymous_visitors_are_sent_to_log_in(client, auth, voting_contest, entry, url):
    token = auth.csrf("/")
    response = client.post(url, data={"csrf_token": token})
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/auth/login?next=")
    assert f"/gallery/{voting_contest.slug}/{entry.code}" in response.headers["Location"]
    answer = client.post(url, data={"csrf_token": token}, headers=JSON)
    assert answer.status_code == 401 and answer.json["login_url"].startswith("/auth/login")
    assert stored() == (0, 0)


def test_a_vote_without_csrf_is_refused_and_stores_nothing(client, logged_in, url):
    assert client.post(url).status_code == 400
    assert client.post(url, headers=JSON).status_code == 400
    assert client.post(url, headers={**JSON, "X-CSRFToken": "forged"}).status_code == 400
    assert stored() == (0, 0)


def test_a_form_vote_counts_and_comes_back_to_the_entry(client, logged_in, voting_contest, entry, url):
    response = client.post(url, data={"csrf_token": logged_in})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/gallery/{voting_contest.slug}/{entry.code}"
    assert stored() == (1, 1)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert vi("Thank you! Your vote has been counted.") in page
    again = client.post(url, data={"csrf_token": logged_in})  # one vote per entry per day by default
    assert again.status_code == 303
    page = client.get(again.headers["Location"]).get_data(as_text=True)
    assert vi("You have used today's votes for this work. You can vote for it again tomorrow.") in page
    assert stored() == (1, 1)


def test_a_script_vote_with_the_csrf_header_answers_json(client, logged_in, voting_contest, url):
    voting_contest.votes_per_day = 2
    db.session.commit()
    response = client.post(url, headers={**JSON, "X-CSRFToken": logged_in})
    assert response.status_code == 200
    body = response.json
    assert body["ok"] is True and body["state"]["votes_left_today"] == 1 and body["state"]["can_vote"] is True
    client.post(url, headers={**JSON, "X-CSRFToken": logged_in})
    refused = client.post(url, headers={**JSON, "X-CSRFToken": logged_in})
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "quota_used"
    assert refused.json["state"]["can_vote"] is False
    assert stored() == (2, 2)


def test_refusals_answer_with_their_status(client, logged_in, voting_contest, url):
    voting_contest.voting_close_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    response = client.post(url, headers={**JSON, "X-CSRFToken": logged_in})
    assert response.status_code == 403 and response.json["error"]["code"] == "voting_closed"
    assert stored() == (0, 0)


def test_unknown_entries_are_404(client, logged_in, voting_contest):
    response = client.post(f"/gallery/{voting_contest.slug}/NOPE-1/vote", headers={**JSON, "X-CSRFToken": logged_in})
    assert response.status_code == 404


# ---------------------------------------------------------------------------- rate limits


def test_votes_are_rate_limited_per_account(app, client, logged_in, voting_contest, url, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_VOTE_ACCOUNT", "3 per minute")
    voting_contest.votes_per_day = 10
    db.session.commit()
    statuses = [client.post(url, headers={**JSON, "X-CSRFToken": logged_in}).status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.post(url, data={"csrf_token": logged_in})
    assert limited.status_code == 429
    assert vi("You have made too many requests. Please wait a moment and try again.") in limited.get_data(as_text=True)
    assert stored() == (3, 3)


def test_votes_are_rate_limited_per_client_address(app, client, logged_in, voting_contest, url, monkeypatch):
    monkeypatch.setitem(app.config, "RATELIMIT_VOTE_IP", "2 per minute")
    voting_contest.votes_per_day = 10
    db.session.commit()
    statuses = [client.post(url, headers={**JSON, "X-CSRFToken": logged_in}).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    other_address = client.post(
        url, headers={**JSON, "X-CSRFToken": logged_in}, environ_base={"REMOTE_ADDR": "198.51.100.9"}
    )
    assert other_address.status_code == 200
    assert stored() == (3, 3)


# ---------------------------------------------------------------------------- the proof of work


@pytest.fixture
def new_voter_logged_in(app, client, auth, make_voter, monkeypatch):
    """A voter whose account is an hour old (risky), logged in; challenges of 8 bits."""
    monkeypatch.setitem(app.config, "VOTE_POW_BITS", 8)
    voter = make_voter(created_at=utcnow() - timedelta(hours=1))
    auth.login(voter.email)
    return voter, auth.csrf("/")


def test_a_risky_voter_solves_a_challenge_then_the_vote_counts(client, new_voter_logged_in, url):
    _, token = new_voter_logged_in
    headers = {**JSON, "X-CSRFToken": token}
    asked = client.post(url, headers=headers)
    assert asked.status_code == 428
    challenge, bits = asked.json["challenge"], asked.json["bits"]
    assert bits == 8 and asked.json["error"]["code"] == "challenge_required"
    assert stored() == (0, 0)
    nonce = solve(challenge, bits)
    answer = client.post(url, headers=headers, json={"challenge": challenge, "nonce": nonce})
    assert answer.status_code == 200 and answer.json["ok"] is True
    assert stored() == (1, 1)
    replay = client.post(url, headers=headers, json={"challenge": challenge, "nonce": nonce})
    assert replay.status_code == 409  # the one slot it was bound to is taken
    assert stored() == (1, 1)


def test_wrong_foreign_and_expired_challenges_are_refused(
    app, client, new_voter_logged_in, voting_contest, entry, make_voter, url, monkeypatch
):
    _, token = new_voter_logged_in
    headers = {**JSON, "X-CSRFToken": token}
    challenge = client.post(url, headers=headers).json["challenge"]
    wrong = next(str(n) for n in range(10_000) if not has_zero_bits(challenge, str(n), 8))
    assert client.post(url, headers=headers, json={"challenge": challenge, "nonce": wrong}).status_code == 400
    assert client.post(url, headers=headers, json={"challenge": challenge}).status_code == 400
    someone_else = make_voter()
    foreign = issue_challenge(someone_else, entry, voting_day(voting_contest, utcnow()), 1, utcnow())
    refused = client.post(url, headers=headers, json={"challenge": foreign, "nonce": solve(foreign, 8)})
    assert refused.status_code == 400 and refused.json["error"]["code"] == "challenge_failed"
    monkeypatch.setitem(app.config, "VOTE_POW_TTL_SECONDS", -1)
    expired = client.post(url, headers=headers).json["challenge"]
    again = client.post(url, headers=headers, json={"challenge": expired, "nonce": solve(expired, 8)})
    assert again.status_code == 428 and again.json["challenge"] != expired  # a fresh one to solve
    assert stored() == (0, 0)


def test_a_risky_form_vote_without_script_is_told_to_turn_javascript_on(client, new_voter_logged_in, url):
    _, token = new_voter_logged_in
    response = client.post(url, data={"csrf_token": token})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert vi("This vote needs a quick browser check, which needs JavaScript. Turn it on and try again.") in page
    assert stored() == (0, 0)


# ---------------------------------------------------------------------------- hidden counts


def test_hidden_counts_are_absent_from_json_and_the_button(app, client, logged_in, voting_contest, entry, url, voter):
    voting_contest.votes_per_day = 5
    voting_contest.vote_counts_visible = False
    db.session.commit()
    body = client.post(url, headers={**JSON, "X-CSRFToken": logged_in}).json
    assert body["ok"] is True and "count" not in body["state"] and "voided" not in body["state"]
    assert "count" not in client.post(url, data={"csrf_token": "x"}, headers=JSON).get_data(as_text=True)
    html = render_template("gallery/_vote_button.html", contest=voting_contest, entry=entry,
                           vote_state=vote_state(voting_contest, entry, voter))
    assert "data-vote-count" not in html and 'action="' in html

    voting_contest.vote_counts_visible = True
    db.session.commit()
    body = client.post(url, headers={**JSON, "X-CSRFToken": logged_in}).json
    assert body["state"]["count"] == 2
    html = render_template("gallery/_vote_button.html", contest=voting_contest, entry=entry,
                           vote_state=vote_state(voting_contest, entry, voter))
    assert "<strong data-vote-count>2</strong>" in html
