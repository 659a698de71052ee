"""Bursts: many votes on one entry inside a short window, well above that entry's usual rate."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import BigInteger, and_, cast, func, or_, select

from app.contest.models import Contest
from app.core.timeutil import utcnow
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
    local_time,
    valid,
)


def burst_flags(
    contest: Contest,
    t: FraudThresholds = DEFAULT_THRESHOLDS,
    now: datetime | None = None,
    *,
    entry_ids: EntryIds = None,
) -> list[FraudFlag]:
    """Many votes on one entry inside a short window, well above that entry's usual rate.

    A burst is about one entry's own votes, so restricting to entry_ids only narrows the scan.
    """
    now = now or utcnow()
    window = t.burst_window.total_seconds()
    bucket = cast(epoch(Vote.cast_at) / window, BigInteger)
    # A window of burst_min_votes overlaps at most two buckets, so one of them holds half.
    candidates = db.session.execute(
        select(Vote.entry_id, bucket)
        .where(valid(contest, entry_ids))
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
            valid(contest), Vote.entry_id == entry_id
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
        .where(valid(contest), Vote.entry_id == entry_id, ranges)
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
    votes, voters = ids_of(rows)
    return FraudFlag(
        "burst",
        Severity.HIGH if top >= 3 * t.burst_min_votes or factor >= 4 * t.burst_rate_factor else Severity.MEDIUM,
        _l(
            "%(votes)d votes within %(minutes)d minutes (between %(start)s and %(end)s), about %(factor)d times "
            "this entry's usual %(usual).1f votes per %(minutes)d minutes; %(total)d votes in the surge.",
            votes=top,
            minutes=minutes,
            start=local_time(rows[0].cast_at, contest),
            end=local_time(rows[-1].cast_at, contest),
            factor=round(factor),
            usual=usual,
            total=len(rows),
        ),
        entry_id,
        votes,
        voters,
        {"peak": top, "usual_per_window": round(usual, 2), "votes": len(rows)},
    )
