"""Fraud flags on generated voting histories: each flag fires on its cheating pattern, names the votes
concerned, and stays silent on an honest history of similar size. Votes are inserted directly (with the
counters kept in step) so each history is exactly what the test says."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from app.auth.models import User
from app.auth.rules import canonical_email
from app.core.timeutil import to_local, utcnow
from app.entries.models import Entry
from app.extensions import db
from app.gallery.models import EntryVoteCount, Vote
from app.gallery.services import Severity, flags_by_vote, fraud_report
from app.gallery.services.fraud import accounts_alike, email_stem, name_key, texts_alike

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Phan", "Vũ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLES = ["Văn", "Thị", "Hữu", "Minh", "Đức", "Thu", "Quang", "Ngọc", "Thanh", "Xuân"]
GIVENS = ["An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hải", "Khánh", "Lan", "Long", "Mai", "Nam", "Phúc",
          "Quyên", "Sơn", "Tâm", "Thảo", "Trung", "Tuấn", "Uyên", "Vinh", "Yến"]  # fmt: skip
EMAIL_WORDS = ["sunrise", "lotus", "riverside", "bamboo", "kite", "harbor", "meadow", "pepper", "violet",
               "falcon", "granite", "orchid", "maple", "comet", "saffron", "willow", "coral", "tundra", "ember",
               "quartz"]  # fmt: skip


def ip_prefix_of(ip: str) -> str:
    """The /24 network of an IPv4 address, as the vote stores it."""
    return ".".join(ip.split(".")[:3]) + ".0/24" if ip else ""


def add_vote(entry: Entry, voter: User | None, cast_at: datetime, ip: str = "", *, user_agent: str = "test") -> Vote:
    """Insert one valid vote as cast_vote would store it, with the entry's counter kept in step."""
    contest = entry.contest
    day = to_local(cast_at, contest.timezone).date()
    key = f"e{entry.id}"
    taken = db.session.scalar(
        select(func.count(Vote.id)).where(
            Vote.voter_id == (voter.id if voter else None), Vote.contest_id == contest.id, Vote.day == day,
            Vote.quota_key == key,
        )
    )  # fmt: skip
    vote = Vote(
        contest_id=contest.id,
        entry_id=entry.id,
        voter_id=voter.id if voter else None,
        day=day,
        quota_key=key,
        slot=taken + 1,
        cast_at=cast_at,
        ip=ip,
        ip_prefix=ip_prefix_of(ip),
        user_agent=user_agent,
    )
    db.session.add(vote)
    counter = db.session.get(EntryVoteCount, entry.id)
    if counter is None:
        counter = EntryVoteCount(entry_id=entry.id, contest_id=contest.id, valid_votes=0, voided_votes=0)
        db.session.add(counter)
    counter.valid_votes += 1
    counter.last_vote_at = max(counter.last_vote_at or cast_at, cast_at)
    db.session.flush()
    return vote


@dataclass
class Crowd:
    """Makes verified voters, inserted in the test's session (fast: no password hashing), by default with
    distinct, realistic names and emails (never alike by construction)."""

    rng: random.Random
    used: set

    def make_voter(self, *, created_at: datetime, full_name: str, email: str) -> User:
        user = User(
            email=email,
            email_canonical=canonical_email(email),
            password_hash="!",
            full_name=full_name,
            birth_date=date(1990, 1, 1),
            nationality="VN",
            locale="vi",
            created_at=created_at,
            email_verified_at=created_at,
        )
        db.session.add(user)
        db.session.flush()
        return user

    def person(self, created_at: datetime, **fields) -> User:
        while True:
            name = f"{self.rng.choice(SURNAMES)} {self.rng.choice(MIDDLES)} {self.rng.choice(GIVENS)}"
            word = self.rng.choice(EMAIL_WORDS)
            email = f"{word}.{self.rng.choice(EMAIL_WORDS)}{self.rng.randrange(10, 99)}@example.org"
            if (name, word) not in self.used:
                break
        self.used.add((name, word))
        fields.setdefault("full_name", name)
        fields.setdefault("email", email)
        return self.make_voter(created_at=created_at, **fields)


