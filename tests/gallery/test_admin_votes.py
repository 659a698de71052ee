"""The organisers' vote pages through HTTP: who may open them, the fraud report and drill-down, and the
two-person voiding flow with CSRF."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from flask import g
from sqlalchemy import func, select

from app.audit.models import AuditRecord
from app.core.timeutil import utcnow
from app.extensions import db
from app.gallery.models import EntryVoteCount, VoidingStatus, VoteVoiding
from app.gallery.services import confirm_voiding
from tests.admin_moderation.conftest import vi
from tests.conftest import csrf_from
from tests.gallery import test_fraud
from tests.gallery.test_fraud import Crowd, add_vote

history_contest = test_fraud.history_contest  # the fixture, shared with the fraud tests

GET_PAGES = ("/admin/votes", "/admin/votes/entries/{code}", "/admin/votes/voidings")
POSTS = (
    "/admin/votes/entries/{code}/void",
    "/admin/votes/voidings/{voiding}/confirm",
    "/admin/votes/voidings/{voiding}/reject",
    "/admin/votes/voidings/{voiding}/revert",
)


@pytest.fixture
def flagged(app_ctx, history_contest, make_public_entries, moderators):
    """An entry with 3 honest votes and 6 votes from six accounts on one IP address."""
    crowd = Crowd(random.Random(5), set())
    [entry] = make_public_entries(1)
    start = utcnow() - timedelta(days=3)
    honest = [
        add_vote(entry, crowd.person(start - timedelta(days=60)), start + timedelta(hours=5 * k)) for k in range(3)
    ]
    shared = [
        add_vote(
            entry, crowd.person(start - timedelta(days=60)), start + timedelta(minutes=31 * k + k * k), "203.0.113.7"
        )
        for k in range(6)
    ]
    db.session.commit()
    return dict(entry=entry, honest=honest, shared=shared, first=moderators[0], second=moderators[1])


def url_of(path: str, entry, voiding_id: int = 1) -> str:
    return path.format(code=entry.code, voiding=voiding_id)


def switch_user(client, auth, email: str) -> None:
    """Log out and in as someone else (the test's app context is shared, so forget the cached user)."""
    auth.logout()
    g.pop("_login_user", None)
    auth.login(email)


def counts(entry) -> tuple[int, int]:
    db.session.expire_all()
    row = db.session.get(EntryVoteCount, entry.id)
    return row.valid_votes, row.voided_votes


@pytest.mark.parametrize("path", GET_PAGES + POSTS)
def test_anonymous_visitors_are_sent_to_log_in(client, auth, flagged, path):
    url = url_of(path, flagged["entry"])
    if path in POSTS:
        response = client.post(url, data={"csrf_token": auth.csrf(), "reason": "x", "vote_id": "1"})
    else:
        response = client.get(url)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("path", GET_PAGES + POSTS)
def test_entrants_are_refused(client, auth, flagged, make_voter, path):
    voter = make_voter()
    auth.login(voter.email)
    url = url_of(path, flagged["entry"])
    if path in POSTS:
        response = client.post(url, data={"csrf_token": auth.csrf("/"), "reason": "x", "vote_id": "1"})
    else:
        response = client.get(url)
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(VoteVoiding.id))) == 0


def test_moderators_see_the_report_and_the_drill_down(client, auth, flagged):
    entry = flagged["entry"]
    auth.login(flagged["first"].email)
    report = client.get("/admin/votes")
    assert report.status_code == 200
    html = report.get_data(as_text=True)
    assert entry.code in html and vi("Many accounts, one IP address") in html and "203.0.113.7" in html
    drill = client.get(f"/admin/votes/entries/{entry.code}")
    assert drill.status_code == 200
    html = drill.get_data(as_text=True)
    for vote in flagged["honest"] + flagged["shared"]:
        assert f'name="vote_id" value="{vote.id}"' in html
        assert vote.voter.email in html
    assert html.count("data-flagged") == 6
    assert client.get("/admin/votes/voidings").status_code == 200
    assert client.get("/admin/votes/entries/NO-SUCH-CODE").status_code == 404


