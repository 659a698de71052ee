"""The organisers' fraud report at the size of a busy contest, against one plain scan of the same votes.

PostgreSQL only (the size is the point): set BENCH_DATABASE_URL to an empty, throwaway database; its
tables are created and dropped again. Without it the benchmark says so and skips.

Built in SQL, outside the timing: 20,000 accepted entries and 1,000,000 valid votes from 12,000 voters
whose accounts were registered over the eight weeks before voting opened and during it, with plausible
Vietnamese names, varied emails, home addresses of their own and some votes from mobile networks;
popularity is skewed (the top entry has thousands of votes, most have a few dozen). Then a few cheating
patterns are planted, each on its own entry: a burst, a ring of accounts on one IP address, a ring of
alike accounts registered within minutes, throwaway email addresses, brand-new accounts voting for one
entry only, and a machine-regular voter.

Timed, each on a fresh session as a page load has: the full `fraud_report(contest)`, each detector
alone, and `entry_flags` for the most voted entry and for an ordinary one. Baseline: one plain
aggregate over the same valid votes (`SELECT entry_id, count(*) ... GROUP BY entry_id`); every time is
printed with its ratio to it. Last, whether each planted pattern was found.

Run with: BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/<throwaway> \\
              .venv/bin/python -m bench.fraud_report
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text

from app import create_app
from app.auth.models import User
from app.contest.models import Category, Contest, ContestStatus, VotePolicy
from app.contest.seed import seed_first_contest
from app.core.timeutil import to_local, utcnow
from app.entries.models import Entry
from app.extensions import db
from app.gallery.models import Vote
from app.gallery.services.fraud import DETECTORS, FraudFlag, entry_flags, fraud_report
from bench.votes import _entry_row  # the same accepted single-photo entry rows
from config import TestConfig, normalise_database_url

ENTRIES = 20_000
VOTERS = 12_000
VOTES = 1_000_000
OPENED_DAYS_AGO = 50
REPEAT = 2  # best of; a page load is one run, the best of two hides a stray hiccup of the machine
SLOT = 100  # the planted votes' quota slots start here: the generated votes never reach it, so none collides

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
            "Ngô", "Dương", "Lý"]  # fmt: skip
MIDDLES = ["Văn", "Thị", "Hữu", "Minh", "Đức", "Thu", "Quang", "Ngọc", "Thanh", "Xuân", "Công", "Kim", "Bảo",
           "Gia"]  # fmt: skip
GIVENS = ["An", "Bình", "Châu", "Cường", "Dũng", "Duy", "Giang", "Hà", "Hải", "Hạnh", "Hiếu", "Hoa", "Hùng",
          "Huy", "Hương", "Khánh", "Khoa", "Lan", "Linh", "Long", "Mai", "Minh", "Nam", "Nga", "Ngân", "Nhung",
          "Phúc", "Phương", "Quân", "Quyên", "Sơn", "Tâm", "Thảo", "Thắng", "Trang", "Trung", "Tuấn", "Uyên",
          "Vinh", "Yến"]  # fmt: skip
WORDS = ["sunrise", "lotus", "riverside", "bamboo", "kite", "harbor", "meadow", "pepper", "violet", "falcon",
         "granite", "orchid", "maple", "comet", "saffron", "willow", "coral", "tundra", "ember", "quartz",
         "lantern", "mango", "jasmine", "cloud", "tiger", "ocean", "pine", "river", "dragon", "pearl"]  # fmt: skip
DOMAINS = ["gmail.com", "gmail.com", "gmail.com", "yahoo.com", "outlook.com", "icloud.com"]


def make_app(folder: Path):
    """The app on BENCH_DATABASE_URL, limits off."""
    config = TestConfig(instance_dir=folder)
    config.SQLALCHEMY_DATABASE_URI = normalise_database_url(os.environ["BENCH_DATABASE_URL"])
    config.RATELIMIT_ENABLED = False
    return create_app(config)


def _sql_array(words: list[str]) -> str:
    return "ARRAY[" + ", ".join("'" + w + "'" for w in words) + "]"


def _pick(words: list[str], seed: str) -> str:
    """SQL picking one of the words, pseudo-randomly from the expression `seed` (an integer)."""
    return f"({_sql_array(words)})[1 + ({seed}) % {len(words)}]"


def _user_row(email: str, full_name: str, created_at: datetime) -> dict:
    return dict(
        email=email,
        email_canonical=email.lower(),
        password_hash="not-a-login",
        full_name=full_name,
        birth_date=date(1990, 1, 1),
        nationality="VN",
        locale="vi",
        session_version=1,
        created_at=created_at,
        email_verified_at=created_at,
        must_change_password=False,
        is_locked=False,
    )


def build_contest(now: datetime) -> Contest:
    """The seeded contest, voting open for OPENED_DAYS_AGO days, its entries by one entrant."""
    contest, _ = seed_first_contest()
    contest.status = ContestStatus.PUBLISHED
    contest.submissions_open_at = now - timedelta(days=OPENED_DAYS_AGO + 60)
    contest.submissions_close_at = now - timedelta(days=OPENED_DAYS_AGO + 5)
    contest.voting_open_at, contest.voting_close_at = now - timedelta(days=OPENED_DAYS_AGO), now + timedelta(days=10)
    contest.results_at = now + timedelta(days=20)
    contest.vote_policy, contest.votes_per_day = VotePolicy.PER_ENTRY_PER_DAY, 1
    photo = db.session.scalar(select(Category).where(Category.contest_id == contest.id, Category.slug == "photo"))
    db.session.execute(insert(User), [_user_row("bench-entrant@example.com", "Tác Giả", now - timedelta(days=300))])
    entrant_id = db.session.scalar(select(User.id).where(User.email == "bench-entrant@example.com"))
    db.session.execute(insert(Entry), [_entry_row(contest, photo, entrant_id, n, now) for n in range(1, ENTRIES + 1)])
    return contest


def build_crowd(contest: Contest, now: datetime) -> None:
    """VOTERS accounts: seven in ten registered over the eight weeks before voting opened, the rest during it."""
    name = f"{_pick(SURNAMES, 'v.n * 7 + v.n / 13')} || ' ' || {_pick(MIDDLES, 'v.n * 11 + v.n / 17')} || ' ' || " \
           f"{_pick(GIVENS, 'v.n * 29 + v.n / 3')}"  # fmt: skip
    email = f"{_pick(WORDS, 'v.n * 3 + v.n / 31')} || '.' || {_pick(WORDS, 'v.n * 17 + v.n / 7')} || " \
            f"(v.n % 97) || '.' || v.n || '@' || {_pick(DOMAINS, 'v.n / 5')}"  # fmt: skip
    db.session.execute(text("SELECT setseed(0.42)"))
    db.session.execute(
        text(
            f"""
            INSERT INTO users (email, email_canonical, password_hash, full_name, birth_date, nationality, locale,
                               session_version, created_at, email_verified_at, must_change_password, is_locked)
            SELECT mail, mail, 'not-a-login', full_name, DATE '1990-01-01', 'VN', 'vi', 1, registered, registered,
                   false, false
            FROM (
                SELECT {email} AS mail, {name} AS full_name,
                       CASE WHEN v.n % 10 < 7
                            THEN CAST(:opened AS timestamptz) - random() * interval '56 days'
                            ELSE CAST(:opened AS timestamptz) + random() * interval '{OPENED_DAYS_AGO - 5} days'
                       END AS registered
                FROM generate_series(0, :voters - 1) AS v(n)
            ) AS people
            """
        ),
        dict(opened=contest.voting_open_at, voters=VOTERS),
    )


def build_votes(contest: Contest, now: datetime) -> None:
    """VOTES valid votes: random voters, entries skewed towards a few popular ones, times after each signup.

    Each voter votes from a home address of their own, one vote in five from a mobile network.
    """
    db.session.execute(
        text(
            """
            WITH crowd AS (
                SELECT id, created_at, row_number() OVER (ORDER BY id) - 1 AS n
                FROM users WHERE email <> 'bench-entrant@example.com'
            ), picks AS (
                SELECT floor(random() * :voters)::int AS voter_n,
                       :first_entry + floor(:entries * power(random(), 2))::int AS entry_id,
                       random() AS moment, random() AS mobile, random() AS host
                FROM generate_series(1, :votes) AS g(n)
            ), timed AS (
                SELECT p.*, c.id AS voter_id,
                       greatest(CAST(:opened AS timestamptz), c.created_at + interval '10 minutes')
                       + p.moment * (CAST(:now AS timestamptz)
                                     - greatest(CAST(:opened AS timestamptz), c.created_at + interval '10 minutes'))
                       AS cast_at
                FROM picks AS p JOIN crowd AS c ON c.n = p.voter_n
            ), placed AS (
                SELECT t.*,
                       CASE WHEN t.mobile < 0.2
                            THEN '171.' || (224 + floor(t.mobile * 160)::int % 32) || '.'
                                 || floor(t.host * 256)::int || '.' || (1 + floor(t.host * 65536)::int % 254)
                            ELSE (ARRAY['14','27','42','113','116','183'])[1 + t.voter_n % 6] || '.'
                                 || (t.voter_n * 37 % 256) || '.' || (t.voter_n / 6 % 256) || '.'
                                 || (1 + t.voter_n * 13 % 254)
                       END AS ip,
                       (t.cast_at AT TIME ZONE :tz)::date AS day
                FROM timed AS t
            )
            INSERT INTO votes (contest_id, entry_id, voter_id, day, quota_key, slot, cast_at, ip, ip_prefix,
                               user_agent, is_valid)
            SELECT :contest, entry_id, voter_id, day, 'e' || entry_id,
                   row_number() OVER (PARTITION BY voter_id, day, entry_id ORDER BY cast_at),
                   cast_at, ip, split_part(ip, '.', 1) || '.' || split_part(ip, '.', 2) || '.'
                                || split_part(ip, '.', 3) || '.0/24',
                   'bench', true
            FROM placed
            """
        ),
        dict(
            voters=VOTERS,
            votes=VOTES,
            entries=ENTRIES,
            first_entry=db.session.scalar(select(func.min(Entry.id))),
            opened=contest.voting_open_at,
            now=now,
            tz=contest.timezone,
            contest=contest.id,
        ),
    )


@dataclass
class Planted:
    """A cheating pattern put on one entry: the flag code expected there and the votes it must name."""

    label: str
    code: str
    entry_id: int
    vote_ids: set[int]


class Planter:
    """Inserts the cheating patterns, each on its own entry of ordinary popularity."""

    def __init__(self, contest: Contest, now: datetime):
        self.contest, self.now = contest, now
        entry_ids = list(db.session.scalars(select(Entry.id).order_by(Entry.id)))
        self.free_entries = iter(entry_ids[ENTRIES // 2 :])  # the less voted half
        old = select(User.id).where(User.created_at < contest.voting_open_at - timedelta(days=7), User.id > 1)
        self.old_voters = iter(db.session.scalars(old.order_by(User.id).offset(100).limit(200)))

    def votes(self, entry_id: int, cast: list[tuple[int, datetime, str]]) -> set[int]:
        rows = [
            dict(contest_id=self.contest.id, entry_id=entry_id, voter_id=voter_id,
                 day=to_local(moment, self.contest.timezone).date(), quota_key=f"e{entry_id}", slot=SLOT + k,
                 cast_at=moment, ip=ip, ip_prefix=".".join(ip.split(".")[:3]) + ".0/24", user_agent="bench",
                 is_valid=True)
            for k, (voter_id, moment, ip) in enumerate(cast)
        ]  # fmt: skip
        return set(db.session.scalars(insert(Vote).returning(Vote.id), rows))

    def accounts(self, people: list[tuple[str, str, datetime]]) -> list[int]:
        rows = [_user_row(email, name, created) for name, email, created in people]
        return list(db.session.scalars(insert(User).returning(User.id), rows))

    def burst(self) -> Planted:
        """60 old accounts voting for one entry within eight minutes, three days ago."""
        entry, start = next(self.free_entries), self.now - timedelta(days=3)
        cast = [(next(self.old_voters), start + timedelta(seconds=8 * k), f"14.9.{k}.{k + 1}") for k in range(60)]
        return Planted("burst of 60 votes in 8 minutes", "burst", entry, self.votes(entry, cast))

    def shared_ip(self) -> Planted:
        """8 old accounts voting for one entry from one address over two hours."""
        entry, start = next(self.free_entries), self.now - timedelta(days=2)
        cast = [(next(self.old_voters), start + timedelta(minutes=15 * k + k), "203.0.113.50") for k in range(8)]
        return Planted("ring of 8 accounts on one IP", "same_ip", entry, self.votes(entry, cast))

    def alike(self) -> Planted:
        """6 accounts "Trần Văn Hùng 1..6" registered within fifteen minutes, each voting for one entry."""
        entry, registered = next(self.free_entries), self.now - timedelta(days=6, hours=5)
        people = [(f"Trần Văn Hùng {k}", f"tranvanhung{k:02d}@gmail.com", registered + timedelta(minutes=3 * k))
                  for k in range(6)]  # fmt: skip
        ids = self.accounts(people)
        cast = [(v, registered + timedelta(hours=30, minutes=47 * k), f"42.8.{k}.9") for k, v in enumerate(ids)]
        return Planted("ring of 6 alike accounts", "alike_accounts", entry, self.votes(entry, cast))

    def disposable(self) -> Planted:
        """5 accounts at throwaway mail domains, registered weeks ago."""
        entry, registered = next(self.free_entries), self.contest.voting_open_at - timedelta(days=20)
        people = [(f"Lê Thị Mận {k}", f"man{k}x@{domain}", registered + timedelta(days=k))
                  for k, domain in enumerate(["mailinator.com", "yopmail.com", "mailinator.com", "10minutemail.com",
                                              "guerrillamail.com"])]  # fmt: skip
        cast = [
            (v, self.now - timedelta(days=4, hours=7 * k), f"27.7.{k}.3") for k, v in enumerate(self.accounts(people))
        ]
        return Planted("5 throwaway emails", "disposable_email", entry, self.votes(entry, cast))

    def newcomers(self) -> Planted:
        """6 accounts registered hours apart during voting, each voting once, for this entry only."""
        entry, start = next(self.free_entries), self.now - timedelta(days=9)
        people = [(f"Phạm Quốc {g}", f"pq.{g.lower()}.2025@yahoo.com", start + timedelta(hours=13 * k))
                  for k, g in enumerate(["Bảo", "Đạt", "Khải", "Lộc", "Nhân", "Tín"])]  # fmt: skip
        ids = self.accounts(people)
        cast = [(v, start + timedelta(hours=13 * k, minutes=40), f"116.5.{k}.8") for k, v in enumerate(ids)]
        return Planted("6 new accounts for one entry only", "new_single_entry", entry, self.votes(entry, cast))

    def regular_bot(self) -> Planted:
        """One old account voting every three hours, to the second, 12 times for the same entry."""
        entry, start, bot = next(self.free_entries), self.now - timedelta(days=5), next(self.old_voters)
        db.session.execute(text("DELETE FROM votes WHERE voter_id = :v"), dict(v=bot))  # its random votes blur it
        cast = [(bot, start + timedelta(hours=3 * k, seconds=k % 2), "113.160.5.5") for k in range(12)]
        return Planted("machine-regular voter, 12 votes", "regular_voter", entry, self.votes(entry, cast))


def build(now: datetime) -> tuple[Contest, list[Planted], dict]:
    """The contest, its crowd and votes, the planted patterns; the sizes and build time."""
    started = time.perf_counter()
    contest = build_contest(now)
    build_crowd(contest, now)
    build_votes(contest, now)
    planter = Planter(contest, now)
    planted = [planter.burst(), planter.shared_ip(), planter.alike(), planter.disposable(), planter.newcomers(),
               planter.regular_bot()]  # fmt: skip
    db.session.commit()
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    sizes = dict(
        votes=db.session.scalar(select(func.count(Vote.id))),
        voters=db.session.scalar(select(func.count(func.distinct(Vote.voter_id)))),
        entries=ENTRIES,
        built_s=time.perf_counter() - started,
    )
    return contest, planted, sizes


def timed(work: Callable[[Contest], object], contest_id: int) -> tuple[float, object]:
    """The best of REPEAT runs of work, each on a fresh session as a page load has; the last result."""
    best, result = float("inf"), None
    for _ in range(REPEAT):
        db.session.remove()
        contest = db.session.get(Contest, contest_id)
        started = time.perf_counter()
        result = work(contest)
        best = min(best, time.perf_counter() - started)
    db.session.remove()
    return best, result


def baseline(contest: Contest) -> list:
    """One plain aggregate over the contest's valid votes: the least any per-entry report reads."""
    return db.session.execute(
        text("SELECT entry_id, count(*) FROM votes WHERE contest_id = :c AND is_valid GROUP BY entry_id"),
        dict(c=contest.id),
    ).all()