@pytest.fixture
def history_contest(voting_contest):
    """The voting contest with its window moved: open for ten days already, closing tomorrow."""
    now = utcnow()
    voting_contest.voting_open_at = now - timedelta(days=10)
    voting_contest.voting_close_at = now + timedelta(days=1)
    db.session.commit()
    return voting_contest


@pytest.fixture
def crowd(app_ctx) -> Crowd:
    return Crowd(random.Random(7), set())


def random_ip(rng: random.Random) -> str:
    first = rng.choice([14, 27, 42, 113, 171, 183])
    return f"{first}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def honest_history(contest, entries, crowd: Crowd, voters: int = 70) -> list[Vote]:
    """Voters registered long ago (a few during voting, each voting for several entries) voting at random
    times over ten days from their own addresses."""
    rng = crowd.rng
    opened = contest.voting_open_at
    span = (utcnow() - opened).total_seconds()
    votes = []
    for n in range(voters):
        newcomer = n % 20 == 0
        created = (
            opened + timedelta(seconds=rng.uniform(0, span / 2))
            if newcomer
            else opened - timedelta(days=rng.uniform(2, 400))
        )
        voter = crowd.person(created)
        ip = random_ip(rng)
        chosen = rng.sample(entries, 2 if newcomer else rng.randint(1, 3))
        for entry in chosen:
            for _ in range(rng.randint(1, 3)):
                start = max(opened, created) + timedelta(minutes=5)
                moment = start + timedelta(seconds=rng.uniform(0, (utcnow() - start).total_seconds()))
                votes.append(add_vote(entry, voter, moment, ip))
    db.session.commit()
    return votes


def codes_on(report, entry) -> set[str]:
    return {f.code for group in report if group.entry.id == entry.id for f in group.flags}


def flag_of(report, entry, code):
    return next(f for group in report if group.entry.id == entry.id for f in group.flags if f.code == code)


@pytest.fixture
def entries(make_public_entries, history_contest):
    return make_public_entries(4)


# ---------------------------------------------------------------------------- helpers


def test_names_and_emails_are_compared_folded_and_without_numbers():
    assert name_key("  Nguyễn   Văn  A1 ") == "nguyen van a1"
    assert texts_alike(name_key("Nguyễn Văn A1"), name_key("Nguyen Van A2"))
    assert texts_alike("tran thi hoa", "tran thi hoa")
    assert not texts_alike("le minh tuan", "pham thu giang")
    assert email_stem("Nguyen.Van.A+vote12@gmail.com") == "nguyenvana"
    first = User(full_name="Lò Văn Tám", email="bot.account01@gmail.com")
    second = User(full_name="Hà Thị Mơ", email="botaccount+x7@yahoo.com")
    assert accounts_alike(first, second)
    assert not accounts_alike(first, User(full_name="Đinh Công Sơn", email="sunflower@gmail.com"))


# ---------------------------------------------------------------------------- the honest baseline


def test_an_honest_history_raises_no_flag(app_ctx, history_contest, entries, crowd):
    votes = honest_history(history_contest, entries, crowd)
    assert len(votes) > 200
    assert fraud_report(history_contest) == []


# ---------------------------------------------------------------------------- each pattern


def test_a_burst_on_one_entry_is_flagged_with_its_votes(app_ctx, history_contest, entries, crowd):
    honest_history(history_contest, entries, crowd)
    target = entries[1]
    start = utcnow() - timedelta(hours=30)
    burst = [
        add_vote(target, crowd.person(start - timedelta(days=90)), start + timedelta(seconds=12 * k + 3 * (k % 4)),
                 random_ip(crowd.rng))
        for k in range(40)
    ]  # fmt: skip
    db.session.commit()
    report = fraud_report(history_contest)
    flag = flag_of(report, target, "burst")
    assert {v.id for v in burst} <= set(flag.vote_ids)
    assert len(flag.vote_ids) <= len(burst) + 3  # at most a few honest votes happened to fall inside
    assert flag.figures["peak"] >= 40 and flag.severity >= Severity.MEDIUM
    assert "40" in str(flag.reason)
    assert all("burst" not in codes_on(report, e) for e in entries if e is not target)


def test_an_entry_popular_all_along_is_not_a_burst(app_ctx, history_contest, entries, crowd):
    honest_history(history_contest, entries, crowd)
    target = entries[0]
    opened = history_contest.voting_open_at
    for k in range(60):  # 60 votes spread evenly over ten days
        person = crowd.person(opened - timedelta(days=30))
        add_vote(target, person, opened + timedelta(hours=4 * k), random_ip(crowd.rng))
    db.session.commit()
    assert "burst" not in codes_on(fraud_report(history_contest), target)


