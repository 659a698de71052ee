"""A scoring round's results from the real tables: 20,000 entries × 15 jurors × 5 criteria = 1.5 million Score rows.

Built in a throwaway database: a SQLite file by default, or the (empty, throwaway) PostgreSQL database
named by BENCH_DATABASE_URL, whose tables are created and dropped again. Entries, reviews and scores go
in with bulk core inserts, outside the timing; the round itself is created through the services.

Baseline, in the same run on the same database and connection pool: the plain SQL aggregate of the same
scores, each entry's weighted mean (SUM(value·weight) / SUM(weight) ... GROUP BY entry), all rows
fetched. Contender: `services.round_results(round)` (the weighted score per review in SQL, then mean,
trimmed mean and z-score mean with ranks, ties and agreement in numpy), plus the chair's results page
rendered through the test client as an admin when `/jury/rounds/<id>/results` exists. Target: under 2 s
and within 3× of the baseline. Best of REPEATS runs.

Run with: .venv/bin/python -m bench.jury_round_db
          BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/<throwaway> \\
              .venv/bin/python -m bench.jury_round_db
"""

from __future__ import annotations

import os
import re
import secrets
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import numpy as np
from sqlalchemy import insert, select, text
from werkzeug.security import generate_password_hash

from app import create_app
from app.auth.models import Role, User, UserRole
from app.contest.models import Category, StaffMembership, StaffRole
from app.contest.seed import seed_first_contest
from app.core.timeutil import utcnow
from app.entries.models import Entry, EntryKind, EntryStatus
from app.extensions import db
from app.jury import services
from app.jury.models import JuryRound, Review, RoundEntry, RoundKind, RoundStatus, Score
from bench.jury_results import CRITERIA, ENTRIES, JURORS, WEIGHTS, random_scores
from config import TestConfig, normalise_database_url

REPEATS = 3
ENTRANTS = 200  # 100 entries each
CHUNK = 50_000
ADMIN_EMAIL = "bench-admin@example.com"
PASSWORD = "hoa sen nở trên đầm 2025"
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
RESULTS_PATH = "/jury/rounds/{id}/results"
BASELINE_SQL = text(
    """
    SELECT r.entry_id, SUM(s.value * c.weight) / SUM(c.weight)
    FROM jury_scores AS s
    JOIN jury_reviews AS r ON r.id = s.review_id
    JOIN jury_criteria AS c ON c.id = s.criterion_id
    WHERE r.round_id = :round_id
    GROUP BY r.entry_id
    """
)


def make_app(folder: Path):
    """The app on the benchmark database: BENCH_DATABASE_URL, or a SQLite file in folder."""
    config = TestConfig(instance_dir=folder)
    url = os.environ.get("BENCH_DATABASE_URL")
    config.SQLALCHEMY_DATABASE_URI = normalise_database_url(url) if url else f"sqlite:///{folder / 'bench.sqlite3'}"
    config.RATELIMIT_ENABLED = False
    return create_app(config)


