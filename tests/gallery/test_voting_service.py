"""Casting votes: who may vote, quotas by policy, the contest-local day, counters, the button's state,
and the proof of work asked of risky voters. SQLite by default, PostgreSQL with TEST_DATABASE_URL."""

from __future__ import annotations

import ipaddress
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from app.auth.models import Role, UserRole
from app.contest.models import StaffRole, VotePolicy
from app.core.timeutil import start_of_local_day, to_local, utcnow
from app.entries.models import EntryStatus
from app.extensions import db
from app.gallery.models import EntryVoteCount, Vote
from app.gallery.services import (
    ChallengeFailed,
    ChallengeRequired,
    EntryNotVotable,
    OwnEntry,
    Proof,
    QuotaUsed,
    SlotTaken,
    StaffCannotVote,
    VoterLocked,
    VoterNotVerified,
    VotingClosed,
    cast_vote,
    cast_vote_with_proof,
    ip_prefix,
    risk_reason,
    vote_state,
    voting_day,
)
from app.gallery.services.challenge import has_zero_bits, solve
from tests.entries.conftest import make_other_contest  # noqa: F401 (fixture)

IP = "203.0.113.57"
UA = "Mozilla/5.0 (test)"


def stored() -> tuple[int, int]:
    """Votes stored and the sum of every entry's valid-vote counter."""
    db.session.expire_all()
    votes = db.session.scalar(select(func.count(Vote.id)))
    counted = db.session.scalar(select(func.coalesce(func.sum(EntryVoteCount.valid_votes), 0)))
    return votes, counted


def vote(contest, entry, voter, now=None, **kw):
    cast = cast_vote(contest, entry, voter, ip=kw.pop("ip", IP), user_agent=UA, now=now or utcnow(), **kw)
    db.session.commit()
    return cast


def counter(entry) -> int:
    db.session.expire_all()
    return db.session.scalar(select(EntryVoteCount.valid_votes).where(EntryVoteCount.entry_id == entry.id)) or 0


@pytest.fixture
def older_voter(make_voter):
    """Factory: a verified voter whose account is two days old (not risky for being new)."""

    def make(**fields):
        fields.setdefault("created_at", utcnow() - timedelta(days=2))
        return make_voter(**fields)

    return make


# ---------------------------------------------------------------------------- a vote counts


def test_cast_vote_stores_the_vote_and_moves_the_counter(voting_contest, make_public_entries, make_voter):
    (entry,) = make_public_entries(1)
    voter = make_voter()
    now = utcnow()
    cast = vote(voting_contest, entry, voter, now)
    assert (cast.entry_id, cast.voter_id, cast.slot, cast.quota_key) == (entry.id, voter.id, 1, f"e{entry.id}")
    assert cast.day == to_local(now, voting_contest.timezone).date()
    row = db.session.get(Vote, cast.id)
    assert (row.ip, row.ip_prefix, row.user_agent, row.is_valid, row.slot) == (IP, "203.0.113.0/24", UA, True, 1)
    assert stored() == (1, 1)
    assert db.session.get(EntryVoteCount, entry.id).last_vote_at == now


def test_ip_prefix_is_a_24_or_a_48():
    assert ip_prefix("192.168.7.200") == "192.168.7.0/24"
    assert ip_prefix("2001:db8:abcd:12::1") == "2001:db8:abcd::/48"
    assert ip_prefix("::ffff:10.1.2.3") == "10.1.2.0/24"
    assert ip_prefix("not an address") == ip_prefix("") == ""


@pytest.mark.parametrize(
    "ip", ["0.0.0.0", "255.255.255.255", " 10.0.0.1 ", "256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.5", "1.2.3.x"]
)
def test_the_quick_ipv4_path_agrees_with_ipaddress(ip):
    try:
        expected = str(ipaddress.ip_network(f"{ipaddress.IPv4Address(ip.strip())}/24", strict=False))
    except ValueError:
        expected = ""
    assert ip_prefix(ip) == expected


# ---------------------------------------------------------------------------- refusals store nothing


def _before(contest, entry, voter):
    return contest.voting_open_at - timedelta(seconds=1)


def _after(contest, entry, voter):
    return contest.voting_close_at


def _rejected(contest, entry, voter):
    entry.status = EntryStatus.REJECTED


