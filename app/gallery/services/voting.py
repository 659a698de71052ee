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
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, lru_cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, exists, func, or_, select, true, update
from sqlalchemy.dialects import postgresql, sqlite

from app.auth.models import Role, User
from app.contest.models import Contest, StaffMembership, VotePolicy
from app.core.driver_sql import DriverStatement
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


_OCTET = r"(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)"  # 0-255 without leading zeros, as ipaddress accepts
_IPV4 = re.compile(r"\.".join([_OCTET] * 4))


@lru_cache(maxsize=4096)
def ip_prefix(ip: str) -> str:
    """The network a client address belongs to: /24 for IPv4, /48 for IPv6 ("" when not an address).

    A plain dotted IPv4 address is cut by a regular expression (ipaddress takes 25 µs per address, and
    every vote asks); anything else goes through ipaddress. Cached, as the same voters come back."""
    ip = ip.strip()
    if (octets := _IPV4.fullmatch(ip)) is not None:
        return f"{octets[1]}.{octets[2]}.{octets[3]}.0/24"
    try:
        address = ipaddress.ip_address(ip)
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
    error = refusal_without_queries(contest, entry, voter, now)
    if error is None and is_contest_staff(contest, voter):
        return StaffCannotVote()
    return error


def refusal_without_queries(
    contest: Contest, entry: Entry, voter: User | None, now: datetime
) -> DomainError | None:
    """Every refusal the loaded objects can tell: all but membership of the contest's staff (see
    `is_contest_staff`), which needs the database. The voter's roles load with the voter."""
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
    if contest.jury_chair_id == voter.id or voter.has_role(Role.MODERATOR):  # admins hold every role
        return StaffCannotVote()
    return None


def staff_membership(contest: Contest, voter: User):
    """EXISTS: the voter is on the contest's staff (its jury or secretariat), to embed in a query."""
    return exists().where(StaffMembership.contest_id == contest.id, StaffMembership.user_id == voter.id)


def is_contest_staff(contest: Contest, voter: User) -> bool:
    """Whether the voter is on the contest's staff (its jury or secretariat)."""
    return bool(db.session.scalar(select(staff_membership(contest, voter))))


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


# ---------------------------------------------------------------------------- what a cast vote gives back


@dataclass(frozen=True)
class CastVote:
    """The vote just stored: its id and the quota slot it took (the row itself is not loaded)."""

    id: int
    entry_id: int
    voter_id: int
    day: date
    quota_key: str
    slot: int


VOTES = Vote.__table__
COUNTERS = EntryVoteCount.__table__
QUOTA_KEY_COLUMNS = ["voter_id", "contest_id", "day", "quota_key", "slot"]
VOTE_COLUMNS = (
    "contest_id", "entry_id", "voter_id", "day", "quota_key", "slot", "cast_at", "ip", "ip_prefix", "user_agent",
    "is_valid",
)


# ---------------------------------------------------------------------------- pace: staff and recent activity


@dataclass(frozen=True)
class Pace:
    """How many recent votes a voter's network (last hour) and the voter (last 10 minutes) may have for a
    vote to go through at once; above either, the vote is risky and needs a proof of work (challenge.py)."""

    network_votes_per_hour: int
    voter_votes_per_10_min: int

    @classmethod
    def from_config(cls, config) -> Pace:
        return cls(config["VOTE_RISK_PREFIX_VOTES_PER_HOUR"], config["VOTE_RISK_VOTER_VOTES_PER_10_MIN"])


@dataclass(frozen=True)
class VoterActivity:
    """Whether the voter is on the contest's staff, and the recent votes of their network and of themselves
    (each counted only up to its threshold + 1: enough to know it is passed)."""

    is_staff: bool
    network_votes_last_hour: int
    voter_votes_last_10_min: int


def _capped_count(cap: int, *conditions):
    """count(*) of the votes matching `conditions`, stopping at `cap`: bounded work however busy a network is."""
    matching = select(Vote.id).where(*conditions).limit(cap).subquery()
    return select(func.count()).select_from(matching).scalar_subquery()


