"""Votes per second on one hot entry with 8 concurrent clients, against the raw rate of the same rows.

PostgreSQL only (row locks and concurrent writers are the point): set BENCH_DATABASE_URL to an empty,
throwaway database; its tables are created and dropped again. Without it the benchmark says so and skips.

Contenders: `cast_vote_with_proof` as the vote view calls it (eligibility, the staff and pace checks and
the quota slot in one guarded INSERT ... ON CONFLICT DO NOTHING, the counter by an atomic UPDATE), each
vote in its own transaction and commit; once with the voters loaded before the start (contest and entry
are loaded once per client, as a cache would hold them), once loading each voter by the login loader
as every signed-in request does. Baseline: a plain INSERT of the same vote row plus UPDATE of the
counter (SET valid_votes = valid_votes + 1) in one transaction. All with 8 concurrent clients
(processes, as sync gunicorn workers are; BENCH_VOTES_CLIENTS=threads for threads) on one hot entry,
in BENCH_VOTES_ROUNDS rounds (3) of baseline then contenders, each on a fresh entry; the median
round's ratio is the figure, since the machine's speed drifts between runs.
Then the counter alone: read-then-write (SELECT the count, UPDATE SET = n + 1) against the atomic
UPDATE, same clients, to show the increments the first one loses. Targets: cast_vote ≥ 60 % of the
raw rate, 0 lost or doubled votes.

With BENCH_VOTES_PRELOAD=1 (the default) 20,000 accepted entries and 1,000,000 earlier votes are
loaded first (in SQL, outside the timing), so the indexes have the size of a busy contest.

Run with: BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/<throwaway> \\
              .venv/bin/python -m bench.votes
"""

from __future__ import annotations

import multiprocessing
import os
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, insert, select, text

from app import create_app
from app.auth.models import User
from app.auth.services.sessions import load_user_from_session_id
from app.contest.models import Category, Contest, ContestStatus, VotePolicy
from app.contest.seed import seed_first_contest
from app.core.timeutil import utcnow
from app.entries.models import Entry, EntryKind, EntryStatus
from app.extensions import db
from app.gallery.models import EntryVoteCount, Vote
from app.gallery.services import cast_vote_with_proof, ip_prefix, voting_day
from config import TestConfig, normalise_database_url

CLIENTS = 8
VOTES_PER_CLIENT = 400
COUNTER_INCREMENTS_PER_CLIENT = 400
PRELOAD_ENTRIES = 20_000
PRELOAD_VOTERS = 10_000
PRELOAD_DAYS = 100  # 10,000 voters × 100 days = 1,000,000 votes
ROUNDS = int(os.environ.get("BENCH_VOTES_ROUNDS", "3"))
CONTENDERS = ("raw", "service", "loading")  # each round times them in this order, each on a fresh hot entry
HOT_ENTRIES = ROUNDS * len(CONTENDERS) + 1  # the last is the counter demo's; the preload leaves them all alone
IP = "203.0.113.77"
UA = "bench/votes"


def make_app(folder: Path):
    """The app on BENCH_DATABASE_URL, limits off."""
    config = TestConfig(instance_dir=folder)
    config.SQLALCHEMY_DATABASE_URI = normalise_database_url(os.environ["BENCH_DATABASE_URL"])
    config.SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": CLIENTS + 2, "max_overflow": 4}
    config.RATELIMIT_ENABLED = False
    return create_app(config)


def _user_rows(prefix: str, n: int) -> list[dict]:
    now = utcnow() - timedelta(days=30)
    return [
        dict(
            email=f"{prefix}{k}@example.com",
            email_canonical=f"{prefix}{k}@example.com",
            password_hash="not-a-login",
            full_name=f"Người Bình Chọn {k}",
            birth_date=date(1990, 1, 1),
            nationality="VN",
            locale="vi",
            session_version=1,
            created_at=now,
            email_verified_at=now,
            must_change_password=False,
            is_locked=False,
        )
        for k in range(n)
    ]


