"""Fraud flags for the organisers' review of public votes: each says what looks wrong, with the figures.

Flags are signals for people, never verdicts: nothing here changes a vote (voiding is
`app.gallery.services.voiding`, by two organisers). Only valid votes are looked at, so votes
already voided stop raising flags. SQL does the heavy lifting (grouping, counting, the gaps between
a voter's votes); Python handles the small candidate sets (sliding windows, name likeness).

Codes: burst, same_ip, same_subnet, alike_accounts, disposable_email, new_single_entry,
regular_voter, regular_ip. Thresholds are in `FraudThresholds` (defaults below, overridable per call).
"""

from __future__ import annotations

import enum
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from difflib import SequenceMatcher

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, Float, and_, cast, distinct, func, or_, select

from app.auth.models import User
from app.contest.models import Contest
from app.core.search import fold_for_search
from app.core.timeutil import to_local, utcnow
from app.entries.models import Entry
from app.extensions import db
from app.gallery.models import Vote
from app.gallery.services.disposable_domains import disposable_domains


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


def _epoch(column):
    """Seconds since 1970 (with fractions) of a timestamp column, on SQLite and PostgreSQL."""
    if db.session.get_bind().dialect.name == "sqlite":
        return (func.julianday(column) - 2440587.5) * 86400.0
    return cast(func.extract("epoch", column), Float)


def _valid(contest: Contest):
    return and_(Vote.contest_id == contest.id, Vote.is_valid.is_(True))


def _votes_of(contest: Contest, *conditions) -> list[tuple[int, int | None]]:
    """(vote id, voter id) of the contest's valid votes matching the conditions."""
    return db.session.execute(select(Vote.id, Vote.voter_id).where(_valid(contest), *conditions)).all()


def _ids(rows) -> tuple[tuple[int, ...], tuple[int, ...]]:
    votes = tuple(sorted(r[0] for r in rows))
    voters = tuple(sorted({r[1] for r in rows if r[1] is not None}))
    return votes, voters


def _local(moment: datetime, contest: Contest) -> str:
    return to_local(moment, contest.timezone).strftime("%H:%M %d/%m/%Y")


# ---------------------------------------------------------------------------- bursts


def burst_flags(contest: Contest, t: FraudThresholds = DEFAULT_THRESHOLDS, now: datetime | None = None):
    """Many votes on one entry inside a short window, well above that entry's usual rate."""
    now = now or utcnow()
    window = t.burst_window.total_seconds()
    bucket = cast(_epoch(Vote.cast_at) / window, BigInteger)
    # A window of burst_min_votes overlaps at most two buckets, so one of them holds half.
    candidates = db.session.execute(
        select(Vote.entry_id, bucket)
        .where(_valid(contest))
        .group_by(Vote.entry_id, bucket)
        .having(func.count(Vote.id) * 2 >= t.burst_min_votes)
    ).all()
    by_entry: dict[int, list[int]] = defaultdict(list)
    for entry_id, number in candidates:
        by_entry[entry_id].append(int(number))
    flags = []
    for entry_id, numbers in by_entry.items():
        flags.extend(_entry_bursts(contest, entry_id, numbers, t, now))
    return flags


def _usual_per_window(contest: Contest, entry_id: int, t: FraudThresholds, now: datetime) -> float:
    total, first, last = db.session.execute(
        select(func.count(Vote.id), func.min(Vote.cast_at), func.max(Vote.cast_at)).where(
            _valid(contest), Vote.entry_id == entry_id
        )
    ).one()
    start = contest.voting_open_at or first
    end = min(now, contest.voting_close_at) if contest.voting_close_at else last
    span = max((end - start).total_seconds(), t.burst_window.total_seconds()) if start and end else 1.0
    return total * t.burst_window.total_seconds() / span