def most_voted_entry(contest_id: int) -> Entry:
    entry_id = db.session.scalar(
        select(Vote.entry_id).where(Vote.contest_id == contest_id).group_by(Vote.entry_id)
        .order_by(func.count(Vote.id).desc()).limit(1)
    )  # fmt: skip
    return db.session.get(Entry, entry_id)


def contenders(contest_id: int, planted: list[Planted]) -> list[tuple[str, Callable[[Contest], object]]]:
    """The full report, each detector alone, and the drill-down of the most voted and of a planted entry."""
    top_id = most_voted_entry(contest_id).id
    some_id = planted[2].entry_id
    works: list[tuple[str, Callable[[Contest], object]]] = [("fraud_report (full)", fraud_report)]
    works += [(f"  {detect.__name__}", detect) for detect in DETECTORS]
    works.append(
        (f"entry_flags (most voted entry, id {top_id})", lambda c: entry_flags(c, db.session.get(Entry, top_id)))
    )
    works.append(
        (f"entry_flags (planted alike entry, id {some_id})", lambda c: entry_flags(c, db.session.get(Entry, some_id)))
    )
    return works


def measure(planted_out: list, sizes_out: dict) -> list[tuple[str, float]]:
    """Build, then time the baseline and each contender; fills in the planted patterns and sizes."""
    contest, planted, sizes = build(utcnow())
    planted_out.extend(planted)
    sizes_out.update(sizes)
    contest_id = contest.id
    timed(baseline, contest_id)  # warm the cache once, as a running server has it
    base, _ = timed(baseline, contest_id)
    times = [("baseline: SELECT entry_id, count(*) ... GROUP BY entry_id", base)]
    for label, work in contenders(contest_id, planted):
        seconds, result = timed(work, contest_id)
        times.append((label, seconds))
        if label.startswith("fraud_report"):
            sizes_out["flags"] = [f for group in result for f in group.flags]
            sizes_out["flagged_entries"] = len(result)
    return times


