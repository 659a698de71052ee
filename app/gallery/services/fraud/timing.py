"""Machine-regular timing: a voter's, or an IP address's, votes at nearly constant intervals."""

from __future__ import annotations

from collections import defaultdict

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.auth.models import User
from app.contest.models import Contest
from app.extensions import db
from app.gallery.models import Vote
from app.gallery.services.fraud.flags import (
    DEFAULT_THRESHOLDS,
    EntryIds,
    FraudFlag,
    FraudThresholds,
    Severity,
    epoch,
    ids_of,
    valid,
)


def regular_timing_flags(
    contest: Contest, t: FraudThresholds = DEFAULT_THRESHOLDS, *, entry_ids: EntryIds = None
) -> list[FraudFlag]:
    """A voter's, or an IP address's, consecutive votes at nearly constant intervals.

    The intervals are between all of the voter's (or address's) votes, whatever the entry, so with
    entry_ids the voters and addresses are those who voted for one of them, timed on all their votes.
    """
    by_voter = _regular_flags(contest, Vote.voter_id, "regular_voter", t, entry_ids)
    return by_voter + _regular_flags(contest, Vote.ip, "regular_ip", t, entry_ids)


def _regular_flags(contest: Contest, key, code: str, t: FraudThresholds, entry_ids: EntryIds) -> list[FraudFlag]:
    moment = epoch(Vote.cast_at)
    present = key != "" if code == "regular_ip" else key.is_not(None)
    query = select(
        key.label("who"),
        # Votes at the same moment give a zero gap in either order, so no tie-break is needed: the index
        # on (voter_id, cast_at) then hands the voters' votes over in order, unsorted.
        (moment - func.lag(moment).over(partition_by=key, order_by=Vote.cast_at)).label("gap"),
    ).where(valid(contest), present)
    if entry_ids is not None:
        query = query.where(key.in_(select(key).where(valid(contest, entry_ids), present)))
    gaps = query.subquery()
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
        flags.extend(_regular_flags_for(contest, key, code, who, (gap_count + 1, mean, spread / mean), entry_ids))
    return flags


def _regular_flags_for(contest, key, code, who, figures, entry_ids: EntryIds) -> list[FraudFlag]:
    """One flag per entry the regular voter (or address) voted for, or per entry of entry_ids among them."""
    vote_count, mean, variation = figures
    rows = db.session.execute(
        select(Vote.id, Vote.voter_id, Vote.entry_id).where(valid(contest, entry_ids), key == who)
    ).all()
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
        votes, voters = ids_of(here)
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