def _entry_bursts(contest, entry_id, numbers, t: FraudThresholds, now) -> list[FraudFlag]:
    window = t.burst_window
    lows = [datetime.fromtimestamp((n - 1) * window.total_seconds(), tz=now.tzinfo) for n in sorted(numbers)]
    ranges = or_(*[and_(Vote.cast_at >= low, Vote.cast_at < low + 3 * window) for low in lows])
    rows = db.session.execute(
        select(Vote.id, Vote.voter_id, Vote.cast_at)
        .where(_valid(contest), Vote.entry_id == entry_id, ranges)
        .order_by(Vote.cast_at, Vote.id)
    ).all()
    usual = _usual_per_window(contest, entry_id, t, now)
    needed = max(t.burst_min_votes, t.burst_rate_factor * usual)
    times = [r.cast_at for r in rows]
    marked = [False] * len(rows)
    peak = [0] * len(rows)
    j = 0
    for i in range(len(rows)):
        while j < len(rows) and times[j] - times[i] < window:
            j += 1
        if j - i >= needed:
            for k in range(i, j):
                marked[k] = True
                peak[k] = max(peak[k], j - i)
    flags, run = [], []
    for k, row in enumerate(rows):
        if marked[k] and (not run or run[-1][0] == k - 1):
            run.append((k, row))
            continue
        if run:
            flags.append(_burst_flag(contest, entry_id, run, peak, usual, t))
        run = [(k, row)] if marked[k] else []
    if run:
        flags.append(_burst_flag(contest, entry_id, run, peak, usual, t))
    return flags