def test_many_accounts_from_one_ip_are_flagged(app_ctx, history_contest, entries, crowd):
    honest_history(history_contest, entries, crowd)
    target = entries[2]
    start = utcnow() - timedelta(days=3)
    people = [crowd.person(start - timedelta(days=60)) for _ in range(6)]
    shared = [
        add_vote(target, p, start + timedelta(minutes=37 * k + k * k), "203.0.113.7") for k, p in enumerate(people)
    ]
    db.session.commit()
    flag = flag_of(fraud_report(history_contest), target, "same_ip")
    assert set(flag.vote_ids) == {v.id for v in shared}
    assert set(flag.voter_ids) == {p.id for p in people}
    assert flag.figures == {"voters": 6, "ip": "203.0.113.7"}


def test_many_accounts_from_one_network_are_flagged_but_not_as_one_ip(app_ctx, history_contest, entries, crowd):
    honest_history(history_contest, entries, crowd)
    target = entries[3]
    start = utcnow() - timedelta(days=4)
    people = [crowd.person(start - timedelta(days=60)) for _ in range(12)]
    votes = [
        add_vote(target, p, start + timedelta(minutes=50 * k + 7 * (k % 3)), f"198.51.100.{10 + k}")
        for k, p in enumerate(people)
    ]
    db.session.commit()
    report = fraud_report(history_contest)
    flag = flag_of(report, target, "same_subnet")
    assert set(flag.vote_ids) == {v.id for v in votes}
    assert flag.figures["prefix"] == "198.51.100.0/24" and flag.figures["addresses"] == 12
    assert "same_ip" not in codes_on(report, target)


def test_alike_accounts_registered_together_are_flagged(app_ctx, history_contest, entries, crowd):
    honest_history(history_contest, entries, crowd)
    target = entries[0]
    registered = utcnow() - timedelta(days=5)
    fakes = [
        crowd.make_voter(full_name=f"Nguyễn Văn A{k}", email=f"nguyenvana{k}@gmail.com",
                         created_at=registered + timedelta(minutes=6 * k))
        for k in range(1, 5)
    ]  # fmt: skip
    votes = [add_vote(target, f, registered + timedelta(hours=3, minutes=41 * k), random_ip(crowd.rng)) for k, f in
             enumerate(fakes)]  # fmt: skip
    db.session.commit()
    flag = flag_of(fraud_report(history_contest), target, "alike_accounts")
    assert set(flag.voter_ids) == {f.id for f in fakes}
    assert set(flag.vote_ids) == {v.id for v in votes}
    assert "Nguyễn Văn A1" in str(flag.reason)


def test_alike_names_registered_far_apart_are_not_flagged(app_ctx, history_contest, entries, crowd):
    honest_history(history_contest, entries, crowd)
    target = entries[0]
    registered = utcnow() - timedelta(days=9)
    for k in range(1, 5):
        person = crowd.make_voter(full_name=f"Trần Thị B{k}", email=f"tranthib{k}@gmail.com",
                                  created_at=registered + timedelta(hours=5 * k))  # fmt: skip
        add_vote(target, person, registered + timedelta(days=1, hours=7 * k), random_ip(crowd.rng))
    db.session.commit()
    assert "alike_accounts" not in codes_on(fraud_report(history_contest), target)


def test_throwaway_email_domains_are_flagged(app_ctx, history_contest, entries, crowd):
    honest_history(history_contest, entries, crowd)
    target = entries[1]
    start = utcnow() - timedelta(days=6)
    throwaway = [
        crowd.person(start - timedelta(days=20), email=f"{word}@{domain}")
        for word, domain in (("kite77", "mailinator.com"), ("lotus5", "YOPmail.com"), ("ember", "guerrillamail.com"))
    ]
    votes = [add_vote(target, p, start + timedelta(hours=9 * k), random_ip(crowd.rng)) for k, p in enumerate(throwaway)]
    db.session.commit()
    flag = flag_of(fraud_report(history_contest), target, "disposable_email")
    assert set(flag.vote_ids) == {v.id for v in votes}
    assert flag.figures["domains"] == ["guerrillamail.com", "mailinator.com", "yopmail.com"]