def build_round() -> int:
    """Contest, admin, jurors, accepted entries, a closed scoring round with every score given; the round id."""
    contest, _ = seed_first_contest()
    photo = db.session.scalar(select(Category).where(Category.contest_id == contest.id, Category.slug == "photo"))
    password = generate_password_hash(PASSWORD)
    admin = _user(ADMIN_EMAIL, "Quản Trị Viên", password)
    admin.roles.append(UserRole(role=Role.ADMIN))
    jurors = [_user(f"bench-juror{n}@example.com", f"Giám Khảo {n}", password) for n in range(1, JURORS + 1)]
    entrants = [_user(f"bench-entrant{n}@example.com", f"Tác Giả {n}", password) for n in range(1, ENTRANTS + 1)]
    db.session.flush()
    db.session.add_all(StaffMembership(contest_id=contest.id, user_id=j.id, role=StaffRole.JURY) for j in jurors)
    contest.jury_chair_id = jurors[0].id
    db.session.flush()
    now = utcnow()
    entry_rows = [
        dict(
            contest_id=contest.id,
            category_id=photo.id,
            entrant_id=entrants[n % ENTRANTS].id,
            kind=EntryKind.SINGLE_PHOTO,
            code=f"HNA25-A-{n + 1:05d}",
            status=EntryStatus.ACCEPTED,
            title_vi=f"Tác phẩm {n + 1}",
            made_on=date(2025, 4, 30),
            credit_name=f"Tác Giả {n % ENTRANTS + 1}",
            declared_own_work=True,
            declared_made_in_area=True,
            declared_consent=True,
            declared_licence=True,
            rules_version=contest.rules_version,
            authenticity_flags=[],
            submitted_at=now,
            updated_at=now,
        )
        for n in range(ENTRIES)
    ]
    db.session.execute(insert(Entry), entry_rows)
    entry_ids = list(db.session.scalars(select(Entry.id).where(Entry.category_id == photo.id).order_by(Entry.id)))
    criteria = tuple(services.CriterionData(f"Tiêu chí {n}", f"Criterion {n}", w) for n, w in enumerate(WEIGHTS, 1))
    settings = services.RoundSettings(
        name_vi="Sơ khảo", name_en="Preliminary", kind=RoundKind.SCORING, criteria=criteria
    )
    round_ = services.create_round(contest, photo, settings, admin)
    services.set_round_jurors(round_, jurors, admin)
    round_.status, round_.opened_at, round_.assigned_at, round_.closed_at = (RoundStatus.CLOSED, now, now, now)
    db.session.flush()
    _insert_scores(round_, [j.id for j in jurors], entry_ids, now)
    db.session.commit()
    return round_.id


def _user(email: str, name: str, password_hash: str) -> User:
    user = User(
        email=email,
        email_canonical=email,
        password_hash=password_hash,
        full_name=name,
        birth_date=date(1990, 5, 17),
        nationality="VN",
        locale="vi",
        session_version=1,
        email_verified_at=utcnow(),
    )
    db.session.add(user)
    return user


def _insert_scores(round_: JuryRound, juror_ids: list[int], entry_ids: list[int], now) -> None:
    """Round entries, one complete review per juror and entry, five scores per review: bulk core inserts."""
    db.session.execute(insert(RoundEntry), [dict(round_id=round_.id, entry_id=e, is_advanced=False) for e in entry_ids])
    first_review = (db.session.scalar(select(db.func.max(Review.id))) or 0) + 1
    review_rows = (
        dict(
            id=first_review + j * ENTRIES + e,
            round_id=round_.id,
            juror_id=juror_id,
            entry_id=entry_id,
            token=secrets.token_urlsafe(12),
            position=e + 1,
            reason="every juror judges every entry in this round",
            comment="",
            completed_at=now,
            updated_at=now,
            created_at=now,
            removed_reason="",
        )
        for j, juror_id in enumerate(juror_ids)
        for e, entry_id in enumerate(entry_ids)
    )
    for chunk in _chunks(review_rows):
        db.session.execute(insert(Review), chunk)
    criterion_ids = [c.id for c in round_.criteria]
    table = random_scores()  # rows (juror 1..J, entry 1..E, criterion 1..C, value), juror-major
    reviews = first_review + (table[:, 0].astype(np.int64) - 1) * ENTRIES + (table[:, 1].astype(np.int64) - 1)
    criteria = np.array(criterion_ids)[table[:, 2].astype(np.int64) - 1]
    score_rows = (
        dict(review_id=r, criterion_id=c, value=v, comment="", updated_at=now)
        for r, c, v in zip(reviews.tolist(), criteria.tolist(), table[:, 3].tolist(), strict=True)
    )
    for chunk in _chunks(score_rows):
        db.session.execute(insert(Score), chunk)
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT setval('jury_reviews_id_seq', (SELECT max(id) FROM jury_reviews))"))
        db.session.execute(text("ANALYZE"))
    else:
        db.session.execute(text("ANALYZE"))


