"""Voiding votes: one organiser proposes, a different one confirms; counts move exactly, reverting restores
them exactly, People's Choice follows; every step is audited and nothing is deleted."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.audit.models import AuditRecord
from app.core.timeutil import utcnow
from app.extensions import db
from app.gallery.models import EntryVoteCount, VoidingStatus, Vote, VoteVoiding
from app.gallery.services import (
    SameOrganiser,
    VoidingRefused,
    confirm_voiding,
    peoples_choice,
    propose_voiding,
    reject_voiding,
    revert_voiding,
    voided_votes,
)
from tests.gallery import test_fraud
from tests.gallery.test_fraud import Crowd, add_vote

history_contest = test_fraud.history_contest  # the fixture, shared with the fraud tests


@pytest.fixture
def crowd(app_ctx) -> Crowd:
    return Crowd(random.Random(11), set())


@pytest.fixture
def setup(app_ctx, history_contest, make_public_entries, crowd, moderators):
    """Two entries: A with 4 honest and 6 fraudulent votes (10), B with 7 honest votes."""
    a, b = make_public_entries(2)
    start = utcnow() - timedelta(days=5)
    honest_a = [add_vote(a, crowd.person(start - timedelta(days=99)), start + timedelta(hours=k)) for k in range(4)]
    fraud_a = [add_vote(a, crowd.person(start), start + timedelta(minutes=k), "203.0.113.5") for k in range(6)]
    honest_b = [add_vote(b, crowd.person(start - timedelta(days=99)), start + timedelta(hours=2 * k)) for k in range(7)]
    db.session.commit()
    return dict(a=a, b=b, honest_a=honest_a, fraud_a=fraud_a, honest_b=honest_b, first=moderators[0],
                second=moderators[1], contest=history_contest)  # fmt: skip


def counts(entry) -> tuple[int, int]:
    db.session.expire_all()
    row = db.session.get(EntryVoteCount, entry.id)
    return row.valid_votes, row.voided_votes


def valid_in_table(entry) -> int:
    return db.session.scalar(select(func.count(Vote.id)).where(Vote.entry_id == entry.id, Vote.is_valid.is_(True)))


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditRecord.action).order_by(AuditRecord.id)))


def test_a_proposal_changes_no_count_until_a_second_organiser_confirms(setup):
    s = setup
    ids = [v.id for v in s["fraud_a"]]
    voiding = propose_voiding(s["contest"], ids, s["first"], "  Cùng một IP, đăng ký cùng lúc  ", "same_ip")
    db.session.commit()
    assert (voiding.status, voiding.vote_count, voiding.reason) == (
        VoidingStatus.PROPOSED, 6, "Cùng một IP, đăng ký cùng lúc"
    )  # fmt: skip
    assert counts(s["a"]) == (10, 0) and valid_in_table(s["a"]) == 10
    with pytest.raises(SameOrganiser):
        confirm_voiding(voiding, s["first"])
    db.session.rollback()
    assert counts(s["a"]) == (10, 0)
    confirm_voiding(db.session.get(VoteVoiding, voiding.id), s["second"])
    db.session.commit()
    assert counts(s["a"]) == (4, 6) and valid_in_table(s["a"]) == 4
    assert counts(s["b"]) == (7, 0)
    assert voided_votes(s["a"]) == 6 and voided_votes(s["b"]) == 0
    voided = db.session.scalars(select(Vote).where(Vote.id.in_(ids))).all()
    assert all(not v.is_valid and v.voiding_id == voiding.id for v in voided) and len(voided) == 6
    assert actions() == ["vote.void_propose", "vote.void_confirm"]
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "vote.void_propose"))
    assert record.after["vote_ids"] == sorted(ids) and record.after["entries"] == {s["a"].code: 6}
    assert record.reason == "Cùng một IP, đăng ký cùng lúc" and record.contest_id == s["contest"].id


def test_counts_move_exactly_across_entries_and_revert_restores_them(setup):
    s = setup
    ids = [v.id for v in s["fraud_a"][:4]] + [v.id for v in s["honest_b"][:3]]
    voiding = propose_voiding(s["contest"], ids, s["second"], "Kiểm tra")
    confirm_voiding(voiding, s["first"])
    db.session.commit()
    assert counts(s["a"]) == (6, 4) and counts(s["b"]) == (4, 3)
    voiding = db.session.get(VoteVoiding, voiding.id)
    revert_voiding(voiding, s["second"], "Khiếu nại được chấp nhận")
    db.session.commit()
    assert counts(s["a"]) == (10, 0) and counts(s["b"]) == (7, 0)
    assert valid_in_table(s["a"]) == 10 and valid_in_table(s["b"]) == 7
    assert db.session.scalar(select(func.count(Vote.id))) == 17  # nothing was ever deleted
    voiding = db.session.get(VoteVoiding, voiding.id)
    assert voiding.status is VoidingStatus.REVERTED and voiding.close_reason == "Khiếu nại được chấp nhận"
    assert actions() == ["vote.void_propose", "vote.void_confirm", "vote.void_revert"]


def test_peoples_choice_follows_voiding_and_reverting(setup):
    s = setup
    contest = s["contest"]
    after_close = contest.voting_close_at + timedelta(minutes=1)
    assert [e.id for e in peoples_choice(contest, after_close).entries] == [s["a"].id]
    voiding = propose_voiding(contest, [v.id for v in s["fraud_a"]], s["first"], "Phiếu ảo")
    confirm_voiding(voiding, s["second"])
    db.session.commit()
    result = peoples_choice(contest, after_close)
    assert [e.id for e in result.entries] == [s["b"].id] and result.count == 7
    revert_voiding(db.session.get(VoteVoiding, voiding.id), s["first"], "Nhầm lẫn")
    db.session.commit()
    result = peoples_choice(contest, after_close)
    assert [e.id for e in result.entries] == [s["a"].id] and result.count == 10


def test_a_rejected_proposal_leaves_votes_valid_and_they_can_be_proposed_again(setup):
    s = setup
    ids = [v.id for v in s["fraud_a"]]
    voiding = propose_voiding(s["contest"], ids, s["first"], "Nghi ngờ")
    with pytest.raises(VoidingRefused):
        propose_voiding(s["contest"], ids[:2], s["second"], "Lần nữa")  # already in an open proposal
    with pytest.raises(VoidingRefused):
        reject_voiding(voiding, s["second"], "   ")
    reject_voiding(voiding, s["second"], "Không đủ bằng chứng")
    db.session.commit()
    assert counts(s["a"]) == (10, 0)
    with pytest.raises(VoidingRefused):
        confirm_voiding(db.session.get(VoteVoiding, voiding.id), s["first"])
    again = propose_voiding(s["contest"], ids[:2], s["second"], "Bằng chứng mới")
    db.session.commit()
    assert again.vote_count == 2
    assert actions() == ["vote.void_propose", "vote.void_reject", "vote.void_propose"]


@pytest.mark.parametrize("case", ["no_reason", "no_votes", "unknown_vote", "already_voided"])
def test_bad_proposals_are_refused_and_store_nothing(setup, case):
    s = setup
    ids = [v.id for v in s["fraud_a"]]
    reason = "Lý do"
    if case == "no_reason":
        reason = "  "
    elif case == "no_votes":
        ids = []
    elif case == "unknown_vote":
        ids = [*ids, 10_000_000]
    else:
        db.session.execute(update(Vote).where(Vote.id == ids[0]).values(is_valid=False))
    with pytest.raises(VoidingRefused) as refused:
        propose_voiding(s["contest"], ids, s["first"], reason)
    assert str(refused.value.message)
    db.session.rollback()
    assert db.session.scalar(select(func.count(VoteVoiding.id))) == 0
    assert actions() == []


def test_only_confirmed_voidings_revert_and_nothing_is_confirmed_twice(setup):
    s = setup
    voiding = propose_voiding(s["contest"], [s["fraud_a"][0].id], s["first"], "Một phiếu")
    with pytest.raises(VoidingRefused):
        revert_voiding(voiding, s["second"], "Sớm quá")
    confirm_voiding(voiding, s["second"])
    with pytest.raises(VoidingRefused):
        confirm_voiding(voiding, s["second"])
    db.session.commit()
    assert counts(s["a"]) == (9, 1)


def test_the_database_refuses_a_voiding_confirmed_by_its_proposer(setup):
    s = setup
    voiding = propose_voiding(s["contest"], [s["fraud_a"][0].id], s["first"], "Một phiếu")
    db.session.commit()
    with pytest.raises(IntegrityError):
        db.session.execute(
            update(VoteVoiding).where(VoteVoiding.id == voiding.id).values(confirmed_by_id=s["first"].id)
        )
        db.session.flush()
    db.session.rollback()
