"""Fraud flags restricted to some entries (the drill-down of one entry computes only its flags): on a
generated history with every cheating pattern, each detector restricted to an entry gives exactly the
flags it gives on the whole contest for that entry, including the detectors whose evidence is the voter's
votes on other entries (new single-entry accounts, machine-regular voters and addresses)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.core.timeutil import utcnow
from app.extensions import db
from app.gallery.services.fraud import DETECTORS, FraudFlag, all_flags, burst_flags, entry_flags
from tests.gallery import test_fraud
from tests.gallery.test_fraud import Crowd, add_vote, honest_history, random_ip

history_contest = test_fraud.history_contest  # the fixtures, shared with the fraud tests
crowd = test_fraud.crowd
entries = test_fraud.entries


def plant_every_pattern(entries, crowd: Crowd) -> None:
    """On top of an honest history: a burst, one IP, one network, alike accounts, throwaway emails,
    new single-entry accounts (and new accounts of two entries, which are not), a regular bot voting
    for every entry and a regular address."""
    rng, now = crowd.rng, utcnow()
    start = now - timedelta(hours=30)
    for k in range(40):
        voter = crowd.person(start - timedelta(days=90))
        add_vote(entries[1], voter, start + timedelta(seconds=12 * k), random_ip(rng))
    start = now - timedelta(days=3)
    for k in range(6):
        add_vote(entries[2], crowd.person(start - timedelta(days=60)), start + timedelta(minutes=37 * k), "203.0.113.7")
    start = now - timedelta(days=4)
    for k in range(12):
        add_vote(entries[3], crowd.person(start - timedelta(days=60)), start + timedelta(minutes=50 * k),
                 f"198.51.100.{10 + k}")  # fmt: skip
    registered = now - timedelta(days=5)
    for k in range(1, 5):
        fake = crowd.make_voter(full_name=f"Nguyễn Văn A{k}", email=f"nguyenvana{k}@gmail.com",
                                created_at=registered + timedelta(minutes=6 * k))  # fmt: skip
        add_vote(entries[0], fake, registered + timedelta(hours=3, minutes=41 * k), random_ip(rng))
    for k, domain in enumerate(("mailinator.com", "yopmail.com", "guerrillamail.com")):
        person = crowd.person(now - timedelta(days=26), email=f"throwaway{k}@{domain}")
        add_vote(entries[1], person, now - timedelta(days=6, hours=9 * k), random_ip(rng))
    base = now - timedelta(days=7)
    for k in range(6):
        person = crowd.person(base + timedelta(hours=11 * k))
        add_vote(entries[2], person, person.created_at + timedelta(hours=2), random_ip(rng))
        other = crowd.person(base + timedelta(hours=13 * k))
        add_vote(entries[3], other, other.created_at + timedelta(hours=1), random_ip(rng))
        add_vote(entries[0], other, other.created_at + timedelta(hours=3), random_ip(rng))
    start = now - timedelta(days=8)
    bot = crowd.person(start - timedelta(days=50))
    for k in range(8):
        add_vote(entries[k % 4], bot, start + timedelta(hours=3, minutes=1) * k + timedelta(seconds=k % 2), "27.9.9.9")
    for k in range(6):
        add_vote(entries[3 - k % 2], crowd.person(start - timedelta(days=40)), start + timedelta(seconds=45 * k),
                 "42.1.1.1")  # fmt: skip
    db.session.commit()


def key(flag: FraudFlag) -> tuple:
    """Everything a flag shows, comparable (the reason translated, the figures sorted)."""
    return (flag.code, flag.entry_id, int(flag.severity), str(flag.reason), flag.vote_ids, flag.voter_ids,
            repr(sorted(flag.figures.items())))  # fmt: skip


@pytest.fixture
def cheated(app_ctx, history_contest, entries, crowd):
    honest_history(history_contest, entries, crowd)
    plant_every_pattern(entries, crowd)
    return history_contest


def detect(detector, contest, now, entry_ids=None) -> list[tuple]:
    """The detector's flags as sorted keys (bursts at a fixed now: their usual rate depends on it)."""
    if detector is burst_flags:
        flags = burst_flags(contest, now=now, entry_ids=entry_ids)
    else:
        flags = detector(contest, entry_ids=entry_ids)
    return sorted(key(f) for f in flags)


@pytest.mark.parametrize("detector", DETECTORS, ids=lambda d: d.__name__)
def test_each_detector_restricted_equals_the_whole_contest_filtered(cheated, entries, detector):
    now = utcnow()
    full = detect(detector, cheated, now)
    assert full, "the history must make every detector fire, or the comparison proves nothing"
    for chosen in [[e] for e in entries] + [[entries[0], entries[2]], entries]:
        ids = {e.id for e in chosen}
        assert detect(detector, cheated, now, ids) == [k for k in full if k[1] in ids]
    assert detect(detector, cheated, now, []) == []


def test_every_pattern_of_the_history_is_flagged(cheated, entries):
    codes = {f.code for f in all_flags(cheated)}
    assert codes == {"burst", "same_ip", "same_subnet", "alike_accounts", "disposable_email", "new_single_entry",
                     "regular_voter", "regular_ip"}  # fmt: skip


def test_an_entrys_drill_down_has_the_reports_flags_for_it_strongest_first(cheated, entries):
    everything = all_flags(cheated, now=utcnow())
    for entry in entries:
        flags = entry_flags(cheated, entry)
        expected = [f for f in everything if f.entry_id == entry.id]
        assert sorted(key(f) for f in flags) == sorted(key(f) for f in expected)
        assert [f.severity for f in flags] == sorted((f.severity for f in flags), reverse=True)
