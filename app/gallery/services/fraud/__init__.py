"""Fraud flags for the organisers' review of public votes: each says what looks wrong, with the figures.

Flags are signals for people, never verdicts: nothing here changes a vote (voiding is
`app.gallery.services.voiding`, by two organisers). Only valid votes are looked at, so votes
already voided stop raising flags. SQL does the heavy lifting (grouping, counting, the gaps between
a voter's votes); Python handles the small candidate sets (sliding windows, name likeness).

Codes: burst, same_ip, same_subnet, alike_accounts, disposable_email, new_single_entry,
regular_voter, regular_ip. Thresholds are in `FraudThresholds` (defaults in flags.py, overridable per call).

One module per concern: flags (the shared shapes and SQL helpers), bursts, addresses (shared IP
addresses and networks), accounts (alike, throwaway and new accounts), timing (machine-regular
intervals), report (all detectors together, grouped by entry).
"""

from app.gallery.services.fraud.accounts import (
    accounts_alike,
    alike_account_flags,
    disposable_email_flags,
    email_stem,
    name_key,
    new_single_entry_flags,
    texts_alike,
)
from app.gallery.services.fraud.addresses import shared_address_flags
from app.gallery.services.fraud.bursts import burst_flags
from app.gallery.services.fraud.flags import DEFAULT_THRESHOLDS, EntryFlags, FraudFlag, FraudThresholds, Severity
from app.gallery.services.fraud.report import (
    DETECTORS,
    KeptFlags,
    all_flags,
    contest_flags,
    entry_flags,
    flags_by_vote,
    forget_contest_flags,
    fraud_report,
)
from app.gallery.services.fraud.timing import regular_timing_flags

__all__ = [
    "DEFAULT_THRESHOLDS",
    "DETECTORS",
    "EntryFlags",
    "FraudFlag",
    "FraudThresholds",
    "KeptFlags",
    "Severity",
    "accounts_alike",
    "alike_account_flags",
    "all_flags",
    "burst_flags",
    "contest_flags",
    "disposable_email_flags",
    "email_stem",
    "entry_flags",
    "flags_by_vote",
    "forget_contest_flags",
    "fraud_report",
    "name_key",
    "new_single_entry_flags",
    "regular_timing_flags",
    "shared_address_flags",
    "texts_alike",
]