def _pace_terms(pace: Pace):
    """Staff membership, the network's and the voter's recent votes, as SQL with bound parameters g_*."""
    staff = exists().where(
        StaffMembership.contest_id == bindparam("g_contest"), StaffMembership.user_id == bindparam("g_voter")
    )
    network = _capped_count(
        pace.network_votes_per_hour + 1,
        Vote.contest_id == bindparam("g_contest"),
        Vote.ip_prefix == bindparam("g_prefix"),
        Vote.cast_at >= bindparam("g_hour_ago"),
    )
    mine = _capped_count(
        pace.voter_votes_per_10_min + 1,
        Vote.voter_id == bindparam("g_voter"),
        Vote.cast_at >= bindparam("g_minutes_ago"),
    )
    return staff, network, mine


def _pace_parameters(contest: Contest, voter: User, ip: str, now: datetime) -> dict:
    return {
        "g_contest": contest.id,
        "g_voter": voter.id,
        "g_prefix": ip_prefix(ip),
        "g_hour_ago": now - timedelta(hours=1),
        "g_minutes_ago": now - timedelta(minutes=10),
    }


@cache
def _activity_statement(pace: Pace):
    """The query `voter_activity` runs, built once (see _VoteStatements)."""
    return select(*_pace_terms(pace))


def voter_activity(contest: Contest, voter: User, ip: str, now: datetime, pace: Pace) -> VoterActivity:
    """Staff membership and recent activity of this voter and their network, in one round trip."""
    parameters = _pace_parameters(contest, voter, ip, now)
    is_staff, network, mine = db.session.connection().execute(_activity_statement(pace), parameters).one()
    network = network if parameters["g_prefix"] else 0  # no network to count without an address
    return VoterActivity(bool(is_staff), network, mine)


def is_calm(activity: VoterActivity, pace: Pace) -> bool:
    """Whether neither the network nor the voter has voted more than the pace allows."""
    return (
        activity.network_votes_last_hour <= pace.network_votes_per_hour
        and activity.voter_votes_last_10_min <= pace.voter_votes_per_10_min
    )


# ---------------------------------------------------------------------------- the statements a vote runs


@dataclass(frozen=True)
class _VoteStatements:
    """The statements a vote runs, built once per dialect (and pace) with bound parameters, and run
    straight on the driver (app/core/driver_sql.py): building SQLAlchemy expressions, and executing them
    through SQLAlchemy, costs more per vote than the database's own work, and a hot entry waits on it."""

    insert_vote: DriverStatement
    bump_counter: DriverStatement
    create_counter: DriverStatement


@cache
def _vote_statements(dialect: str, pace: Pace | None) -> _VoteStatements:
    """INSERT the vote (ON CONFLICT DO NOTHING on the quota slot, RETURNING its id), and the counter's
    atomic UPDATE and first-vote INSERT, for one dialect (both know ON CONFLICT).

    With a pace the INSERT is INSERT ... SELECT ... WHERE the voter is not staff and the pace holds: the
    checks a calm vote needs ride in the statement that stores it, one round trip instead of two.
    """
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # Parameters are named apart from the columns ("v_…", "counted_…"): SQLAlchemy reserves a table's
    # column names for its own VALUES and SET.
    row = select(*[bindparam(f"v_{name}", type_=VOTES.c[name].type) for name in VOTE_COLUMNS])
    if pace is not None:
        staff, network, mine = _pace_terms(pace)
        calm = or_(bindparam("g_prefix") == "", network <= pace.network_votes_per_hour)
        row = row.where(~staff, calm, mine <= pace.voter_votes_per_10_min)
    else:
        row = row.where(true())  # SQLite parses INSERT ... SELECT ... ON CONFLICT only with a WHERE
    insert_vote = (
        insert(VOTES)
        .from_select(list(VOTE_COLUMNS), row)
        .on_conflict_do_nothing(index_elements=QUOTA_KEY_COLUMNS)
        .returning(VOTES.c.id)
    )
    bump = (
        update(COUNTERS)
        .where(COUNTERS.c.entry_id == bindparam("counted_entry"))
        .values(valid_votes=COUNTERS.c.valid_votes + 1, last_vote_at=bindparam("counted_at"))
    )
    create = (
        insert(COUNTERS)
        .values(
            entry_id=bindparam("counted_entry"),
            contest_id=bindparam("counted_contest"),
            valid_votes=0,
            voided_votes=0,
            last_vote_at=bindparam("counted_at"),
        )
        .on_conflict_do_nothing(index_elements=["entry_id"])
    )
    return _VoteStatements(DriverStatement(insert_vote), DriverStatement(bump), DriverStatement(create))


