"""Suspicious accounts: alike accounts registered together, throwaway email domains, new single-entry voters."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from difflib import SequenceMatcher

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, or_, select

from app.auth.models import User
from app.contest.models import Contest
from app.core.search import fold_for_search
from app.extensions import db
from app.gallery.models import Vote
from app.gallery.services.disposable_domains import disposable_domains
from app.gallery.services.fraud.flags import (
    DEFAULT_THRESHOLDS,
    EntryIds,
    FraudFlag,
    FraudThresholds,
    Severity,
    epoch,
    ids_of,
    valid,
    votes_of,
)

# SQL pre-filters on seconds computed from timestamps (floating point) let through this much more than the
# threshold; Python then applies the exact threshold to the datetimes, so no edge case is lost or added.
_SLACK_SECONDS = 1.0
_IN_SLICE = 5000  # ids per IN (...): SQLite takes at most 32,766 parameters in one statement

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
    matcher = SequenceMatcher(None, first, second)
    # The quick ratios are upper bounds of ratio(), far cheaper: most pairs of a big entry end there.
    return (
        matcher.real_quick_ratio() >= threshold and matcher.quick_ratio() >= threshold and matcher.ratio() >= threshold
    )


def accounts_alike(first: User, second: User, threshold: float = DEFAULT_THRESHOLDS.name_similarity) -> bool:
    """Whether two accounts' names or email addresses are nearly alike."""
    return _keys_alike(Account.of(first), Account.of(second), threshold)


@dataclass(frozen=True)
class Account:
    """A voter as the likeness test needs it: a few columns (not a User with its roles), folded once."""

    id: int
    full_name: str
    email: str
    created_at: datetime
    name: str  # name_key(full_name)
    stem: str  # email_stem(email)

    @classmethod
    def of(cls, user) -> Account:
        """From a User or a row with the same columns."""
        return cls(
            user.id, user.full_name, user.email, user.created_at, name_key(user.full_name), email_stem(user.email)
        )


def _keys_alike(first: Account, second: Account, threshold: float) -> bool:
    if texts_alike(first.name, second.name, threshold):
        return True
    stem_a, stem_b = first.stem, second.stem
    return len(stem_a) >= 4 and len(stem_b) >= 4 and (stem_a == stem_b or texts_alike(stem_a, stem_b, threshold))


def alike_account_flags(
    contest: Contest, t: FraudThresholds = DEFAULT_THRESHOLDS, *, entry_ids: EntryIds = None
) -> list[FraudFlag]:
    """Accounts registered within a short window of each other, with nearly alike names or emails, voting for
    the same entry.

    The alike pairs are found once among the voters (a few thousand accounts, each compared with those
    registered within the window of it), not entry by entry; SQL then says which of the paired voters voted
    for which entry, and each entry's clusters are the pairs among its voters. Clusters are per entry, so
    restricting to entry_ids only narrows the voters looked at.
    """
    voters = _voters_by_signup(contest, entry_ids)
    pairs = _alike_pairs(voters, t)
    if not pairs:
        return []
    accounts = {a.id: a for a in voters}
    flags = []
    for entry_id, voter_ids in _entries_of(contest, set(pairs), entry_ids).items():
        if len(voter_ids) < t.alike_min_accounts:
            continue
        for cluster in _clusters(voter_ids, pairs):
            if len(cluster) >= t.alike_min_accounts:
                flags.append(_alike_flag(contest, entry_id, [accounts[i] for i in cluster], t))
    return flags


def _voters_by_signup(contest: Contest, entry_ids: EntryIds) -> list[Account]:
    """The accounts with valid votes in the contest (on entry_ids if given), as columns, by registration."""
    voted = select(Vote.voter_id).where(valid(contest, entry_ids), Vote.voter_id.is_not(None))
    rows = db.session.execute(
        select(User.id, User.full_name, User.email, User.created_at)
        .where(User.id.in_(voted))
        .order_by(User.created_at, User.id)
    )
    return [Account.of(row) for row in rows]


def _alike_pairs(accounts: list[Account], t: FraudThresholds) -> dict[int, set[int]]:
    """Who is alike whom among accounts registered within signup_window of each other (accounts sorted by
    registration, so each is compared only with those registered just after it)."""
    pairs: dict[int, set[int]] = defaultdict(set)
    for i, first in enumerate(accounts):
        for j in range(i + 1, len(accounts)):
            second = accounts[j]
            if second.created_at - first.created_at > t.signup_window:
                break
            if _keys_alike(first, second, t.name_similarity):
                pairs[first.id].add(second.id)
                pairs[second.id].add(first.id)
    return pairs


def _entries_of(contest: Contest, voter_ids: set[int], entry_ids: EntryIds) -> dict[int, set[int]]:
    """By entry, which of these voters voted for it (in slices, as a database takes only so many parameters)."""
    voters_of: dict[int, set[int]] = defaultdict(set)
    ordered = sorted(voter_ids)
    for start in range(0, len(ordered), _IN_SLICE):
        rows = db.session.execute(
            select(Vote.entry_id, Vote.voter_id)
            .where(valid(contest, entry_ids), Vote.voter_id.in_(ordered[start : start + _IN_SLICE]))
            .distinct()
        )
        for entry_id, voter_id in rows:
            voters_of[entry_id].add(voter_id)
    return voters_of


