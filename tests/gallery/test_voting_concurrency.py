"""Votes cast at the same moment on PostgreSQL: the database's unique quota slots and the atomic counter
keep every count exact. Real threads, each with its own request context, session and connection, released
together by a barrier (the pool lets 15 transactions run at once; the rest queue as they would in production).
"""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, insert, select

from app.auth.models import User
from app.contest.models import Contest, VotePolicy
from app.core.timeutil import utcnow
from app.entries.models import Entry
from app.extensions import db
from app.gallery.models import EntryVoteCount, Vote
from app.gallery.services import QuotaUsed, cast_vote


@pytest.fixture(autouse=True)
def postgresql_only(app_ctx):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL's concurrent transactions (SQLite has a single writer)")


def make_voters(n: int) -> list[int]:
    """n verified voters, inserted in one statement (hashing n passwords would take longer than the test)."""
    now = utcnow()
    rows = [
        dict(
            email=f"crowd{k}@example.com",
            email_canonical=f"crowd{k}@example.com",
            password_hash="x",
            full_name=f"Người Bình Chọn {k}",
            birth_date=date(1990, 1, 1),
            nationality="VN",
            locale="vi",
            session_version=1,
            created_at=now,
            email_verified_at=now,
            must_change_password=False,
            is_locked=False,
        )
        for k in range(n)
    ]
    db.session.execute(insert(User), rows)
    db.session.commit()
    return list(db.session.scalars(select(User.id).where(User.email.like("crowd%")).order_by(User.id)))


def vote_together(app, contest_id: int, ballots: list[tuple[int, int]]) -> dict[str, int]:
    """Cast one vote per (voter id, entry id) ballot, each in its own thread and transaction, all released
    at once; how many were counted, refused for the quota, or failed otherwise (with the errors)."""
    barrier = threading.Barrier(len(ballots))
    outcome = {"counted": 0, "quota_used": 0, "failed": 0}
    errors: list[str] = []
    lock = threading.Lock()

    def one(voter_id: int, entry_id: int) -> None:
        with app.test_request_context():  # a refusal's translated message needs a locale
            barrier.wait(timeout=60)
            try:
                contest = db.session.get(Contest, contest_id)
                cast_vote(
                    contest,
                    db.session.get(Entry, entry_id),
                    db.session.get(User, voter_id),
                    ip="203.0.113.9",
                    user_agent="threads",
                    now=utcnow(),
                )
                db.session.commit()
                result = "counted"
            except QuotaUsed:
                db.session.rollback()
                result = "quota_used"
            except Exception as error:  # a deadlock or a unique violation would be a bug: reported below
                db.session.rollback()
                result = "failed"
                with lock:
                    errors.append(repr(error))
            finally:
                db.session.remove()
            with lock:
                outcome[result] += 1

    db.session.commit()  # the test's own connection goes back to the pool
    threads = [threading.Thread(target=one, args=ballot) for ballot in ballots]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(thread.is_alive() for thread in threads)
    assert not errors, errors[:3]
    return outcome


def counts(entry_ids: list[int]) -> tuple[int, int]:
    """Votes stored for these entries and the sum of their counters."""
    db.session.expire_all()
    votes = db.session.scalar(select(func.count(Vote.id)).where(Vote.entry_id.in_(entry_ids)))
    counted = db.session.scalar(
        select(func.coalesce(func.sum(EntryVoteCount.valid_votes), 0)).where(EntryVoteCount.entry_id.in_(entry_ids))
    )
    return votes, counted


def test_200_voters_at_once_on_one_entry_give_exactly_200_votes(app, voting_contest, make_public_entries):
    (entry,) = make_public_entries(1)
    voters = make_voters(200)
    outcome = vote_together(app, voting_contest.id, [(voter_id, entry.id) for voter_id in voters])
    assert outcome == {"counted": 200, "quota_used": 0, "failed": 0}
    assert counts([entry.id]) == (200, 200)


def test_one_voter_firing_50_identical_votes_gets_exactly_one(app, voting_contest, make_public_entries):
    (entry,) = make_public_entries(1)
    (voter,) = make_voters(1)
    outcome = vote_together(app, voting_contest.id, [(voter, entry.id)] * 50)
    assert outcome == {"counted": 1, "quota_used": 49, "failed": 0}
    assert counts([entry.id]) == (1, 1)


def test_a_total_daily_quota_holds_under_concurrent_votes_for_different_entries(
    app, voting_contest, make_public_entries
):
    voting_contest.vote_policy, voting_contest.votes_per_day = VotePolicy.TOTAL_PER_DAY, 3
    db.session.commit()
    entries = [e.id for e in make_public_entries(20)]
    (voter,) = make_voters(1)
    outcome = vote_together(app, voting_contest.id, [(voter, entry_id) for entry_id in entries])
    assert outcome == {"counted": 3, "quota_used": 17, "failed": 0}
    assert counts(entries) == (3, 3)
    assert sorted(db.session.scalars(select(Vote.slot).where(Vote.voter_id == voter))) == [1, 2, 3]