def _entry_row(contest: Contest, category: Category, entrant_id: int, n: int, now) -> dict:
    return dict(
        contest_id=contest.id,
        category_id=category.id,
        entrant_id=entrant_id,
        kind=EntryKind.SINGLE_PHOTO,
        code=f"HNA25-A-{n:05d}",
        status=EntryStatus.ACCEPTED,
        title_vi=f"Tác phẩm {n}",
        made_on=date(2025, 4, 30),
        credit_name="Tác Giả",
        declared_own_work=True,
        declared_made_in_area=True,
        declared_consent=True,
        declared_licence=True,
        rules_version=contest.rules_version,
        authenticity_flags=[],
        submitted_at=now,
        updated_at=now,
    )


def build(preload: bool) -> dict:
    """The contest open for voting, an entrant, hot entries, voters, and (optionally) the big preload."""
    contest, _ = seed_first_contest()
    now = utcnow()
    contest.status = ContestStatus.PUBLISHED
    contest.submissions_open_at, contest.submissions_close_at = now - timedelta(days=200), now - timedelta(days=150)
    contest.voting_open_at, contest.voting_close_at = now - timedelta(days=140), now + timedelta(days=10)
    contest.results_at = now + timedelta(days=20)
    contest.vote_policy, contest.votes_per_day, contest.vote_counts_visible = VotePolicy.PER_ENTRY_PER_DAY, 1, True
    photo = db.session.scalar(select(Category).where(Category.contest_id == contest.id, Category.slug == "photo"))
    people = _user_rows("bench-entrant", 1) + _user_rows("bench-voter", CLIENTS * VOTES_PER_CLIENT)
    db.session.execute(insert(User), people)
    entrant_id = db.session.scalar(select(User.id).where(User.email == "bench-entrant0@example.com"))
    count = PRELOAD_ENTRIES if preload else HOT_ENTRIES
    db.session.execute(insert(Entry), [_entry_row(contest, photo, entrant_id, n, now) for n in range(1, count + 1)])
    entry_ids = list(db.session.scalars(select(Entry.id).order_by(Entry.id).limit(HOT_ENTRIES)))
    voters = list(db.session.scalars(select(User.id).where(User.email.like("bench-voter%")).order_by(User.id)))
    figures = {"entries": count, "preloaded_votes": 0}
    if preload:
        started = time.perf_counter()
        figures["preloaded_votes"] = _preload_votes(contest, now)
        figures["preload_s"] = time.perf_counter() - started
    db.session.commit()
    figures.update(contest_id=contest.id, hot=entry_ids[:-1], counter_demo=entry_ids[-1])
    figures["voters"] = voters
    return figures


def _preload_votes(contest: Contest, now) -> int:
    """1,000,000 earlier votes from PRELOAD_VOTERS voters over PRELOAD_DAYS days, and the counters they make."""
    db.session.execute(insert(User), _user_rows("bench-crowd", PRELOAD_VOTERS))
    first_voter = db.session.scalar(select(func.min(User.id)).where(User.email.like("bench-crowd%")))
    first_entry = db.session.scalar(select(func.min(Entry.id)))
    today = voting_day(contest, now)
    db.session.execute(
        text(
            """
            INSERT INTO votes (contest_id, entry_id, voter_id, day, quota_key, slot, cast_at, ip, ip_prefix,
                               user_agent, is_valid)
            SELECT :contest, :first_entry + e.n, :first_voter + v.n, :today - (d.n + 1),
                   'e' || (:first_entry + e.n), 1, :now - make_interval(days => d.n + 1),
                   '10.' || (v.n % 250) || '.' || (d.n % 250) || '.1',
                   '10.' || (v.n % 250) || '.' || (d.n % 250) || '.0/24',
                   'preload', true
            FROM generate_series(0, :voters - 1) AS v(n)
            CROSS JOIN generate_series(0, :days - 1) AS d(n)
            CROSS JOIN LATERAL (SELECT :hot + (v.n * 7 + d.n * 13) % (:entries - :hot) AS n) AS e
            """
        ),
        dict(
            contest=contest.id,
            first_entry=first_entry,
            first_voter=first_voter,
            today=today,
            now=now,
            voters=PRELOAD_VOTERS,
            days=PRELOAD_DAYS,
            entries=PRELOAD_ENTRIES,
            hot=HOT_ENTRIES,
        ),
    )
    db.session.execute(
        text(
            """
            INSERT INTO entry_vote_counts (entry_id, contest_id, valid_votes, voided_votes, last_vote_at)
            SELECT entry_id, contest_id, count(*), 0, max(cast_at) FROM votes GROUP BY entry_id, contest_id
            """
        )
    )
    db.session.execute(text("ANALYZE"))
    return db.session.scalar(select(func.count(Vote.id)))