def _burst_flag(contest, entry_id, run, peak, usual, t: FraudThresholds) -> FraudFlag:
    rows = [row for _, row in run]
    top = max(peak[k] for k, _ in run)
    minutes = int(t.burst_window.total_seconds() // 60)
    factor = top / usual if usual else float(top)
    votes, voters = _ids(rows)
    return FraudFlag(
        "burst",
        Severity.HIGH if top >= 3 * t.burst_min_votes or factor >= 4 * t.burst_rate_factor else Severity.MEDIUM,
        _l(
            "%(votes)d votes within %(minutes)d minutes (between %(start)s and %(end)s), about %(factor)d times "
            "this entry's usual %(usual).1f votes per %(minutes)d minutes; %(total)d votes in the surge.",
            votes=top,
            minutes=minutes,
            start=_local(rows[0].cast_at, contest),
            end=_local(rows[-1].cast_at, contest),
            factor=round(factor),
            usual=usual,
            total=len(rows),
        ),
        entry_id,
        votes,
        voters,
        {"peak": top, "usual_per_window": round(usual, 2), "votes": len(rows)},
    )


# ---------------------------------------------------------------------------- shared addresses


def shared_address_flags(contest: Contest, t: FraudThresholds = DEFAULT_THRESHOLDS) -> list[FraudFlag]:
    """Many accounts voting for the same entry from one IP address, or from one /24 (/48) network."""
    flags = []
    same_ip = db.session.execute(
        select(Vote.entry_id, Vote.ip, func.count(distinct(Vote.voter_id)))
        .where(_valid(contest), Vote.ip != "")
        .group_by(Vote.entry_id, Vote.ip)
        .having(func.count(distinct(Vote.voter_id)) >= t.ip_min_voters)
    ).all()
    for entry_id, ip, voter_count in same_ip:
        votes, voters = _ids(_votes_of(contest, Vote.entry_id == entry_id, Vote.ip == ip))
        flags.append(
            FraudFlag(
                "same_ip",
                Severity.HIGH if voter_count >= 2 * t.ip_min_voters else Severity.MEDIUM,
                _l(
                    "%(voters)d different accounts voted for this entry from the same IP address %(ip)s "
                    "(%(votes)d votes).",
                    voters=voter_count,
                    ip=ip,
                    votes=len(votes),
                ),
                entry_id,
                votes,
                voters,
                {"voters": voter_count, "ip": ip},
            )
        )
    same_net = db.session.execute(
        select(Vote.entry_id, Vote.ip_prefix, func.count(distinct(Vote.voter_id)), func.count(distinct(Vote.ip)))
        .where(_valid(contest), Vote.ip_prefix != "")
        .group_by(Vote.entry_id, Vote.ip_prefix)
        .having(func.count(distinct(Vote.voter_id)) >= t.subnet_min_voters, func.count(distinct(Vote.ip)) >= 2)
    ).all()
    for entry_id, prefix, voter_count, ip_count in same_net:
        votes, voters = _ids(_votes_of(contest, Vote.entry_id == entry_id, Vote.ip_prefix == prefix))
        flags.append(
            FraudFlag(
                "same_subnet",
                Severity.MEDIUM if voter_count >= 2 * t.subnet_min_voters else Severity.LOW,
                _l(
                    "%(voters)d different accounts voted for this entry from %(ips)d addresses of the same network "
                    "%(prefix)s (%(votes)d votes).",
                    voters=voter_count,
                    ips=ip_count,
                    prefix=prefix,
                    votes=len(votes),
                ),
                entry_id,
                votes,
                voters,
                {"voters": voter_count, "addresses": ip_count, "prefix": prefix},
            )
        )
    return flags


# ---------------------------------------------------------------------------- alike accounts

_DIGITS = re.compile(r"\d+")


def name_key(name: str) -> str:
    """A name folded for comparison: lower case, no diacritics, single spaces."""
    return " ".join(fold_for_search(name).split())


def email_stem(email: str) -> str:
    """An email's local part without its +tag, dots and digits ("Nguyen.Van.A+x12@…" → "nguyenvana")."""
    local = (email or "").lower().partition("@")[0].split("+")[0]
    return _DIGITS.sub("", local.replace(".", ""))


def texts_alike(first: str, second: str, threshold: float = DEFAULT_THRESHOLDS.name_similarity) -> bool:
    """Equal, the same stem with different numbers ("nguyen van a1" / "a2"), or a SequenceMatcher ratio ≥ threshold."""
    if not first or not second:
        return False
    if first == second:
        return True
    stem_a, stem_b = _DIGITS.sub("", first).strip(), _DIGITS.sub("", second).strip()
    if stem_a and stem_a == stem_b:
        return True
    return SequenceMatcher(None, first, second).ratio() >= threshold


def accounts_alike(first: User, second: User, threshold: float = DEFAULT_THRESHOLDS.name_similarity) -> bool:
    """Whether two accounts' names or email addresses are nearly alike."""
    if texts_alike(name_key(first.full_name), name_key(second.full_name), threshold):
        return True
    stem_a, stem_b = email_stem(first.email), email_stem(second.email)
    return len(stem_a) >= 4 and len(stem_b) >= 4 and (stem_a == stem_b or texts_alike(stem_a, stem_b, threshold))


def alike_account_flags(contest: Contest, t: FraudThresholds = DEFAULT_THRESHOLDS) -> list[FraudFlag]:
    """Accounts registered within a short window of each other, with nearly alike names or emails, voting for
    the same entry."""
    pairs = db.session.execute(
        select(Vote.entry_id, User).join(User, User.id == Vote.voter_id).where(_valid(contest)).distinct()
    ).all()
    voters_of: dict[int, list[User]] = defaultdict(list)
    for entry_id, user in pairs:
        voters_of[entry_id].append(user)
    flags = []
    for entry_id, users in voters_of.items():
        for cluster in _alike_clusters(users, t):
            if len(cluster) < t.alike_min_accounts:
                continue
            votes, voters = _ids(
                _votes_of(contest, Vote.entry_id == entry_id, Vote.voter_id.in_([u.id for u in cluster]))
            )
            span = max(u.created_at for u in cluster) - min(u.created_at for u in cluster)
            flags.append(
                FraudFlag(
                    "alike_accounts",
                    Severity.HIGH if len(cluster) >= 2 * t.alike_min_accounts else Severity.MEDIUM,
                    _l(
                        "%(accounts)d accounts with nearly alike names or emails, registered within %(minutes)d "
                        "minutes, voted for this entry (%(votes)d votes): %(names)s.",
                        accounts=len(cluster),
                        minutes=max(1, round(span.total_seconds() / 60)),
                        votes=len(votes),
                        names=", ".join(sorted(u.full_name for u in cluster)[:8]),
                    ),
                    entry_id,
                    votes,
                    voters,
                    {"accounts": len(cluster), "registered_within_minutes": round(span.total_seconds() / 60)},
                )
            )
    return flags


def _alike_clusters(users: list[User], t: FraudThresholds) -> list[list[User]]:
    """Groups of accounts linked by pairs registered within the window and alike (union-find)."""
    users = sorted(users, key=lambda u: u.created_at)
    parent = list(range(len(users)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, first in enumerate(users):
        for j in range(i + 1, len(users)):
            if users[j].created_at - first.created_at > t.signup_window:
                break
            if accounts_alike(first, users[j], t.name_similarity):
                parent[root(j)] = root(i)
    groups: dict[int, list[User]] = defaultdict(list)
    for i, user in enumerate(users):
        groups[root(i)].append(user)
    return [g for g in groups.values() if len(g) > 1]


# ---------------------------------------------------------------------------- throwaway and new accounts


def disposable_email_flags(contest: Contest, t: FraudThresholds = DEFAULT_THRESHOLDS) -> list[FraudFlag]:
    """Votes from accounts whose email address is at a throwaway-mail domain."""
    domains = sorted(disposable_domains())
    email = func.lower(User.email)
    rows = db.session.execute(
        select(Vote.entry_id, Vote.id, Vote.voter_id, User.email)
        .join(User, User.id == Vote.voter_id)
        .where(_valid(contest), or_(*[email.like(f"%@{d}") for d in domains]))
    ).all()
    by_entry = defaultdict(list)
    for row in rows:
        by_entry[row.entry_id].append(row)
    flags = []
    for entry_id, found in by_entry.items():
        votes, voters = _ids([(r.id, r.voter_id) for r in found])
        used = sorted({r.email.lower().rpartition("@")[2] for r in found})
        flags.append(
            FraudFlag(
                "disposable_email",
                Severity.MEDIUM if len(voters) >= 5 else Severity.LOW,
                _l(
                    "%(voters)d voters use throwaway email addresses (%(domains)s): %(votes)d votes.",
                    voters=len(voters),
                    domains=", ".join(used),
                    votes=len(votes),
                ),
                entry_id,
                votes,
                voters,
                {"voters": len(voters), "domains": used},
            )
        )
    return flags


def new_single_entry_flags(contest: Contest, t: FraudThresholds = DEFAULT_THRESHOLDS) -> list[FraudFlag]:
    """Accounts registered shortly before their first vote that voted for one entry only."""
    query = (
        select(Vote.voter_id, func.min(Vote.entry_id), func.min(Vote.cast_at), User.created_at)
        .join(User, User.id == Vote.voter_id)
        .where(_valid(contest))
        .group_by(Vote.voter_id, User.created_at)
        .having(func.count(distinct(Vote.entry_id)) == 1)
    )
    if contest.voting_open_at is not None:  # older accounts cannot be new at their first vote
        query = query.where(User.created_at >= contest.voting_open_at - t.new_account_age)
    newcomers = defaultdict(list)
    for voter_id, entry_id, first_vote, created_at in db.session.execute(query):
        if first_vote - created_at < t.new_account_age:
            newcomers[entry_id].append(voter_id)
    flags = []
    for entry_id, voter_ids in newcomers.items():
        if len(voter_ids) < t.new_single_min_voters:
            continue
        votes, voters = _ids(_votes_of(contest, Vote.entry_id == entry_id, Vote.voter_id.in_(voter_ids)))
        total = db.session.scalar(select(func.count(Vote.id)).where(_valid(contest), Vote.entry_id == entry_id))
        share = round(100 * len(votes) / total) if total else 0
        flags.append(
            FraudFlag(
                "new_single_entry",
                Severity.MEDIUM if share >= 50 else Severity.LOW,
                _l(
                    "%(voters)d accounts registered less than %(hours)d hours before their first vote voted for "
                    "this entry and no other: %(votes)d votes, %(share)d%% of its valid votes.",
                    voters=len(voters),
                    hours=round(t.new_account_age.total_seconds() / 3600),
                    votes=len(votes),
                    share=share,
                ),
                entry_id,
                votes,
                voters,
                {"voters": len(voters), "share_percent": share},
            )
        )
    return flags


# ---------------------------------------------------------------------------- machine-regular timing


def regular_timing_flags(contest: Contest, t: FraudThresholds = DEFAULT_THRESHOLDS) -> list[FraudFlag]:
    """A voter's, or an IP address's, consecutive votes at nearly constant intervals."""
    by_voter = _regular_flags(contest, Vote.voter_id, "regular_voter", t)
    return by_voter + _regular_flags(contest, Vote.ip, "regular_ip", t)


def _regular_flags(contest: Contest, key, code: str, t: FraudThresholds) -> list[FraudFlag]:
    moment = _epoch(Vote.cast_at)
    present = key != "" if code == "regular_ip" else key.is_not(None)
    gaps = (
        select(
            key.label("who"),
            (moment - func.lag(moment).over(partition_by=key, order_by=(Vote.cast_at, Vote.id))).label("gap"),
        )
        .where(_valid(contest), present)
        .subquery()
    )
    stats = db.session.execute(
        select(gaps.c.who, func.count(gaps.c.gap), func.avg(gaps.c.gap), func.avg(gaps.c.gap * gaps.c.gap))
        .where(gaps.c.gap.is_not(None))
        .group_by(gaps.c.who)
        .having(func.count(gaps.c.gap) >= t.regular_min_votes - 1)
    ).all()
    flags = []
    for who, gap_count, mean, mean_square in stats:
        mean, mean_square = float(mean), float(mean_square)
        spread = max(mean_square - mean * mean, 0.0) ** 0.5
        if mean <= 0 or spread / mean >= t.regular_max_variation or spread >= t.regular_max_jitter.total_seconds():
            continue
        flags.extend(_regular_flags_for(contest, key, code, who, gap_count + 1, mean, spread / mean))
    return flags


def _regular_flags_for(contest, key, code, who, vote_count, mean, variation) -> list[FraudFlag]:
    rows = db.session.execute(select(Vote.id, Vote.voter_id, Vote.entry_id).where(_valid(contest), key == who)).all()
    if code == "regular_voter":
        user = db.session.get(User, who)
        subject = _l("The account %(name)s <%(email)s>", name=user.full_name, email=user.email)
    else:
        subject = _l("The IP address %(ip)s", ip=who)
    per_entry = defaultdict(list)
    for row in rows:
        per_entry[row.entry_id].append((row.id, row.voter_id))
    flags = []
    for entry_id, here in per_entry.items():
        votes, voters = _ids(here)
        flags.append(
            FraudFlag(
                code,
                Severity.HIGH,
                _l(
                    "%(who)s cast %(votes)d votes at nearly constant intervals of %(interval)s (variation "
                    "%(variation).2f); %(here)d of them for this entry.",
                    who=subject,
                    votes=vote_count,
                    interval=_duration(mean),
                    variation=variation,
                    here=len(votes),
                ),
                entry_id,
                votes,
                voters,
                {"who": who, "votes": vote_count, "interval_seconds": round(mean, 1), "variation": round(variation, 3)},
            )
        )
    return flags


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


# ---------------------------------------------------------------------------- the report

DETECTORS = (
    burst_flags,
    shared_address_flags,
    alike_account_flags,
    disposable_email_flags,
    new_single_entry_flags,
    regular_timing_flags,
)


def all_flags(contest: Contest, t: FraudThresholds = DEFAULT_THRESHOLDS, now: datetime | None = None):
    """Every flag of every detector on the contest's valid votes."""
    flags = burst_flags(contest, t, now)
    for detect in DETECTORS[1:]:
        flags.extend(detect(contest, t))
    return flags


def fraud_report(
    contest: Contest, t: FraudThresholds = DEFAULT_THRESHOLDS, now: datetime | None = None
) -> list[EntryFlags]:
    """The flags grouped by entry, the most serious entries first (then the most votes concerned)."""
    by_entry: dict[int, list[FraudFlag]] = defaultdict(list)
    for flag in all_flags(contest, t, now):
        by_entry[flag.entry_id].append(flag)
    entries = {e.id: e for e in db.session.scalars(select(Entry).where(Entry.id.in_(list(by_entry))))}
    report = [
        EntryFlags(entries[entry_id], sorted(flags, key=lambda f: (-f.severity, f.code)))
        for entry_id, flags in by_entry.items()
    ]
    return sorted(report, key=lambda g: (-g.severity, -len(g.vote_ids), g.entry.code))


def flags_by_vote(flags: list[FraudFlag]) -> dict[int, list[str]]:
    """For each vote, the codes of the flags that point at it (for the drill-down's voter list)."""
    codes: dict[int, list[str]] = defaultdict(list)
    for flag in flags:
        for vote_id in flag.vote_ids:
            if flag.code not in codes[vote_id]:
                codes[vote_id].append(flag.code)
    return codes


def entry_flags(contest: Contest, entry: Entry, t: FraudThresholds = DEFAULT_THRESHOLDS) -> list[FraudFlag]:
    """The flags raised on one entry, strongest first."""
    flags = [f for f in all_flags(contest, t) if f.entry_id == entry.id]
    return sorted(flags, key=lambda f: (-f.severity, f.code))