def test_two_organisers_void_and_restore_votes_through_the_pages(client, auth, flagged):
    entry, first, second = flagged["entry"], flagged["first"], flagged["second"]
    ids = [str(v.id) for v in flagged["shared"]]
    auth.login(first.email)
    page = f"/admin/votes/entries/{entry.code}"
    token = csrf_from(client.get(page).get_data(as_text=True))
    response = client.post(f"{page}/void", data={"csrf_token": token, "reason": "Cùng một IP", "vote_id": ids})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/votes/voidings")
    voiding = db.session.scalar(select(VoteVoiding))
    assert voiding.status is VoidingStatus.PROPOSED and voiding.vote_count == 6
    assert counts(entry) == (9, 0)
    html = client.get("/admin/votes/voidings").get_data(as_text=True)
    confirm_url = f"/admin/votes/voidings/{voiding.id}/confirm"
    assert confirm_url not in html and vi("You proposed this voiding: another organiser must confirm it.") in html
    client.post(confirm_url, data={"csrf_token": csrf_from(html)})  # the proposer is refused
    assert counts(entry) == (9, 0)

    switch_user(client, auth, second.email)
    html = client.get("/admin/votes/voidings").get_data(as_text=True)
    assert confirm_url in html
    assert client.post(confirm_url, data={}).status_code == 400  # no CSRF token
    assert counts(entry) == (9, 0)
    assert client.post(confirm_url, data={"csrf_token": csrf_from(html)}).status_code == 302
    assert counts(entry) == (3, 6)
    html = client.get("/admin/votes/voidings").get_data(as_text=True)
    revert_url = f"/admin/votes/voidings/{voiding.id}/revert"
    assert client.post(revert_url, data={"csrf_token": csrf_from(html), "reason": "Khiếu nại"}).status_code == 302
    assert counts(entry) == (9, 0)
    actions = list(db.session.scalars(select(AuditRecord.action).order_by(AuditRecord.id)))
    assert actions == ["vote.void_propose", "vote.void_confirm", "vote.void_revert"]


def test_a_proposal_without_reason_or_votes_stores_nothing(client, auth, flagged):
    entry = flagged["entry"]
    auth.login(flagged["first"].email)
    page = f"/admin/votes/entries/{entry.code}"
    token = csrf_from(client.get(page).get_data(as_text=True))
    vote_id = str(flagged["shared"][0].id)
    response = client.post(f"{page}/void", data={"csrf_token": token, "reason": "  ", "vote_id": vote_id})
    assert response.status_code == 302
    response = client.post(f"{page}/void", data={"csrf_token": token, "reason": "Lý do"}, follow_redirects=True)
    assert vi("Choose at least one vote to void.") in response.get_data(as_text=True)
    assert client.post(f"{page}/void", data={"csrf_token": token, "reason": "x", "vote_id": "abc"}).status_code == 400
    assert db.session.scalar(select(func.count(VoteVoiding.id))) == 0


def test_the_report_is_kept_a_while_recomputed_on_demand_and_forgotten_on_voiding(
    app, client, auth, flagged, monkeypatch
):
    monkeypatch.setitem(app.config, "FRAUD_REPORT_CACHE_SECONDS", 120)
    app.extensions.pop("fraud_flags", None)
    entry, first, second = flagged["entry"], flagged["first"], flagged["second"]
    shared_ip = vi("Many accounts, one IP address")
    auth.login(first.email)
    html = client.get("/admin/votes").get_data(as_text=True)
    assert shared_ip in html and 'id="report-computed"' in html
    page = f"/admin/votes/entries/{entry.code}"
    token = csrf_from(client.get(page).get_data(as_text=True))
    ids = [str(v.id) for v in flagged["shared"]]
    client.post(f"{page}/void", data={"csrf_token": token, "reason": "Cùng một IP", "vote_id": ids})
    switch_user(client, auth, second.email)
    html = client.get("/admin/votes/voidings").get_data(as_text=True)
    voiding = db.session.scalar(select(VoteVoiding))
    confirm_voiding(voiding, second)  # confirmed behind this page's back, as in another worker
    db.session.commit()
    assert counts(entry) == (3, 6)
    assert shared_ip in client.get("/admin/votes").get_data(as_text=True)
    assert shared_ip not in client.get("/admin/votes?fresh=1").get_data(as_text=True)  # computed again
    revert = f"/admin/votes/voidings/{voiding.id}/revert"
    client.post(revert, data={"csrf_token": csrf_from(html), "reason": "Khiếu nại"})
    assert counts(entry) == (9, 0)
    assert shared_ip in client.get("/admin/votes").get_data(as_text=True)  # restoring forgot the kept report