def run_clients(folder: Path, prepare: Callable[[int, list[int]], Callable[[], None]], voters: list[int]) -> float:
    """Run prepare(client number, its voter ids) in CLIENTS processes, then release together the work
    each returned; the wall time of the work (preparation, such as loading what a cache would hold, is
    outside it).

    Processes, as sync gunicorn workers are: with threads in one interpreter, the transaction that
    holds the hot row's lock waits for the GIL behind the other threads' Python work, which measures
    the interpreter rather than the database (BENCH_VOTES_CLIENTS=threads shows it).
    """
    use_threads = os.environ.get("BENCH_VOTES_CLIENTS") == "threads"
    context = multiprocessing.get_context("fork")
    barrier = threading.Barrier(CLIENTS + 1) if use_threads else context.Barrier(CLIENTS + 1)
    failures = context.Queue()
    share = len(voters) // CLIENTS

    def client(k: int) -> None:
        app = shared_app if use_threads else make_app(folder)
        with app.test_request_context():
            db.session.execute(text("SELECT 1"))  # connect before the start
            db.session.commit()
            work = prepare(k, voters[k * share:(k + 1) * share])
            barrier.wait()
            try:
                work()
            except Exception as error:  # reported by the parent: the figures would be wrong otherwise
                failures.put(repr(error))
            finally:
                db.session.remove()
                if not use_threads:
                    db.engine.dispose()

    shared_app = make_app(folder) if use_threads else None
    spawn = threading.Thread if use_threads else context.Process
    clients = [spawn(target=client, args=(k,)) for k in range(CLIENTS)]
    for c in clients:
        c.start()
    barrier.wait()
    started = time.perf_counter()
    for c in clients:
        c.join()
    elapsed = time.perf_counter() - started
    if not failures.empty():
        raise RuntimeError(failures.get())
    return elapsed


def voter_ip(voter_id: int) -> str:
    """A different /24 for each voter, as a crowd on many networks has (one address would look risky)."""
    return f"{11 + voter_id % 200}.{voter_id // 200 % 256}.{voter_id // 51_200 % 256}.7"


def through_vote_service(contest_id: int, entry_id: int, load_voter: bool) -> Callable[[int, list[int]], None]:
    """Each vote as the vote view casts it: `cast_vote_with_proof` (eligibility, staff and risk checks in one
    query, the quota slot, the counter), then commit. With `load_voter` the voter is loaded first by the
    login loader, as every signed-in request does; without, the voters are loaded before the start."""

    def prepare(_k: int, voter_ids: list[int]) -> Callable[[], None]:
        contest, entry = db.session.get(Contest, contest_id), db.session.get(Entry, entry_id)
        loaded = {} if load_voter else {v: load_user_from_session_id(f"{v}:1") for v in voter_ids}
        db.session.expunge_all()  # contest and entry loaded once per client, as a cache would hold them
        db.session.commit()

        def work() -> None:
            for voter_id in voter_ids:
                voter = load_user_from_session_id(f"{voter_id}:1") if load_voter else loaded[voter_id]
                cast_vote_with_proof(contest, entry, voter, ip=voter_ip(voter_id), user_agent=UA, proof=None)
                db.session.commit()

        return work

    return prepare


def raw_insert_and_counter(contest_id: int, entry_id: int, day: date) -> Callable[[int, list[int]], None]:
    """The same rows the plain way: INSERT the vote, UPDATE the counter, commit."""
    insert_vote = text(
        "INSERT INTO votes (contest_id, entry_id, voter_id, day, quota_key, slot, cast_at, ip, ip_prefix, user_agent,"
        " is_valid) VALUES (:c, :e, :v, :d, :q, 1, :t, :ip, :prefix, :ua, true)"
    )
    bump = text("UPDATE entry_vote_counts SET valid_votes = valid_votes + 1, last_vote_at = :t WHERE entry_id = :e")

    def prepare(_k: int, voter_ids: list[int]) -> Callable[[], None]:
        def work() -> None:
            for voter_id in voter_ids:
                with db.engine.begin() as conn:
                    now = utcnow()
                    conn.execute(
                        insert_vote,
                        dict(c=contest_id, e=entry_id, v=voter_id, d=day, q=f"e{entry_id}", t=now,
                             ip=voter_ip(voter_id), prefix=ip_prefix(voter_ip(voter_id)), ua=UA),
                    )
                    conn.execute(bump, dict(t=now, e=entry_id))

        return work

    return prepare


