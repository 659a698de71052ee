"""The shapes every detector shares: severities, thresholds, flags, and the SQL helpers they all use."""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Float, and_, cast, func, select

from app.contest.models import Contest
from app.core.timeutil import to_local
from app.entries.models import Entry
from app.extensions import db
from app.gallery.models import Vote


class Severity(enum.IntEnum):
    """How strongly a flag suggests cheating; the report lists the strongest first."""

    LOW = 1
    MEDIUM = 2
    HIGH = 3


@dataclass(frozen=True)
class FraudThresholds:
    """When each flag fires (heuristics the organisers may tune per call)."""

    burst_window: timedelta = timedelta(minutes=10)
    burst_min_votes: int = 20
    burst_rate_factor: float = 5.0  # times the entry's usual number of votes per window
    ip_min_voters: int = 5
    subnet_min_voters: int = 10
    signup_window: timedelta = timedelta(minutes=30)
    name_similarity: float = 0.85
    alike_min_accounts: int = 3
    new_account_age: timedelta = timedelta(hours=24)
    new_single_min_voters: int = 5
    regular_min_votes: int = 5
    regular_max_variation: float = 0.1  # coefficient of variation of the gaps
    regular_max_jitter: timedelta = timedelta(minutes=2)  # and the gaps' spread stays under this


DEFAULT_THRESHOLDS = FraudThresholds()


@dataclass(frozen=True)
class FraudFlag:
    """One suspicious pattern on one entry: a code, a translated reason with figures, the votes concerned."""

    code: str
    severity: Severity
    reason: str
    entry_id: int
    vote_ids: tuple[int, ...]
    voter_ids: tuple[int, ...]
    figures: dict = field(default_factory=dict)


@dataclass
class EntryFlags:
    """An entry and the flags raised on its votes."""

    entry: Entry
    flags: list[FraudFlag]

    @property
    def severity(self) -> Severity:
        """The strongest flag's severity."""
        return max(f.severity for f in self.flags)

    @property
    def vote_ids(self) -> set[int]:
        """Every vote some flag points at."""
        return {vote_id for f in self.flags for vote_id in f.vote_ids}

    @property
    def codes(self) -> list[str]:
        """The flag codes, strongest first, each once."""
        return list(dict.fromkeys(f.code for f in self.flags))


# ---------------------------------------------------------------------------- SQL helpers

EntryIds = Collection[int] | None  # restrict a detector to these entries; None for the whole contest


def epoch(column):
    """Seconds since 1970 (with fractions) of a timestamp column, on SQLite and PostgreSQL."""
    if db.session.get_bind().dialect.name == "sqlite":
        return (func.julianday(column) - 2440587.5) * 86400.0
    return cast(func.extract("epoch", column), Float)


def valid(contest: Contest, entry_ids: EntryIds = None):
    """The contest's valid votes, on the given entries only if entry_ids is given (empty: none at all)."""
    condition = and_(Vote.contest_id == contest.id, Vote.is_valid.is_(True))
    return condition if entry_ids is None else and_(condition, Vote.entry_id.in_(list(entry_ids)))


def votes_of(contest: Contest, *conditions) -> list[tuple[int, int | None]]:
    """(vote id, voter id) of the contest's valid votes matching the conditions."""
    return db.session.execute(select(Vote.id, Vote.voter_id).where(valid(contest), *conditions)).all()


def ids_of(rows) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The sorted vote ids and distinct voter ids of (vote id, voter id) rows, as a flag names them."""
    votes = tuple(sorted(r[0] for r in rows))
    voters = tuple(sorted({r[1] for r in rows if r[1] is not None}))
    return votes, voters


def local_time(moment: datetime, contest: Contest) -> str:
    """A moment as the organisers read it: the contest's local time."""
    return to_local(moment, contest.timezone).strftime("%H:%M %d/%m/%Y")