def _withdrawn(contest, entry, voter):
    entry.status, entry.withdrawn_at = EntryStatus.WITHDRAWN, utcnow()


def _unverified(contest, entry, voter):
    voter.email_verified_at = None


def _locked(contest, entry, voter):
    voter.is_locked = True


def _moderator(contest, entry, voter):
    voter.roles.append(UserRole(role=Role.MODERATOR))


def _admin(contest, entry, voter):
    voter.roles.append(UserRole(role=Role.ADMIN))


def _jury_chair(contest, entry, voter):
    contest.jury_chair_id = voter.id


REFUSALS = [
    ("before the window", _before, VotingClosed),
    ("after the window", _after, VotingClosed),
    ("rejected entry", _rejected, EntryNotVotable),
    ("withdrawn entry", _withdrawn, EntryNotVotable),
    ("unverified voter", _unverified, VoterNotVerified),
    ("locked voter", _locked, VoterLocked),
    ("moderator", _moderator, StaffCannotVote),
    ("admin", _admin, StaffCannotVote),
    ("jury chair", _jury_chair, StaffCannotVote),
]


@pytest.mark.parametrize(("case", "change", "error"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_refused_votes_raise_and_store_nothing(voting_contest, make_public_entries, make_voter, case, change, error):
    entries = make_public_entries(2)
    voter = make_voter()
    vote(voting_contest, entries[1], voter)  # a counter row exists, and must not move
    now = change(voting_contest, entries[0], voter) or utcnow()
    db.session.commit()
    before = stored()
    with pytest.raises(error):
        cast_vote(voting_contest, entries[0], voter, ip=IP, user_agent=UA, now=now)
    db.session.commit()
    assert stored() == before == (1, 1)
    assert counter(entries[0]) == 0


def test_own_entry_is_refused(voting_contest, make_public_entries):
    (entry,) = make_public_entries(1)
    with pytest.raises(OwnEntry):
        cast_vote(voting_contest, entry, entry.entrant, ip=IP, user_agent=UA, now=utcnow())
    assert stored() == (0, 0)


@pytest.mark.parametrize("role", [StaffRole.JURY, StaffRole.SECRETARIAT])
def test_contest_staff_cannot_vote(voting_contest, make_public_entries, make_voter, make_staff, role):
    (entry,) = make_public_entries(1)
    voter = make_voter()
    make_staff(voting_contest, voter, role)
    with pytest.raises(StaffCannotVote):
        cast_vote(voting_contest, entry, voter, ip=IP, user_agent=UA, now=utcnow())
    assert stored() == (0, 0)


def test_entry_of_another_contest_is_refused(
    voting_contest, make_public_entries, make_voter, make_other_contest  # noqa: F811
):
    (entry,) = make_public_entries(1)
    other = make_other_contest()
    other.voting_open_at, other.voting_close_at = voting_contest.voting_open_at, voting_contest.voting_close_at
    db.session.commit()
    with pytest.raises(EntryNotVotable):
        cast_vote(other, entry, make_voter(), ip=IP, user_agent=UA, now=utcnow())
    assert stored() == (0, 0)


# ---------------------------------------------------------------------------- quotas


def test_per_entry_per_day_allows_votes_per_day_for_each_entry(voting_contest, make_public_entries, make_voter):
    voting_contest.vote_policy, voting_contest.votes_per_day = VotePolicy.PER_ENTRY_PER_DAY, 2
    db.session.commit()
    first, second = make_public_entries(2)
    voter = make_voter()
    assert [vote(voting_contest, first, voter).slot for _ in range(2)] == [1, 2]
    with pytest.raises(QuotaUsed) as refused:
        cast_vote(voting_contest, first, voter, ip=IP, user_agent=UA, now=utcnow())
    with force_locale("en"):  # the message is lazy: read it in English whatever the request's language
        assert "tomorrow" in str(refused.value.message)
    db.session.commit()
    assert (counter(first), stored()) == (2, (2, 2))
    assert vote(voting_contest, second, voter).slot == 1  # another entry has its own quota
    assert counter(second) == 1


def test_total_per_day_allows_votes_per_day_across_entries(voting_contest, make_public_entries, make_voter):
    voting_contest.vote_policy, voting_contest.votes_per_day = VotePolicy.TOTAL_PER_DAY, 3
    db.session.commit()
    entries = make_public_entries(4)
    voter = make_voter()
    assert [vote(voting_contest, e, voter).slot for e in entries[:3]] == [1, 2, 3]
    assert {v.quota_key for v in db.session.scalars(select(Vote))} == {"all"}
    with pytest.raises(QuotaUsed):
        cast_vote(voting_contest, entries[3], voter, ip=IP, user_agent=UA, now=utcnow())
    db.session.commit()
    assert stored() == (3, 3)
    assert [counter(e) for e in entries] == [1, 1, 1, 0]
    other_voter = make_voter()  # the quota is the voter's own
    assert vote(voting_contest, entries[3], other_voter).slot == 1


def test_the_day_rolls_over_at_local_midnight(voting_contest, make_public_entries, make_voter):
    (entry,) = make_public_entries(1)
    voter = make_voter()
    tz = voting_contest.timezone
    today = to_local(utcnow(), tz).date()
    midnight = start_of_local_day(today + timedelta(days=1), tz)  # inside the window (open 5 more days)
    late = midnight - timedelta(minutes=1)
    assert vote(voting_contest, entry, voter, late).day == today
    with pytest.raises(QuotaUsed):
        cast_vote(voting_contest, entry, voter, ip=IP, user_agent=UA, now=midnight - timedelta(seconds=1))
    db.session.rollback()
    assert vote(voting_contest, entry, voter, midnight).day == today + timedelta(days=1)
    assert (late.hour, late.minute) == (16, 59)  # 23:59 in Vietnam (UTC+7) is 16:59 UTC
    assert stored() == (2, 2)


def test_voting_day_uses_the_contest_timezone(voting_contest):
    moment = start_of_local_day(date(2025, 8, 2), "Asia/Ho_Chi_Minh")  # 1 Aug 17:00 UTC
    assert voting_day(voting_contest, moment) == date(2025, 8, 2)
    assert voting_day(voting_contest, moment - timedelta(seconds=1)) == date(2025, 8, 1)


# ---------------------------------------------------------------------------- what the button shows


def test_vote_state_counts_down_and_explains(voting_contest, make_public_entries, make_voter):
    voting_contest.votes_per_day = 2
    db.session.commit()
    (entry,) = make_public_entries(1)
    voter = make_voter()
    state = vote_state(voting_contest, entry, voter)
    assert (state.is_open, state.can_vote, state.votes_left_today, state.reason) == (True, True, 2, None)
    vote(voting_contest, entry, voter)
    assert vote_state(voting_contest, entry, voter).votes_left_today == 1
    vote(voting_contest, entry, voter)
    state = vote_state(voting_contest, entry, voter)
    assert (state.can_vote, state.votes_left_today, state.reason_code) == (False, 0, "quota_used")
    assert state.summary() == state.reason
    mine = vote_state(voting_contest, entry, entry.entrant)
    assert (mine.can_vote, mine.reason_code) == (False, "own_entry")
    anonymous = vote_state(voting_contest, entry, None)
    assert (anonymous.can_vote, anonymous.needs_login, anonymous.reason) == (False, True, None)


def test_counts_are_shown_only_when_public(voting_contest, make_public_entries, make_voter):
    (entry,) = make_public_entries(1)
    voter = make_voter()
    vote(voting_contest, entry, voter)
    voting_contest.vote_counts_visible = False
    db.session.commit()
    hidden = vote_state(voting_contest, entry, voter)
    assert hidden.count is None and "count" not in hidden.as_json() and "voided" not in hidden.as_json()
    voting_contest.vote_counts_visible = True
    db.session.commit()
    shown = vote_state(voting_contest, entry, voter)
    assert (shown.count, shown.as_json()["count"]) == (1, 1)
    voting_contest.vote_counts_visible = False
    db.session.commit()
    after_close = vote_state(voting_contest, entry, voter, voting_contest.voting_close_at + timedelta(hours=1))
    assert (after_close.count, after_close.is_open, after_close.reason_code) == (1, False, "voting_closed")


# ---------------------------------------------------------------------------- risky votes and the proof of work


def test_what_looks_risky(app, voting_contest, make_public_entries, make_voter, older_voter, monkeypatch):
    monkeypatch.setitem(app.config, "VOTE_RISK_PREFIX_VOTES_PER_HOUR", 2)
    monkeypatch.setitem(app.config, "VOTE_RISK_VOTER_VOTES_PER_10_MIN", 2)
    entries = make_public_entries(4)
    assert risk_reason(voting_contest, make_voter(), IP) == "new_account"
    calm = older_voter()
    assert risk_reason(voting_contest, calm, IP) is None
    for e in entries[:3]:
        vote(voting_contest, e, older_voter(), ip="198.51.100.7")
    assert risk_reason(voting_contest, calm, "198.51.100.200") == "busy_network"  # 3 > 2 from that /24
    assert risk_reason(voting_contest, calm, "198.51.101.1") is None
    fast = older_voter()
    for e in entries[:3]:
        vote(voting_contest, e, fast, ip=f"192.0.2.{e.id}")
    assert risk_reason(voting_contest, fast, "10.0.0.1") == "fast_voter"
    later = utcnow() + timedelta(minutes=11)
    assert risk_reason(voting_contest, fast, "10.0.0.1", later) is None


def test_risky_vote_needs_a_proof_bound_to_voter_entry_and_slot(
    app, voting_contest, make_public_entries, make_voter, monkeypatch
):
    monkeypatch.setitem(app.config, "VOTE_POW_BITS", 6)
    first, second = make_public_entries(2)
    voter, other = make_voter(), make_voter()  # new accounts: risky
    now = utcnow()

    def attempt(entry, proof, who=voter, at=now):
        return cast_vote_with_proof(voting_contest, entry, who, ip=IP, user_agent=UA, proof=proof, now=at)

    with pytest.raises(ChallengeRequired) as asked:
        attempt(first, None)
    token, bits = asked.value.challenge, asked.value.bits
    assert bits == 6 and stored() == (0, 0)
    nonce = solve(token, bits)
    wrong = next(str(n) for n in range(10_000) if str(n) != nonce and not has_zero_bits(token, str(n), bits))
    refused = [
        (Proof(token, wrong), voter, first, now, ChallengeFailed),
        (Proof(token + "x", nonce), voter, first, now, ChallengeFailed),
        (Proof(token, nonce), other, first, now, ChallengeFailed),
        (Proof(token, nonce), voter, second, now, ChallengeFailed),
        (Proof(token, nonce), voter, first, now + timedelta(minutes=11), ChallengeRequired),  # expired
    ]
    for proof, who, entry, at, error in refused:
        with pytest.raises(error):
            attempt(entry, proof, who, at)
        db.session.rollback()
    assert stored() == (0, 0)
    assert attempt(first, Proof(token, nonce)).slot == 1
    db.session.commit()
    with pytest.raises(QuotaUsed):  # a replay: the slot it was bound to is taken, and no other is free
        attempt(first, Proof(token, nonce))
    db.session.rollback()
    assert stored() == (1, 1)


def test_a_replayed_proof_cannot_take_a_second_slot(app, voting_contest, make_public_entries, make_voter, monkeypatch):
    monkeypatch.setitem(app.config, "VOTE_POW_BITS", 4)
    voting_contest.votes_per_day = 3
    db.session.commit()
    (entry,) = make_public_entries(1)
    voter = make_voter()
    now = utcnow()
    with pytest.raises(ChallengeRequired) as asked:
        cast_vote_with_proof(voting_contest, entry, voter, ip=IP, user_agent=UA, proof=None, now=now)
    proof = Proof(asked.value.challenge, solve(asked.value.challenge, 4))
    cast_vote_with_proof(voting_contest, entry, voter, ip=IP, user_agent=UA, proof=proof, now=now)
    db.session.commit()
    with pytest.raises(ChallengeRequired):  # slot 2 is free, but the proof was for slot 1: solve a new one
        cast_vote_with_proof(voting_contest, entry, voter, ip=IP, user_agent=UA, proof=proof, now=now)
    db.session.rollback()
    with pytest.raises(SlotTaken):  # the same bound slot sent straight to cast_vote, as a racing copy would be
        cast_vote(voting_contest, entry, voter, ip=IP, user_agent=UA, now=now, slot=1)
    db.session.rollback()
    assert stored() == (1, 1)


def test_refusals_come_before_the_challenge(voting_contest, make_public_entries, make_voter):
    (entry,) = make_public_entries(1)
    voter = make_voter(email_verified_at=None)
    with pytest.raises(VoterNotVerified):
        cast_vote_with_proof(voting_contest, entry, voter, ip=IP, user_agent=UA, proof=None)



# ---------------------------------------------------------------------------- the calm voter's one-statement path


@pytest.mark.parametrize(("case", "change", "error"), REFUSALS, ids=[r[0] for r in REFUSALS])
def test_the_vote_view_path_refuses_the_same_votes(
    voting_contest, make_public_entries, older_voter, case, change, error
):
    entries = make_public_entries(2)
    voter = older_voter()  # calm: the vote goes through the guarded INSERT, not the challenge
    vote(voting_contest, entries[1], voter)
    now = change(voting_contest, entries[0], voter) or utcnow()
    db.session.commit()
    with pytest.raises(error):
        cast_vote_with_proof(voting_contest, entries[0], voter, ip=IP, user_agent=UA, proof=None, now=now)
    db.session.rollback()
    assert stored() == (1, 1)


@pytest.mark.parametrize("role", [StaffRole.JURY, StaffRole.SECRETARIAT])
def test_the_guarded_insert_keeps_contest_staff_out(voting_contest, make_public_entries, older_voter, make_staff, role):
    (entry,) = make_public_entries(1)
    voter = older_voter()
    make_staff(voting_contest, voter, role)
    with pytest.raises(StaffCannotVote):
        cast_vote_with_proof(voting_contest, entry, voter, ip=IP, user_agent=UA, proof=None)
    db.session.rollback()
    assert stored() == (0, 0)


def test_a_busy_network_or_a_fast_voter_is_asked_for_a_proof_on_the_calm_path(
    app, voting_contest, make_public_entries, older_voter, monkeypatch
):
    monkeypatch.setitem(app.config, "VOTE_RISK_PREFIX_VOTES_PER_HOUR", 2)
    monkeypatch.setitem(app.config, "VOTE_RISK_VOTER_VOTES_PER_10_MIN", 2)
    monkeypatch.setitem(app.config, "VOTE_POW_BITS", 4)
    entries = make_public_entries(5)
    for e in entries[:3]:
        vote(voting_contest, e, older_voter(), ip="198.51.100.7")
    calm = older_voter()
    with pytest.raises(ChallengeRequired) as asked:  # 3 votes from that /24 in the hour: more than 2
        cast_vote_with_proof(voting_contest, entries[3], calm, ip="198.51.100.99", user_agent=UA, proof=None)
    db.session.rollback()
    assert stored() == (3, 3)
    proof = Proof(asked.value.challenge, solve(asked.value.challenge, 4))
    cast = cast_vote_with_proof(voting_contest, entries[3], calm, ip="198.51.100.99", user_agent=UA, proof=proof)
    db.session.commit()
    assert cast.slot == 1 and stored() == (4, 4)
    fast = older_voter()
    for e in entries[:3]:
        cast_vote_with_proof(voting_contest, e, fast, ip=f"192.0.2.{e.id}", user_agent=UA, proof=None)
        db.session.commit()
    with pytest.raises(ChallengeRequired):  # its 4th vote in 10 minutes
        cast_vote_with_proof(voting_contest, entries[4], fast, ip="192.0.2.200", user_agent=UA, proof=None)
    db.session.rollback()
    assert stored() == (7, 7)


def test_a_calm_voter_takes_the_next_slot_then_hears_the_quota_is_used(
    voting_contest, make_public_entries, older_voter
):
    voting_contest.votes_per_day = 2
    db.session.commit()
    (entry,) = make_public_entries(1)
    voter = older_voter()

    def attempt():
        return cast_vote_with_proof(voting_contest, entry, voter, ip=IP, user_agent=UA, proof=None)

    assert [attempt().slot, attempt().slot] == [1, 2]  # slot 1 taken: the guarded INSERT moves on to slot 2
    db.session.commit()
    with pytest.raises(QuotaUsed):
        attempt()
    db.session.rollback()
    assert stored() == (2, 2) and counter(entry) == 2