def _chunks(rows: Iterator[dict]) -> Iterator[list[dict]]:
    chunk: list[dict] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def plain_aggregate(round_id: int) -> list:
    """The baseline: the database's own GROUP BY over the same scores, every row fetched."""
    return db.session.execute(BASELINE_SQL, {"round_id": round_id}).all()


def service_results(round_id: int):
    """What the chair's page computes: services.round_results on a freshly loaded round."""
    db.session.expire_all()
    return services.round_results(db.session.get(JuryRound, round_id))


def best_of(function: Callable[[], object]) -> float:
    """Best wall time of REPEATS calls, after one warm-up call."""
    function()
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


def results_page(app, round_id: int) -> tuple[Callable[[], object] | None, str]:
    """A GET of the chair's results page as a logged-in admin, or (None, why not) when it cannot be timed."""
    path = RESULTS_PATH.format(id=round_id)
    if not app.url_map.bind("localhost").test(path, method="GET"):
        return None, f"{path} does not exist yet"
    client = app.test_client()
    token = CSRF_INPUT.search(client.get("/auth/login").get_data(as_text=True)).group(1)
    client.post("/auth/login", data={"email": ADMIN_EMAIL, "password": PASSWORD, "csrf_token": token})
    status = client.get(path).status_code
    if status != 200:
        return None, f"GET {path} answered {status}"
    return lambda: client.get(path), ""


def measure(app) -> dict:
    """Build the round, then time the baseline, round_results and the chair's page (if it renders)."""
    with app.app_context():
        started = time.perf_counter()
        round_id = build_round()
        figures = {"built": time.perf_counter() - started, "dialect": db.engine.dialect.name}
        figures["scores"] = db.session.scalar(select(db.func.count(Score.id)))
        with app.test_request_context():
            assert len(plain_aggregate(round_id)) == ENTRIES == len(service_results(round_id).entry_ids)
            figures["baseline"] = best_of(lambda: plain_aggregate(round_id))
            figures["service"] = best_of(lambda: service_results(round_id))
        db.session.remove()
    page, figures["page_note"] = results_page(app, round_id)
    figures["page"] = best_of(page) if page else None
    return figures


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-jury-db-") as folder:
        app = make_app(Path(folder))
        with app.app_context():
            db.drop_all()
            db.create_all()
        try:
            figures = measure(app)
        finally:
            with app.app_context():
                db.session.remove()
                db.drop_all()
                db.engine.dispose()
    baseline, service, page = figures["baseline"], figures["service"], figures["page"]
    size = f"{ENTRIES:,} entries × {JURORS} jurors × {CRITERIA} criteria = {figures['scores']:,} scores"
    print(f"{figures['dialect']}: {size}")
    print(f"(built in {figures['built']:.1f} s, not timed); best of {REPEATS}")
    print(f"{'step':<52} {'seconds':>9} {'x baseline':>11}")
    print(f"{'plain SQL aggregate, GROUP BY entry (baseline)':<52} {baseline:>9.3f} {1.0:>11.2f}")
    print(f"{'services.round_results(round)':<52} {service:>9.3f} {service / baseline:>11.2f}")
    if page is None:
        print(f"chair's results page not timed ({figures['page_note']}): contender is round_results alone")
        contender = service
    else:
        print(f"{'GET chair results page as admin (contender)':<52} {page:>9.3f} {page / baseline:>11.2f}")
        print("  (the page computes round_results itself)")
        contender = page
    verdict = "met" if contender < 2.0 and contender / baseline <= 3.0 else "MISSED"
    print(f"target (< 2 s and ≤ 3× baseline): {verdict}")


if __name__ == "__main__":
    main()