def _clusters(voter_ids: set[int], pairs: dict[int, set[int]]) -> list[list[int]]:
    """The groups of these voters linked by alike pairs among them (connected components)."""
    seen: set[int] = set()
    clusters = []
    for start in sorted(voter_ids):
        if start in seen:
            continue
        seen.add(start)
        cluster, todo = [], [start]
        while todo:
            voter = todo.pop()
            cluster.append(voter)
            for other in pairs.get(voter, ()):
                if other in voter_ids and other not in seen:
                    seen.add(other)
                    todo.append(other)
        if len(cluster) > 1:
            clusters.append(cluster)
    return clusters


def _alike_flag(contest: Contest, entry_id: int, cluster: list[Account], t: FraudThresholds) -> FraudFlag:
    votes, voters = ids_of(votes_of(contest, Vote.entry_id == entry_id, Vote.voter_id.in_([a.id for a in cluster])))
    span = max(a.created_at for a in cluster) - min(a.created_at for a in cluster)
    return FraudFlag(
        "alike_accounts",
        Severity.HIGH if len(cluster) >= 2 * t.alike_min_accounts else Severity.MEDIUM,
        _l(
            "%(accounts)d accounts with nearly alike names or emails, registered within %(minutes)d "
            "minutes, voted for this entry (%(votes)d votes): %(names)s.",
            accounts=len(cluster),
            minutes=max(1, round(span.total_seconds() / 60)),
            votes=len(votes),
            names=", ".join(sorted(a.full_name for a in cluster)[:8]),
        ),
        entry_id,
        votes,
        voters,
        {"accounts": len(cluster), "registered_within_minutes": round(span.total_seconds() / 60)},
    )


# ---------------------------------------------------------------------------- throwaway and new accounts


def disposable_email_flags(
    contest: Contest, t: FraudThresholds = DEFAULT_THRESHOLDS, *, entry_ids: EntryIds = None
) -> list[FraudFlag]:
    """Votes from accounts whose email address is at a throwaway-mail domain.

    The accounts are found first (the users table is far smaller than the votes), then their votes by
    the index on the voter; a flag is about one entry's votes, so entry_ids only narrows the scan.
    """
    email = func.lower(User.email)
    throwaway = list(
        db.session.scalars(select(User.id).where(or_(*[email.like(f"%@{d}") for d in sorted(disposable_domains())])))
    )
    if not throwaway:
        return []
    rows = db.session.execute(
        select(Vote.entry_id, Vote.id, Vote.voter_id, User.email)
        .join(User, User.id == Vote.voter_id)
        .where(valid(contest, entry_ids), Vote.voter_id.in_(throwaway))
    ).all()
    by_entry = defaultdict(list)
    for row in rows:
        by_entry[row.entry_id].append(row)
    return [_disposable_flag(entry_id, found) for entry_id, found in by_entry.items()]


def _disposable_flag(entry_id: int, found: list) -> FraudFlag:
    votes, voters = ids_of([(r.id, r.voter_id) for r in found])
    used = sorted({r.email.lower().rpartition("@")[2] for r in found})
    return FraudFlag(
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


def new_single_entry_flags(
    contest: Contest, t: FraudThresholds = DEFAULT_THRESHOLDS, *, entry_ids: EntryIds = None
) -> list[FraudFlag]:
    """Accounts registered shortly before their first vote that voted for one entry only."""
    flags = []
    for entry_id, voter_ids in _single_entry_newcomers(contest, t, entry_ids).items():
        if len(voter_ids) >= t.new_single_min_voters:
            flags.append(_new_single_flag(contest, entry_id, voter_ids, t))
    return flags


def _single_entry_newcomers(contest: Contest, t: FraudThresholds, entry_ids: EntryIds) -> dict[int, list[int]]:
    """By entry, the voters whose valid votes are all for that entry, first cast under new_account_age
    after they registered.

    "Only that entry" depends on the voter's other votes, so with entry_ids the voters are those who voted
    for one of them, and all their votes are still looked at.
    """
    age = t.new_account_age.total_seconds()
    query = (
        select(Vote.voter_id, func.min(Vote.entry_id), func.min(Vote.cast_at), User.created_at)
        .join(User, User.id == Vote.voter_id)
        .where(valid(contest))
        .group_by(Vote.voter_id, User.created_at)
        .having(func.min(Vote.entry_id) == func.max(Vote.entry_id))
        .having(epoch(func.min(Vote.cast_at)) - epoch(User.created_at) < age + _SLACK_SECONDS)
    )
    if contest.voting_open_at is not None:  # older accounts cannot be new at their first vote
        query = query.where(User.created_at >= contest.voting_open_at - t.new_account_age)
    if entry_ids is not None:
        query = query.where(Vote.voter_id.in_(select(Vote.voter_id).where(valid(contest, entry_ids))))
    newcomers = defaultdict(list)
    for voter_id, entry_id, first_vote, created_at in db.session.execute(query):
        if first_vote - created_at < t.new_account_age:
            newcomers[entry_id].append(voter_id)
    return newcomers


def _new_single_flag(contest: Contest, entry_id: int, voter_ids: list[int], t: FraudThresholds) -> FraudFlag:
    votes, voters = ids_of(votes_of(contest, Vote.entry_id == entry_id, Vote.voter_id.in_(voter_ids)))
    total = db.session.scalar(select(func.count(Vote.id)).where(valid(contest), Vote.entry_id == entry_id))
    share = round(100 * len(votes) / total) if total else 0
    return FraudFlag(
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
