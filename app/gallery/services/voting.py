"""Casting public votes: who may vote, the daily quota as numbered slots, and the atomic counter.

Fairness rests on the database, not on reads made before writing: a vote is an
INSERT ... ON CONFLICT DO NOTHING of one slot of the voter's quota for the contest-local day,
trying slots 1..votes_per_day in turn, so two requests racing for the same slot cannot both win
(the unique key (voter, contest, day, quota key, slot) decides). The entry's counter moves in the same
transaction (UPDATE ... SET valid_votes = valid_votes + 1, after creating the row with INSERT ... ON
CONFLICT DO NOTHING for an entry's first vote), never by reading the count and writing it back.
These functions flush, never commit.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import exists, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite

from app.auth.models import Role, User, UserRole
from app.contest.models import Contest, StaffMembership, VotePolicy
from app.core.errors import DomainError
from app.core.timeutil import to_local, utcnow
from app.entries.models import Entry, EntryStatus
from app.extensions import db
from app.gallery.models import EntryVoteCount, Vote
from app.gallery.services.errors import (
    QUOTA_MESSAGES,
    EntryNotVotable,
    OwnEntry,
    QuotaUsed,
    SlotTaken,
    StaffCannotVote,
    VoterLocked,
    VoterNotVerified,
    VotingClosed,
)
from app.gallery.services.visibility import counts_are_public, voting_is_open

USER_AGENT_MAX = 200
IP_MAX = 45


# ---------------------------------------------------------------------------- small pure helpers


def voting_day(contest: Contest, now: datetime) -> date:
    """The contest-local calendar day a vote cast at `now` counts for."""
    return to_local(now, contest.timezone).date()


def quota_key(contest: Contest, entry: Entry) -> str:
    """The quota a vote for this entry draws on: "e<entry id>" per entry, or "all" for a daily total."""
    return f"e{entry.id}" if contest.vote_policy == VotePolicy.PER_ENTRY_PER_DAY else "all"


def ip_prefix(ip: str) -> str:
    """The network a client address belongs to: /24 for IPv4, /48 for IPv6 ("" when not an address)."""
    try:
        address = ipaddress.ip_address(ip.strip())
    except ValueError:
        return ""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    length = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{length}", strict=False))


# ---------------------------------------------------------------------------- who may vote


def refusal(contest: Contest, entry: Entry, voter: User | None, now: datetime) -> DomainError | None:
    """Why this voter may not vote for this entry now (the error to raise), or None when they may.

    The quota is not looked at here: only the database can say whether a slot is free.
    """
    if not voting_is_open(contest, now):
        return VotingClosed()
    if entry.contest_id != contest.id or entry.status != EntryStatus.ACCEPTED:
        return EntryNotVotable()
    if voter is None or voter.is_anonymous:
        return VoterNotVerified()
    if voter.is_locked or voter.deletion_requested_at is not None:
        return VoterLocked()
    if voter.email_verified_at is None:
        return VoterNotVerified()
    if entry.entrant_id == voter.id:
        return OwnEntry()
    if _is_organiser_or_staff(contest, voter):
        return StaffCannotVote()
    return None


def _is_organiser_or_staff(contest: Contest, voter: User) -> bool:
    """Organisers (moderators, admins), the jury's chair and the contest's staff: one query, as every vote asks."""
    if contest.jury_chair_id == voter.id:
        return True
    staff = exists().where(StaffMembership.contest_id == contest.id, StaffMembership.user_id == voter.id)
    organiser = exists().where(UserRole.user_id == voter.id, UserRole.role.in_((Role.MODERATOR, Role.ADMIN)))
    return bool(db.session.scalar(select(or_(staff, organiser))))


def check_can_vote(contest: Contest, entry: Entry, voter: User | None, now: datetime) -> None:
    """Raise the reason this voter may not vote for this entry now, if there is one."""
    error = refusal(contest, entry, voter, now)
    if error is not None:
        raise error


def used_slots(contest: Contest, entry: Entry, voter: User, day: date) -> int:
    """How many slots of the quota this vote would draw on the voter has taken that day (voided ones too)."""
    return db.session.scalar(
        select(func.count(Vote.id)).where(
            Vote.voter_id == voter.id,
            Vote.contest_id == contest.id,
            Vote.day == day,
            Vote.quota_key == quota_key(contest, entry),
        )
    ) or 0


# ---------------------------------------------------------------------------- casting


def _insert(model):
    """The dialect's INSERT, which knows ON CONFLICT."""
    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def cast_vote(
    contest: Contest,
    entry: Entry,
    voter: User,
    *,
    ip: str,
    user_agent: str,
    now: datetime | None = None,
    slot: int | None = None,
) -> Vote:
    """Record one vote: take the first free slot of today's quota and add one to the entry's counter.

    Raises VotingClosed, EntryNotVotable, VoterNotVerified, VoterLocked, OwnEntry, StaffCannotVote,
    or QuotaUsed when every slot is taken; nothing is written then. With `slot` (a proof of work
    bound to that slot, see challenge.py) only that slot is tried, and SlotTaken is raised if it is gone.
    """
    now = now or utcnow()
    check_can_vote(contest, entry, voter, now)
    day, key = voting_day(contest, now), quota_key(contest, entry)
    slots = [slot] if slot is not None else range(1, contest.votes_per_day + 1)
    values = dict(
        contest_id=contest.id,
        entry_id=entry.id,
        voter_id=voter.id,
        day=day,
        quota_key=key,
        cast_at=now,
        ip=ip[:IP_MAX],
        ip_prefix=ip_prefix(ip),
        user_agent=(user_agent or "")[:USER_AGENT_MAX],
        is_valid=True,
    )
    vote = None
    for number in slots:
        if not 1 <= number <= contest.votes_per_day:
            break
        statement = (
            _insert(Vote)
            .values(slot=number, **values)
            .on_conflict_do_nothing(index_elements=["voter_id", "contest_id", "day", "quota_key", "slot"])
            .returning(Vote)
        )
        vote = db.session.scalars(statement).first()
        if vote is not None:
            break
    if vote is None:
        if slot is not None:
            raise SlotTaken()
        raise QuotaUsed(QUOTA_MESSAGES[contest.vote_policy.value])
    _count_vote(contest, entry, now)  # last: the counter's row lock is held until commit
    return vote


