"""The public gallery under load, against a bare Flask+Jinja page rendering the same cards from a list.

Built in a throwaway database with 20,000 accepted entries, each with a processed photo and its two
thumbnail sizes (a SQLite file by default, or the empty throwaway PostgreSQL database named by
BENCH_DATABASE_URL, whose tables are created and dropped again). Both apps run under gunicorn with
2 sync workers; `wrk` (apt-get install wrk) sends CONNECTIONS concurrent requests for DURATION seconds.

Baseline: a bare Flask app (no database, no session, no extensions) rendering PAGE_SIZE cards of the
same markup from a Python list, with its template compiled once (until 2026-11-27 it was compiled on
every request, which made the baseline five times slower than it is and the ratios look better than
they were). Contender: GET /gallery/<slug> as a first-time visitor (no cookie: a new
shuffle seed every request, the worst case), then deeper pages and a search. For context, the app's own
landing page (the whole middleware stack, base template, one contest query) is measured too, and each
page's ratio to it is printed. Targets: the gallery's requests/s at least 70 % of the bare page's,
p99 under 50 ms.

Run with: .venv/bin/python -m bench.gallery
          BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/<throwaway> .venv/bin/python -m bench.gallery
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import insert, select, text

from app import create_app
from app.auth.models import User
from app.contest.models import Category, ContestStatus
from app.contest.seed import seed_first_contest
from app.core.search import fold_for_search
from app.core.timeutil import utcnow
from app.entries.models import Entry, EntryFile, EntryKind, EntryStatus
from app.extensions import db
from app.gallery.services import PAGE_SIZE
from app.media.models import Derivative, MediaAsset, MediaKind, ProcessingState, StoredFile
from config import Config, TestConfig, normalise_database_url

ENTRIES = int(os.environ.get("BENCH_GALLERY_ENTRIES", "20000"))
ENTRANTS = 500
DURATION = int(os.environ.get("BENCH_GALLERY_SECONDS", "10"))
CONNECTIONS = 4  # two per sync worker: p99 includes waiting for a worker, as it would in production
BASE_DIR = Path(__file__).resolve().parent.parent
SLUG_FILE = "gallery-slug.txt"

BARE_TEMPLATE = """<!doctype html><html lang="vi"><head><meta charset="utf-8"><title>{{ title }}</title>
<link rel="stylesheet" href="/static/css/site.css"></head><body><main><h1>{{ title }}</h1>
<ul class="gallery-grid">{% for card in cards %}
<li class="gallery-card"><a href="/gallery/{{ slug }}/{{ card.code }}">
<img src="{{ card.src }}" srcset="{{ card.srcset }}" sizes="(min-width: 64em) 23vw, 48vw" width="480" height="360"
loading="lazy" decoding="async" alt="{{ card.title }}"><span class="gallery-card__title">{{ card.title }}</span></a>
<span class="gallery-card__meta"><span class="gallery-card__author">{{ card.author }}</span></span></li>
{% endfor %}</ul><a class="button" href="/gallery/{{ slug }}?after=1.1">Trang sau</a></main></body></html>"""


# ---------------------------------------------------------------------------- apps served by gunicorn


def _config(folder: Path) -> TestConfig:
    config = TestConfig(instance_dir=folder)
    url = os.environ.get("BENCH_DATABASE_URL")
    config.SQLALCHEMY_DATABASE_URI = normalise_database_url(url) if url else f"sqlite:///{folder / 'bench.sqlite3'}"
    config.RATELIMIT_ENABLED = False
    config.TESTING = False
    production = Config(instance_dir=folder)  # what a deployment runs with, not the tests' zeros
    config.GALLERY_ORDER_CACHE_SECONDS = production.GALLERY_ORDER_CACHE_SECONDS
    config.REACH_VIEW_FLUSH_SECONDS = production.REACH_VIEW_FLUSH_SECONDS
    return config


def make_gallery_app():
    """gunicorn factory: the real app on the benchmark database (folder in BENCH_GALLERY_DIR)."""
    return create_app(_config(Path(os.environ["BENCH_GALLERY_DIR"])))


def make_bare_app():
    """gunicorn factory: a bare Flask app rendering PAGE_SIZE cards from a list with Jinja."""
    app = Flask(__name__)
    cards = [
        {
            "code": f"HNA25-A-{n:05d}",
            "title": f"Tác phẩm số {n} – Bình minh trên sông Lam",
            "author": f"Tác Giả {n}",
            "src": f"/media/{n:032x}/w480.webp",
            "srcset": f"/media/{n:032x}/w480.webp 480w, /media/{n:032x}/w1280.webp 1280w",
        }
        for n in range(1, PAGE_SIZE + 1)
    ]

    template = app.jinja_env.from_string(BARE_TEMPLATE)  # compiled once, as render_template's loader caches it

    @app.get("/")
    def page():
        return template.render(title="Thư viện ảnh", cards=cards, slug="happy-nghe-an-2025")

    return app


# ---------------------------------------------------------------------------- data


def build(folder: Path) -> str:
    """Contest with voting open and ENTRIES accepted entries, each with a photo and two thumbnails; the slug."""
    app = create_app(_config(folder))
    with app.app_context():
        db.drop_all()
        db.create_all()
        contest, _ = seed_first_contest()
        now = utcnow()
        contest.status = ContestStatus.PUBLISHED
        contest.submissions_open_at, contest.submissions_close_at = now - timedelta(days=40), now - timedelta(days=10)
        contest.voting_open_at, contest.voting_close_at = now - timedelta(days=1), now + timedelta(days=5)
        contest.results_at = now + timedelta(days=20)
        photo = db.session.scalar(select(Category).where(Category.contest_id == contest.id, Category.slug == "photo"))
        entrants = [
            User(email=f"g{n}@example.com", email_canonical=f"g{n}@example.com", password_hash="x",
                 full_name=f"Tác Giả {n}", birth_date=date(1990, 1, 1), nationality="VN", locale="vi",
                 session_version=1, email_verified_at=now)
            for n in range(ENTRANTS)
        ]  # fmt: skip
        db.session.add_all(entrants)
        db.session.flush()
        _insert_entries(contest, photo, [u.id for u in entrants], now)
        db.session.commit()
        if db.engine.dialect.name == "postgresql":  # statistics, as autovacuum would gather after a bulk load
            with db.engine.connect() as connection:
                connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
        slug = contest.slug
        db.engine.dispose()
    return slug


def _insert_entries(contest, photo, entrant_ids: list[int], now) -> None:
    places = ["Cửa Lò", "Nghệ An", "Vinh", "Pù Mát", "Quỳnh Lưu", "Kim Liên"]
    db.session.execute(
        insert(Entry),
        [
            dict(contest_id=contest.id, category_id=photo.id, entrant_id=entrant_ids[n % len(entrant_ids)],
                 kind=EntryKind.SINGLE_PHOTO, code=f"HNA25-A-{n + 1:05d}", status=EntryStatus.ACCEPTED,
                 title_vi=f"Tác phẩm số {n + 1} – Bình minh trên sông Lam", title_en=f"Work {n + 1}",
                 place=places[n % len(places)], made_on=date(2025, 4, 30), credit_name=f"Tác Giả {n % 997}",
                 declared_own_work=True, declared_made_in_area=True, declared_consent=True, declared_licence=True,
                 rules_version=contest.rules_version, authenticity_flags=[], submitted_at=now, updated_at=now,
                 # bulk inserts skip the model's folding hook, so fold here as it would
                 search_text="\n".join(fold_for_search(t) for t in (
                     f"Tác phẩm số {n + 1} – Bình minh trên sông Lam", f"Work {n + 1}", places[n % len(places)])),
                 author_search=fold_for_search(f"Tác Giả {n % 997}"))
            for n in range(ENTRIES)
        ],
    )  # fmt: skip
    entry_ids = list(db.session.scalars(select(Entry.id).order_by(Entry.id)))
    asset_ids = [f"{n:032x}" for n in range(1, ENTRIES + 1)]
    db.session.execute(
        insert(MediaAsset),
        [
            dict(id=a, owner_id=entrant_ids[n % len(entrant_ids)], kind=MediaKind.PHOTO, original_filename="ảnh.jpg",
                 rules={}, state=ProcessingState.READY, attempts=1, exif={}, failure_params={}, format="jpeg",
                 width=4000, height=3000, created_at=now, processed_at=now, claimed_at=now)
            for n, a in enumerate(asset_ids)
        ],
    )  # fmt: skip
    db.session.execute(
        insert(EntryFile),
        [
            dict(entry_id=e, position=1, asset_id=a, caption_vi="", caption_en="", problem_params={})
            for e, a in zip(entry_ids, asset_ids, strict=True)
        ],
    )
    first_file = (db.session.scalar(select(db.func.max(StoredFile.id))) or 0) + 1
    names = (("w480.webp", 480, 360), ("w1280.webp", 1280, 960))
    files, derivatives = [], []
    for n, asset in enumerate(asset_ids):
        for k, (name, width, height) in enumerate(names):
            file_id = first_file + 2 * n + k
            files.append(dict(id=file_id, backend="local", key=f"derivatives/{asset}/{name}", size=20_000,
                              content_type="image/webp", created_at=now))  # fmt: skip
            derivatives.append(dict(asset_id=asset, name=name, file_id=file_id, width=width, height=height))
    db.session.execute(insert(StoredFile), files)
    db.session.execute(insert(Derivative), derivatives)


# ---------------------------------------------------------------------------- load


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(target: str, folder: Path) -> tuple[subprocess.Popen, str]:
    """gunicorn with 2 sync workers on a free port; the process and its base URL."""
    port = _free_port()
    env = os.environ | {"BENCH_GALLERY_DIR": str(folder)}
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-k", "sync", "-b", f"127.0.0.1:{port}", "--timeout", "60",
         target],
        cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(f"{base}/", timeout=5)
            return server, base
        except OSError as error:
            if getattr(error, "code", None):  # an HTTP answer (even 404) means it is up
                return server, base
            time.sleep(0.1)
    stop(server)
    raise RuntimeError(f"gunicorn did not start: {target}")


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=30)


def wrk(url: str, seconds: int = DURATION) -> tuple[float, float]:
    """Requests/s and p99 latency (ms) of GET url under CONNECTIONS connections; non-2xx answers fail."""
    for _ in range(20):  # warm both workers
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.status == 200, url
    out = subprocess.run(
        ["wrk", "-t", "2", "-c", str(CONNECTIONS), "-d", f"{seconds}s", "--latency", url],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    if "Non-2xx" in out:
        raise RuntimeError(f"errors from {url}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", out).groups()
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    return rps, p99


def next_link(url: str, hops: int) -> str:
    """The URL reached by following "next page" hops times (one visitor, one cookie)."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor())
    base = url.split("/gallery/")[0]
    for _ in range(hops):
        html = opener.open(url, timeout=10).read().decode()
        url = base + re.search(r'id="gallery-next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    return url


def main() -> None:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    folder = Path(tempfile.mkdtemp(prefix="bench-gallery-"))
    database = "PostgreSQL" if os.environ.get("BENCH_DATABASE_URL") else "SQLite"
    print(f"building {ENTRIES:,} accepted entries in {database}")
    slug = build(folder)
    bare, bare_base = serve("bench.gallery:make_bare_app()", folder)
    try:
        floor = wrk(f"{bare_base}/")
    finally:
        stop(bare)
    server, base = serve("bench.gallery:make_gallery_app()", folder)
    try:
        gallery = f"{base}/gallery/{slug}"
        deep_newest = next_link(f"{gallery}?sort=newest", 300)  # page 301 of 834
        cases = {
            "app floor: contest landing page": f"{base}/",
            "gallery, first visit (fair order)": gallery,
            "gallery, newest": f"{gallery}?sort=newest",
            "gallery, page 301 (keyset, newest)": deep_newest,
            "gallery, search 'nghe an'": f"{gallery}?q=nghe+an",
        }
        results = {name: wrk(url) for name, url in cases.items()}
    finally:
        stop(server)
        if os.environ.get("BENCH_DATABASE_URL"):
            app = create_app(_config(folder))
            with app.app_context():
                db.drop_all()
                db.engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)
    print(f"gunicorn 2 sync workers, wrk {CONNECTIONS} connections × {DURATION} s, {PAGE_SIZE} cards per page")
    app_floor = results["app floor: contest landing page"][0]
    print(f"{'page':<38} {'req/s':>9} {'p99 ms':>8} {'vs bare':>8} {'vs app floor':>13}")
    print(f"{'bare Flask+Jinja, cards from a list':<38} {floor[0]:>9.1f} {floor[1]:>8.1f} {1.0:>8.2f}")
    for name, (rps, p99) in results.items():
        print(f"{name:<38} {rps:>9.1f} {p99:>8.1f} {rps / floor[0]:>8.2f} {rps / app_floor:>13.2f}")
    rps, p99 = results["gallery, first visit (fair order)"]
    print(f"target gallery ≥ 0.70 × bare req/s: {'met' if rps >= 0.7 * floor[0] else 'NOT met'};"
          f" p99 < 50 ms: {'met' if p99 < 50 else 'NOT met'}")


if __name__ == "__main__":
    main()
