"""The report: every detector's flags, grouped by entry for the organisers' review, or for one entry."""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from app.contest.models import Contest
from app.core.timeutil import utcnow
from app.entries.models import Entry
from app.extensions import db
from app.gallery.services.fraud.accounts import alike_account_flags, disposable_email_flags, new_single_entry_flags
from app.gallery.services.fraud.addresses import shared_address_flags
from app.gallery.services.fraud.bursts import burst_flags
from app.gallery.services.fraud.flags import DEFAULT_THRESHOLDS, EntryFlags, EntryIds, FraudFlag, FraudThresholds
from app.gallery.services.fraud.timing import regular_timing_flags

DETECTORS = (
    burst_flags,
    shared_address_flags,
    alike_account_flags,
    disposable_email_flags,
    new_single_entry_flags,
    regular_timing_flags,
)


def all_flags(
    contest: Contest,
    t: FraudThresholds = DEFAULT_THRESHOLDS,
    now: datetime | None = None,
    *,
    entry_ids: EntryIds = None,
) -> list[FraudFlag]:
    """Every flag of every detector on the contest's valid votes, or only those on entry_ids (each detector
    gives exactly the flags it would give on the whole contest for these entries, computing no others)."""
    flags = burst_flags(contest, t, now, entry_ids=entry_ids)
    for detect in DETECTORS[1:]:
        flags.extend(detect(contest, t, entry_ids=entry_ids))
    return flags


@dataclass(frozen=True)
class KeptFlags:
    """A contest's flags as computed at `computed_at` (UTC), kept in memory for the report page."""

    flags: list[FraudFlag]
    computed_at: datetime
    computed_monotonic: float


def contest_flags(contest: Contest, max_age_seconds: float = 0) -> KeptFlags:
    """Every flag of the contest, computed at most `max_age_seconds` ago (0: now).

    The whole report costs seconds at a million votes (bench/fraud_report.py: 5.4 s), and organisers
    come back to it between drill-downs, so each process keeps the last one per contest for a short
    while; the page says when it was computed and offers a fresh one. Flags hold ids and figures,
    never ORM objects, so they outlive the request that computed them. Voiding forgets them
    (`forget_contest_flags`).
    """
    kept = _kept().get(contest.id)
    if kept is not None and time.monotonic() - kept.computed_monotonic < max_age_seconds:
        return kept
    kept = KeptFlags(all_flags(contest), utcnow(), time.monotonic())
    _kept()[contest.id] = kept
    return kept


def forget_contest_flags(contest_id: int) -> None:
    """Drop this process's kept flags of the contest (votes were voided or restored)."""
    _kept().pop(contest_id, None)


def _kept() -> dict[int, KeptFlags]:
    return current_app.extensions.setdefault("fraud_flags", {})


def fraud_report(
    contest: Contest,
    t: FraudThresholds = DEFAULT_THRESHOLDS,
    now: datetime | None = None,
    *,
    flags: list[FraudFlag] | None = None,
) -> list[EntryFlags]:
    """The flags (computed now, or the ones given) grouped by entry, the most serious entries first
    (then the most votes concerned)."""
    by_entry: dict[int, list[FraudFlag]] = defaultdict(list)
    for flag in flags if flags is not None else all_flags(contest, t, now):
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
    """The flags raised on one entry, strongest first: the drill-down computes this entry's flags only."""
    return sorted(all_flags(contest, t, entry_ids=(entry.id,)), key=lambda f: (-f.severity, f.code))