def _count_vote(contest: Contest, entry: Entry, now: datetime) -> None:
    """Add one valid vote to the entry's counter with an atomic UPDATE ... SET n = n + 1 (no read-then-write).

    The entry's first vote creates the row first (INSERT ... ON CONFLICT DO NOTHING, so two first
    votes cannot both create it). The UPDATE goes first because the row nearly always exists: on a hot
    entry, one statement holding the row lock until commit is what keeps votes fast.
    """
    bump = (
        update(EntryVoteCount)
        .where(EntryVoteCount.entry_id == entry.id)
        .values(valid_votes=EntryVoteCount.valid_votes + 1, last_vote_at=now)
        .execution_options(synchronize_session=False)
    )
    if db.session.execute(bump).rowcount == 0:
        create = _insert(EntryVoteCount).values(
            entry_id=entry.id, contest_id=contest.id, valid_votes=0, voided_votes=0, last_vote_at=now
        )
        db.session.execute(create.on_conflict_do_nothing(index_elements=["entry_id"]))
        db.session.execute(bump)
    counter = db.session.identity_map.get(db.session.identity_key(EntryVoteCount, (entry.id,)))
    if counter is not None:
        db.session.expire(counter)


# ---------------------------------------------------------------------------- what the button shows


@dataclass(frozen=True)
class VoteState:
    """What the vote button shows: whether voting is open, whether this visitor can vote and why not,
    votes left today, and the counts only when they are public (None otherwise)."""

    is_open: bool
    can_vote: bool
    reason_code: str | None
    reason: str | None
    votes_left_today: int | None
    votes_per_day: int
    count: int | None
    voided: int | None
    needs_login: bool

    def summary(self) -> str:
        """The line under the button: why not, or how many votes are left today."""
        if self.reason:
            return self.reason
        if self.needs_login:
            return str(_l("Log in to vote."))
        if self.votes_left_today is None:
            return ""
        return str(_l("Votes left today: %(left)d of %(total)d.", left=self.votes_left_today, total=self.votes_per_day))

    def as_json(self) -> dict:
        """The state for the page's script; counts appear only when public."""
        body = {
            "summary": self.summary(),
            "is_open": self.is_open,
            "can_vote": self.can_vote,
            "reason_code": self.reason_code,
            "reason": self.reason,
            "votes_left_today": self.votes_left_today,
            "votes_per_day": self.votes_per_day,
            "needs_login": self.needs_login,
        }
        if self.count is not None:
            body["count"] = self.count
            body["voided"] = self.voided
        return body


def vote_state(contest: Contest, entry: Entry, voter: User | None, now: datetime | None = None) -> VoteState:
    """What the vote button shows this visitor (anonymous: voter None or not authenticated)."""
    now = now or utcnow()
    signed_in = voter is not None and not voter.is_anonymous
    error = refusal(contest, entry, voter, now)
    left = None
    if error is None:
        left = max(contest.votes_per_day - used_slots(contest, entry, voter, voting_day(contest, now)), 0)
        if left == 0:
            error = QuotaUsed(QUOTA_MESSAGES[contest.vote_policy.value])
    count = voided = None
    if counts_are_public(contest, now):
        row = db.session.execute(
            select(EntryVoteCount.valid_votes, EntryVoteCount.voided_votes).where(EntryVoteCount.entry_id == entry.id)
        ).first()
        count, voided = (row.valid_votes, row.voided_votes) if row else (0, 0)
    is_open = voting_is_open(contest, now)
    explain = error is not None and (signed_in or not is_open)  # an anonymous visitor is asked to log in
    return VoteState(
        is_open=is_open,
        can_vote=error is None,
        reason_code=error.code if explain else None,
        reason=str(error.message) if explain else None,
        votes_left_today=left,
        votes_per_day=contest.votes_per_day,
        count=count,
        voided=voided,
        needs_login=not signed_in,
    )