def test_the_deployment_can_add_throwaway_domains(app, app_ctx, history_contest, entries, crowd):
    target = entries[0]
    person = crowd.person(utcnow() - timedelta(days=30), email="someone@burner.example")
    add_vote(target, person, utcnow() - timedelta(days=2), "14.1.2.3")
    db.session.commit()
    assert "disposable_email" not in codes_on(fraud_report(history_contest), target)
    app.config["DISPOSABLE_EMAIL_DOMAINS"] = "burner.example, other.example"
    try:
        assert "disposable_email" in codes_on(fraud_report(history_contest), target)
    finally:
        app.config.pop("DISPOSABLE_EMAIL_DOMAINS")


def test_brand_new_accounts_voting_for_one_entry_only_are_flagged(app_ctx, history_contest, entries, crowd):
    honest_history(history_contest, entries, crowd)
    target, other = entries[2], entries[3]
    base = utcnow() - timedelta(days=7)
    newcomers = [crowd.person(base + timedelta(hours=11 * k)) for k in range(6)]
    votes = [add_vote(target, p, p.created_at + timedelta(hours=2), random_ip(crowd.rng)) for p in newcomers]
    # New accounts that also vote for another entry are ordinary newcomers.
    for k in range(6):
        p = crowd.person(base + timedelta(hours=13 * k))
        add_vote(other, p, p.created_at + timedelta(hours=1), random_ip(crowd.rng))
        add_vote(entries[0], p, p.created_at + timedelta(hours=3), random_ip(crowd.rng))
    db.session.commit()
    report = fraud_report(history_contest)
    flag = flag_of(report, target, "new_single_entry")
    assert set(flag.vote_ids) == {v.id for v in votes}
    assert "new_single_entry" not in codes_on(report, other)


def test_machine_regular_voting_is_flagged_by_account_and_by_ip(app_ctx, history_contest, entries, crowd):
    honest_history(history_contest, entries, crowd)
    start = utcnow() - timedelta(days=8)
    bot = crowd.person(start - timedelta(days=50))
    by_bot = [
        add_vote(entries[k % 4], bot, start + timedelta(hours=3, minutes=1) * k + timedelta(seconds=k % 2), "27.9.9.9")
        for k in range(8)
    ]
    cycling = [
        add_vote(entries[3], crowd.person(start - timedelta(days=40)), start + timedelta(seconds=45 * k), "42.1.1.1")
        for k in range(6)
    ]
    db.session.commit()
    report = fraud_report(history_contest)
    flagged_bot = {v for e in entries for f in [g for g in report if g.entry.id == e.id]
                   for fl in f.flags if fl.code == "regular_voter" for v in fl.vote_ids}  # fmt: skip
    assert flagged_bot == {v.id for v in by_bot}
    [regular_ip] = [
        f for g in report if g.entry.id == entries[3].id for f in g.flags
        if f.code == "regular_ip" and f.figures["who"] == "42.1.1.1"
    ]  # fmt: skip
    assert set(regular_ip.vote_ids) == {v.id for v in cycling}
    assert regular_ip.severity is Severity.HIGH


def test_voided_votes_raise_no_flags_and_the_report_is_sorted_by_severity(app_ctx, history_contest, entries, crowd):
    start = utcnow() - timedelta(days=2)
    same_ip = [add_vote(entries[0], crowd.person(start - timedelta(days=9)), start + timedelta(minutes=33 * k + k * k),
                        "203.0.113.9") for k in range(12)]  # fmt: skip
    add_vote(entries[1], crowd.person(start - timedelta(days=9), email="x1@mailinator.com"), start, "14.2.2.2")
    db.session.commit()
    report = fraud_report(history_contest)
    assert [g.entry.id for g in report] == [entries[0].id, entries[1].id]
    assert report[0].severity is Severity.HIGH and report[1].severity is Severity.LOW
    assert set(flags_by_vote(report[0].flags)) == {v.id for v in same_ip}
    db.session.execute(update(Vote).where(Vote.id.in_([v.id for v in same_ip])).values(is_valid=False))
    db.session.commit()
    assert [g.entry.id for g in fraud_report(history_contest)] == [entries[1].id]
