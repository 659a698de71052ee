"""A self-hosted proof of work asked of votes that look risky: no third-party captcha, works offline.

When is a vote risky? When any of these holds (thresholds are config keys):
  * the voter's account is younger than VOTE_RISK_NEW_ACCOUNT_HOURS (24 h);
  * more than VOTE_RISK_PREFIX_VOTES_PER_HOUR votes were cast in this contest in the last hour from
    the client's network (/24 for IPv4, /48 for IPv6);
  * the voter cast more than VOTE_RISK_VOTER_VOTES_PER_10_MIN votes in the last 10 minutes.

The vote endpoint then answers 428 with {"challenge": token, "bits": B}. The browser finds a nonce
such that SHA-256(token + ":" + nonce) starts with B zero bits (about 2^B hashes, a second or two
on a phone for B = 18) and sends the vote again with `challenge` and `nonce`.

The token is signed with SECRET_KEY (itsdangerous) and carries a random part, the voter, the entry,
the contest-local day, the quota slot the vote will take, the bits and an expiry. No table of used
challenges is needed, because a solved challenge is bound to exactly one slot of one voter's quota
for one entry on one day: the vote is then cast with `cast_vote(..., slot=that slot)`, and the
database's unique key on (voter, contest, day, quota key, slot) lets that slot be taken once. A
replay after the vote finds the slot taken (the next free slot differs, so a fresh challenge is
asked); two copies sent at the same moment race for the same slot and only one wins (SlotTaken).
A challenge solved for another voter, entry or day is refused. So one solution is worth at most one
vote, which is all a single-use store would give.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from app.auth.models import User
from app.contest.models import Contest
from app.core.timeutil import utcnow
from app.entries.models import Entry
from app.extensions import db
from app.gallery.models import Vote
from app.gallery.services.errors import (
    QUOTA_MESSAGES,
    ChallengeFailed,
    ChallengeRequired,
    QuotaUsed,
    StaffCannotVote,
)
from app.gallery.services.voting import (
    CastVote,
    Pace,
    VoterActivity,
    quota_key,
    record_vote,
    refusal_without_queries,
    voter_activity,
    voting_day,
)

SALT = "gallery.vote-proof-of-work"
NONCE_MAX = 32
TOKEN_MAX = 400


@dataclass(frozen=True)
class Proof:
    """What the browser sends back: the challenge token and the nonce it found."""

    challenge: str
    nonce: str


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def is_new_account(voter: User, now: datetime) -> bool:
    """Whether the account is younger than VOTE_RISK_NEW_ACCOUNT_HOURS."""
    age = timedelta(hours=current_app.config["VOTE_RISK_NEW_ACCOUNT_HOURS"])
    return voter.created_at is not None and now - voter.created_at < age


def risk_from(activity: VoterActivity, voter: User, now: datetime) -> str | None:
    """Why a vote looks risky ("new_account", "busy_network", "fast_voter"), or None when it does not."""
    pace = Pace.from_config(current_app.config)
    if is_new_account(voter, now):
        return "new_account"
    if activity.network_votes_last_hour > pace.network_votes_per_hour:
        return "busy_network"
    if activity.voter_votes_last_10_min > pace.voter_votes_per_10_min:
        return "fast_voter"
    return None


def risk_reason(contest: Contest, voter: User, ip: str, now: datetime | None = None) -> str | None:
    """Why a vote by this voter from this address looks risky ("new_account", "busy_network",
    "fast_voter"), or None when it does not."""
    now = now or utcnow()
    activity = voter_activity(contest, voter, ip, now, Pace.from_config(current_app.config))
    return risk_from(activity, voter, now)


def next_free_slot(contest: Contest, entry: Entry, voter: User, day: date) -> int | None:
    """The lowest slot of the quota this vote draws on that the voter has not taken that day, or None."""
    taken = set(
        db.session.scalars(
            select(Vote.slot).where(
                Vote.voter_id == voter.id,
                Vote.contest_id == contest.id,
                Vote.day == day,
                Vote.quota_key == quota_key(contest, entry),
            )
        )
    )
    return next((n for n in range(1, contest.votes_per_day + 1) if n not in taken), None)


def issue_challenge(voter: User, entry: Entry, day: date, slot: int, now: datetime) -> str:
    """A signed challenge token bound to this voter, entry, day and quota slot."""
    expires = now + timedelta(seconds=current_app.config["VOTE_POW_TTL_SECONDS"])
    return _serializer().dumps(
        {
            "r": secrets.token_hex(8),
            "v": voter.id,
            "e": entry.id,
            "d": day.isoformat(),
            "s": slot,
            "b": current_app.config["VOTE_POW_BITS"],
            "x": int(expires.timestamp()),
        }
    )


def has_zero_bits(token: str, nonce: str, bits: int) -> bool:
    """Whether SHA-256(token + ":" + nonce) begins with `bits` zero bits."""
    digest = hashlib.sha256(f"{token}:{nonce}".encode()).digest()
    return int.from_bytes(digest, "big") >> (256 - bits) == 0


def solve(token: str, bits: int) -> str:
    """A nonce that solves the challenge (what the browser's script does; used by tests and tools)."""
    n = 0
    while not has_zero_bits(token, str(n), bits):
        n += 1
    return str(n)


def _fresh(voter: User, entry: Entry, day: date, slot: int, now: datetime, message=None) -> ChallengeRequired:
    token = issue_challenge(voter, entry, day, slot, now)
    return ChallengeRequired(token, current_app.config["VOTE_POW_BITS"], message)


def verify_proof(proof: Proof, voter: User, entry: Entry, day: date, slot: int, now: datetime) -> None:
    """Accept a solved challenge for exactly this voter, entry, day and slot.

    Raises ChallengeFailed for a forged token, someone else's, another entry's or a wrong nonce;
    ChallengeRequired (with a new challenge) when it expired or its day or slot has passed.
    """
    if len(proof.challenge) > TOKEN_MAX or not 0 < len(proof.nonce) <= NONCE_MAX:
        raise ChallengeFailed()
    try:
        claims = _serializer().loads(proof.challenge)
    except BadSignature as error:
        raise ChallengeFailed() from error
    if not isinstance(claims, dict) or claims.get("v") != voter.id or claims.get("e") != entry.id:
        raise ChallengeFailed()
    bits = claims.get("b")
    if not isinstance(bits, int) or not has_zero_bits(proof.challenge, proof.nonce, bits):
        raise ChallengeFailed()
    expired = datetime.fromtimestamp(claims.get("x", 0), UTC) <= now
    stale = claims.get("d") != day.isoformat() or claims.get("s") != slot
    if expired or stale or bits < current_app.config["VOTE_POW_BITS"]:
        raise _fresh(voter, entry, day, slot, now)


def cast_vote_with_proof(
    contest: Contest,
    entry: Entry,
    voter: User,
    *,
    ip: str,
    user_agent: str,
    proof: Proof | None,
    now: datetime | None = None,
) -> CastVote:
    """Cast a vote, first asking a risky voter for a proof of work bound to the slot the vote will take.

    Refusals that need no check (window, entry, voter, quota) come first, so nobody solves a
    challenge for a vote that would be refused anyway.
    """
    now = now or utcnow()
    error = refusal_without_queries(contest, entry, voter, now)
    if error is not None:
        raise error
    pace = Pace.from_config(current_app.config)
    if not is_new_account(voter, now):
        # The usual case, a calm voter: one INSERT that checks staff membership and the pace as it stores.
        vote = record_vote(contest, entry, voter, ip=ip, user_agent=user_agent, now=now, pace=pace)
        if vote is not None:
            return vote
    activity = voter_activity(contest, voter, ip, now, pace)
    if activity.is_staff:
        raise StaffCannotVote()
    if risk_from(activity, voter, now) is None:  # calm again since (the last hour moved on)
        return record_vote(contest, entry, voter, ip=ip, user_agent=user_agent, now=now)
    day = voting_day(contest, now)
    slot = next_free_slot(contest, entry, voter, day)
    if slot is None:
        raise QuotaUsed(QUOTA_MESSAGES[contest.vote_policy.value])
    if proof is None:
        raise _fresh(voter, entry, day, slot, now)
    verify_proof(proof, voter, entry, day, slot, now)
    return record_vote(contest, entry, voter, ip=ip, user_agent=user_agent, now=now, slot=slot)