# ---------------------------------------------------------------------------- casting


def cast_vote(
    contest: Contest,
    entry: Entry,
    voter: User,
    *,
    ip: str,
    user_agent: str,
    now: datetime | None = None,
    slot: int | None = None,
) -> CastVote:
    """Check that this voter may vote for this entry now, then record the vote (see `record_vote`).

    Raises VotingClosed, EntryNotVotable, VoterNotVerified, VoterLocked, OwnEntry, StaffCannotVote,
    or what `record_vote` raises; nothing is written then.
    """
    now = now or utcnow()
    check_can_vote(contest, entry, voter, now)
    return record_vote(contest, entry, voter, ip=ip, user_agent=user_agent, now=now, slot=slot)


def record_vote(
    contest: Contest,
    entry: Entry,
    voter: User,
    *,
    ip: str,
    user_agent: str,
    now: datetime,
    slot: int | None = None,
    pace: Pace | None = None,
) -> CastVote | None:
    """Take the first free slot of today's quota and add one to the entry's counter, for a voter already
    found eligible (`refusal_without_queries` is None; with no `pace`, `refusal` too).

    Core statements on the session's connection, no ORM object built: on a hot entry the counter's row
    lock is held from its UPDATE to the commit, and everyone else waits. With a `pace`, the vote is
    stored only if the voter is not staff and the pace holds, and None is returned when that is why
    nothing was stored (the caller then looks closer: staff, or a risky vote needing a proof of work).
    Raises QuotaUsed when every slot is taken, or SlotTaken when `slot` (a proof of work bound to that
    slot, see challenge.py) is given and gone; nothing is written then.
    """
    day, key = voting_day(contest, now), quota_key(contest, entry)
    slots = [slot] if slot is not None else range(1, contest.votes_per_day + 1)
    row = {
        "v_contest_id": contest.id,
        "v_entry_id": entry.id,
        "v_voter_id": voter.id,
        "v_day": day,
        "v_quota_key": key,
        "v_cast_at": now,
        "v_ip": ip[:IP_MAX],
        "v_ip_prefix": ip_prefix(ip),
        "v_user_agent": (user_agent or "")[:USER_AGENT_MAX],
        "v_is_valid": True,
    }
    if pace is not None:
        row |= _pace_parameters(contest, voter, ip, now)
    counted = dict(counted_entry=entry.id, counted_contest=contest.id, counted_at=now)
    connection = db.session.connection()
    for number in slots:
        if not 1 <= number <= contest.votes_per_day:
            break
        statements = _vote_statements(connection.dialect.name, pace)
        vote_id = _insert_and_count_vote(connection, statements, row | {"v_slot": number} | counted)
        if vote_id is not None:
            return CastVote(vote_id, entry.id, voter.id, day, key, number)
        if pace is not None:  # the slot was taken, or the guard said no: which?
            activity = voter_activity(contest, voter, ip, now, pace)
            if activity.is_staff or not is_calm(activity, pace):
                return None
            pace = None  # calm after all: the slot was taken, try the next ones plainly
    if slot is not None:
        raise SlotTaken()
    raise QuotaUsed(QUOTA_MESSAGES[contest.vote_policy.value])


def _insert_and_count_vote(connection, statements: _VoteStatements, parameters: dict) -> int | None:
    """INSERT the vote and, if it was stored, add one to the entry's counter: the new vote's id, or None.

    The counter moves by an atomic UPDATE ... SET n = n + 1 (no read-then-write), in a statement of its
    own after the INSERT. PostgreSQL could do both in one WITH statement, one round trip fewer, but with
    8 voters on one entry that measured no faster (bench/votes.py), and the counter's row lock, held
    until commit, would then also be held while the INSERT checks its foreign keys.

    The entry's first vote creates the counter row (INSERT ... ON CONFLICT DO NOTHING, so two first
    votes cannot both create it); the UPDATE is tried before, because the row nearly always exists.
    """
    stored = statements.insert_vote.first(connection, parameters)
    if stored is None:
        return None
    if statements.bump_counter.rowcount(connection, parameters) == 0:
        statements.create_counter.rowcount(connection, parameters)
        statements.bump_counter.rowcount(connection, parameters)
    counter = db.session.identity_map.get(db.session.identity_key(EntryVoteCount, (parameters["counted_entry"],)))
    if counter is not None:
        db.session.expire(counter)
    return stored[0]


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