def counter_increments(entry_id: int, atomic: bool) -> Callable[[int, list[int]], None]:
    """COUNTER_INCREMENTS_PER_CLIENT increments of one counter: read-then-write, or one atomic UPDATE."""
    read = text("SELECT valid_votes FROM entry_vote_counts WHERE entry_id = :e")
    write = text("UPDATE entry_vote_counts SET valid_votes = :n WHERE entry_id = :e")
    bump = text("UPDATE entry_vote_counts SET valid_votes = valid_votes + 1 WHERE entry_id = :e")

    def prepare(_k: int, _voters: list[int]) -> Callable[[], None]:
        def work() -> None:
            for _ in range(COUNTER_INCREMENTS_PER_CLIENT):
                with db.engine.begin() as conn:
                    if atomic:
                        conn.execute(bump, dict(e=entry_id))
                    else:
                        n = conn.execute(read, dict(e=entry_id)).scalar_one()
                        conn.execute(write, dict(n=n + 1, e=entry_id))

        return work

    return prepare


def tally(entry_id: int) -> tuple[int, int]:
    """Votes stored for the entry and its counter."""
    db.session.expire_all()
    votes = db.session.scalar(select(func.count(Vote.id)).where(Vote.entry_id == entry_id))
    counter = db.session.scalar(select(EntryVoteCount.valid_votes).where(EntryVoteCount.entry_id == entry_id)) or 0
    return votes, counter


def _reset_counter(entry_id: int, contest_id: int) -> None:
    db.session.execute(text("DELETE FROM entry_vote_counts WHERE entry_id = :e"), dict(e=entry_id))
    db.session.execute(
        insert(EntryVoteCount).values(entry_id=entry_id, contest_id=contest_id, valid_votes=0, voided_votes=0)
    )
    db.session.commit()


def measure(app, folder: Path, preload: bool) -> dict:
    """Build, then ROUNDS rounds of: the raw rows, cast_vote, cast_vote with the login loader, each on a
    fresh hot entry; then the two counters.

    Rounds, because this machine's speed drifts from one run to the next by more than the difference
    being measured: each round's ratios compare contenders timed seconds apart, and the median round
    is the figure.
    """
    with app.test_request_context():
        started = time.perf_counter()
        figures = build(preload)
        figures["built_s"] = time.perf_counter() - started
        contest = db.session.get(Contest, figures["contest_id"])
        voters, cid = figures.pop("voters"), contest.id
        for entry_id in [*figures["hot"], figures["counter_demo"]]:
            _reset_counter(entry_id, cid)
        day = voting_day(contest, utcnow())
        db.session.remove()
        db.engine.dispose()  # no open connection is inherited by the client processes
    figures["attempted"] = len(voters) // CLIENTS * CLIENTS
    hot = iter(figures["hot"])
    figures["rounds"] = []
    for _ in range(ROUNDS):
        timed = {
            "raw": lambda entry: raw_insert_and_counter(cid, entry, day),
            "service": lambda entry: through_vote_service(cid, entry, load_voter=False),
            "loading": lambda entry: through_vote_service(cid, entry, load_voter=True),
        }
        round_ = {}
        for name in CONTENDERS:
            entry_id = next(hot)
            round_[name] = (entry_id, run_clients(folder, timed[name](entry_id), voters))
        figures["rounds"].append(round_)
    increments = CLIENTS * COUNTER_INCREMENTS_PER_CLIENT
    figures["increments"] = increments
    figures["read_write_s"] = run_clients(folder, counter_increments(figures["counter_demo"], atomic=False), voters)
    with app.app_context():
        figures["read_write_counter"] = tally(figures["counter_demo"])[1]
        _reset_counter(figures["counter_demo"], cid)
        db.session.remove()
        db.engine.dispose()
    figures["atomic_s"] = run_clients(folder, counter_increments(figures["counter_demo"], atomic=True), voters)
    with app.app_context():
        figures["atomic_counter"] = tally(figures["counter_demo"])[1]
        for round_ in figures["rounds"]:
            for name, (entry_id, seconds) in round_.items():
                round_[name] = (seconds, tally(entry_id))
    return figures