def found(pattern: Planted, flags: list[FraudFlag]) -> bool:
    """Whether a flag of the expected code on the planted entry names every planted vote."""
    named = {v for f in flags if f.entry_id == pattern.entry_id and f.code == pattern.code for v in f.vote_ids}
    return pattern.vote_ids <= named


def report(times: list[tuple[str, float]], planted: list[Planted], sizes: dict) -> None:
    """Print each time and its ratio to the baseline, the flags raised and whether each pattern was found."""
    print(f"PostgreSQL: {sizes['votes']:,} valid votes from {sizes['voters']:,} voters on {sizes['entries']:,} "
          f"entries (built in {sizes['built_s']:.0f} s, outside the timing); best of {REPEAT} runs each")  # fmt: skip
    base = times[0][1]
    for label, seconds in times:
        print(f"  {label:<58} {seconds * 1000:9.1f} ms  ratio {seconds / base:6.1f}×")
    flags = sizes["flags"]
    by_code: dict[str, int] = {}
    for f in flags:
        by_code[f.code] = by_code.get(f.code, 0) + 1
    print(f"Report: {sizes['flagged_entries']} flagged entries, {len(flags)} flags "
          f"({', '.join(f'{c} {n}' for c, n in sorted(by_code.items()))})")  # fmt: skip
    for pattern in planted:
        print(f"  planted {pattern.label:<40} {pattern.code:<18} {'found' if found(pattern, flags) else 'NOT FOUND'}")


def main() -> None:
    if not os.environ.get("BENCH_DATABASE_URL", "").startswith(("postgres", "postgresql")):
        print("SKIPPED: bench.fraud_report needs PostgreSQL; set BENCH_DATABASE_URL to an empty throwaway database.")
        return
    planted: list[Planted] = []
    sizes: dict = {}
    with tempfile.TemporaryDirectory(prefix="bench-fraud-") as folder:
        app = make_app(Path(folder))
        with app.app_context():
            db.drop_all()
            db.create_all()
        try:
            with app.test_request_context():
                times = measure(planted, sizes)
        finally:
            with app.app_context():
                db.session.remove()
                db.drop_all()
                db.engine.dispose()
    report(times, planted, sizes)


if __name__ == "__main__":
    main()