def _kind() -> str:
    return "threads" if os.environ.get("BENCH_VOTES_CLIENTS") == "threads" else "processes"


LABELS = {
    "raw": "raw INSERT + UPDATE counter (baseline)",
    "service": "vote service (cast_vote_with_proof)",
    "loading": "login loader + vote service",
}


def _exact(tally_: tuple[int, int], attempted: int) -> tuple[int, int, bool]:
    """Lost and doubled votes, and whether the counter disagrees with the stored rows."""
    stored, counter = tally_
    return max(attempted - counter, 0), max(stored - attempted, 0), stored != counter


def report(f: dict) -> None:
    """Print each round's rates and ratios to the raw rate, the median ratios, and lost or doubled votes."""
    attempted = f["attempted"]
    size = f"{f['entries']:,} entries, {f['preloaded_votes']:,} votes preloaded"
    if f.get("preload_s"):
        size += f" (in {f['preload_s']:.0f} s, outside the timing)"
    print(f"PostgreSQL, {CLIENTS} concurrent {_kind()} on one hot entry, {attempted:,} votes each way, "
          f"{len(f['rounds'])} rounds; {size}")
    ratios: dict[str, list[float]] = {"service": [], "loading": []}
    all_exact = True
    for number, round_ in enumerate(f["rounds"], start=1):
        raw_rate = attempted / round_["raw"][0]
        print(f"  round {number}")
        for name in CONTENDERS:
            seconds, tally_ = round_[name]
            rate = attempted / seconds
            lost, doubled, mismatch = _exact(tally_, attempted)
            all_exact = all_exact and lost == doubled == 0 and not mismatch
            ratio = "" if name == "raw" else f"ratio {rate / raw_rate:4.0%}"
            if name != "raw":
                ratios[name].append(rate / raw_rate)
            print(f"    {LABELS[name]:<42} {rate:8.0f} votes/s  {ratio:<11} stored {tally_[0]:,}, "
                  f"counter {tally_[1]:,}, lost {lost}, doubled {doubled}")
    print(f"  target: ≥ 60 % of the baseline, 0 lost, 0 doubled (every round: {'yes' if all_exact else 'NO'})")
    for name, values in ratios.items():
        median = statistics.median(values)
        spread = ", ".join(f"{v:.0%}" for v in values)
        verdict = "meets" if median >= 0.60 and all_exact else "MISSES"
        print(f"  {LABELS[name]:<44} median ratio {median:4.0%} (rounds: {spread}): {verdict}")
    n = f["increments"]
    rw, at = f["read_write_counter"], f["atomic_counter"]
    print(f"Counter alone, {n:,} increments by {CLIENTS} {_kind()}:")
    print(f"  read-then-write (SELECT n; UPDATE SET n+1)  ends at {rw:,}: {n - rw:,} lost ({(n - rw) / n:.0%})"
          f"   {n / f['read_write_s']:.0f}/s")
    print(f"  atomic UPDATE SET valid_votes + 1           ends at {at:,}: {n - at:,} lost   {n / f['atomic_s']:.0f}/s")


def main() -> None:
    if not os.environ.get("BENCH_DATABASE_URL", "").startswith(("postgres", "postgresql")):
        print("SKIPPED: bench.votes needs PostgreSQL; set BENCH_DATABASE_URL to an empty throwaway database.")
        return
    preload = os.environ.get("BENCH_VOTES_PRELOAD", "1") != "0"
    with tempfile.TemporaryDirectory(prefix="bench-votes-") as folder:
        app = make_app(Path(folder))
        with app.app_context():
            db.drop_all()
            db.create_all()
        try:
            figures = measure(app, Path(folder), preload)
        finally:
            with app.app_context():
                db.session.remove()
                db.drop_all()
                db.engine.dispose()
    report(figures)


if __name__ == "__main__":
    main()
