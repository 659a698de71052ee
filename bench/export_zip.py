"""Streaming the ZIP of originals against plainly reading the same files.

Baseline: every original read from the local backend's folder in 1 MiB blocks and thrown
away (what any export must at least do; `cat file > /dev/null`). Measured: the organisers'
export as the view streams it (plan from the database, then stream_originals_zip over the
local backend: zip headers, CRC-32 and the copy into the sink). Both read warm files, in
alternating rounds; the best round of each is printed with the ratio, then the peak of
Python allocations (tracemalloc) and of resident memory growth (psutil) while streaming.
A second reference, read + CRC-32, shows the floor the ZIP format itself sets: every member
needs its CRC-32, which costs more than reading warm files. Targets: at least 0.7 of the
read + CRC-32 rate (the archive adds little beyond its checksum) and a flat, small peak.

Run: .venv/bin/python -m bench.export_zip [entries] [mb_per_original]   (default 8 × 100 MB)
"""

from __future__ import annotations

import binascii
import hashlib
import os
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable
from datetime import date

import psutil
from sqlalchemy import select

from app import create_app
from app.auth.models import Role, User, UserRole
from app.contest.models import Category, Contest
from app.contest.seed import seed_first_contest
from app.core.timeutil import utcnow
from app.entries.models import Entry, EntryFile, EntryKind, EntryStatus
from app.entries.services import ExportFilter, plan_originals, start_entries_export, stream_originals_zip
from app.extensions import db
from app.media.models import MediaAsset, MediaKind, ProcessingState, StoredFile
from app.media.services import current_storage
from app.storage import new_key
from config import TestConfig

MB = 1024 * 1024
ROUNDS = 3
BASELINE = "plain read (baseline)"
CRC_FLOOR = "read + CRC-32"


def write_original(storage, size: int) -> StoredFile:
    """A random original of `size` bytes written straight into the local backend."""
    key = new_key("originals")
    path = storage.root / key
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    block = os.urandom(MB)
    with path.open("wb") as out:
        for n in range(size // MB):
            chunk = n.to_bytes(8, "big") + block[8:]  # distinct blocks, cheap to make
            digest.update(chunk)
            out.write(chunk)
    return StoredFile(backend="local", key=key, size=size, sha256=digest.hexdigest(), content_type="image/jpeg")


def prepare(app, entries: int, size: int) -> tuple[User, Contest, list[StoredFile]]:
    """The seeded contest, an admin, and `entries` received single-photo entries with large originals."""
    seed_first_contest()
    contest = db.session.scalar(select(Contest))
    category = db.session.scalar(select(Category).where(Category.slug == "photo"))
    person = dict(birth_date=date(1990, 1, 1), nationality="VN", password_hash="x", session_version=1)
    admin = User(email="admin@example.com", email_canonical="admin@example.com", full_name="Admin", **person)
    admin.roles = [UserRole(role=Role.ADMIN)]
    author = User(email="a@example.com", email_canonical="a@example.com", full_name="Tác giả", **person)
    db.session.add_all([admin, author])
    storage = current_storage()
    originals = []
    for n in range(1, entries + 1):
        original = write_original(storage, size)
        originals.append(original)
        asset = MediaAsset(owner=author, kind=MediaKind.PHOTO, original_filename=f"ảnh {n}.jpg", original=original,
                           state=ProcessingState.READY, width=6000, height=4000, format="jpeg")  # fmt: skip
        entry = Entry(contest=contest, category=category, entrant=author, kind=EntryKind.SINGLE_PHOTO,
                      code=f"HNA25-A-{n:04d}", status=EntryStatus.RECEIVED, title_vi=f"Tác phẩm {n}",
                      made_on=date(2025, 4, 30), credit_name="Tác giả", declared_own_work=True,
                      declared_made_in_area=True, declared_consent=True, declared_licence=True,
                      rules_version="bench", received_at=utcnow())  # fmt: skip
        entry.files = [EntryFile(position=1, asset=asset)]
        db.session.add(entry)
    db.session.commit()
    return admin, contest, originals


def read_plainly(storage, originals: list[StoredFile], checksum: bool = False) -> int:
    """Baseline: read every original in 1 MiB blocks (and CRC-32 them, the checksum ZIP requires)."""
    total = 0
    crc = 0
    for original in originals:
        with storage.local_path(original.key).open("rb") as source:
            while block := source.read(MB):
                total += len(block)
                if checksum:
                    crc = binascii.crc32(block, crc)  # as zipfile computes it
    return total


def stream_zip(admin: User, contest: Contest) -> int:
    """The export: audit, plan, then consume the archive stream."""
    export = start_entries_export(admin, contest, ExportFilter(contest_id=contest.id), "zip")
    db.session.commit()
    return sum(len(chunk) for chunk in stream_originals_zip(plan_originals(export), current_storage()))


def timed(work: Callable[[], int]) -> tuple[float, int]:
    start = time.perf_counter()
    total = work()
    return time.perf_counter() - start, total


def rss_growth(work: Callable[[], int]) -> int:
    """Peak resident-memory growth of this process while work runs (sampled every 10 ms)."""
    process = psutil.Process()
    before = process.memory_info().rss
    peak = before
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.wait(0.01):
            peak = max(peak, process.memory_info().rss)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        work()
    finally:
        done.set()
        sampler.join()
    return max(peak, process.memory_info().rss) - before


def python_peak(work: Callable[[], int]) -> int:
    """Peak of Python allocations (tracemalloc) while work runs."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main(entries: int = 8, mb_per_original: int = 100) -> None:
    config = TestConfig(instance_dir=tempfile.mkdtemp(prefix="bench-export-"))
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{config.INSTANCE_DIR / 'bench.sqlite3'}"
    app = create_app(config)
    with app.test_request_context():
        db.create_all()
        admin, contest, originals = prepare(app, entries, mb_per_original * MB)
        storage = current_storage()
        read_plainly(storage, originals)  # warm the page cache for both contenders
        contenders: dict[str, Callable[[], int]] = {
            BASELINE: lambda: read_plainly(storage, originals),
            CRC_FLOOR: lambda: read_plainly(storage, originals, checksum=True),
            "ZIP export": lambda: stream_zip(admin, contest),
        }
        best = dict.fromkeys(contenders, float("inf"))
        sizes = {}
        for _ in range(ROUNDS):
            for name, work in contenders.items():
                elapsed, total = timed(work)
                best[name] = min(best[name], elapsed)
                sizes[name] = total
        rss = rss_growth(lambda: stream_zip(admin, contest))
        peak = python_peak(lambda: stream_zip(admin, contest))
    base_rate = sizes[BASELINE] / best[BASELINE] / 1e6
    print(f"{entries} originals of {mb_per_original} MiB; best of {ROUNDS} rounds, warm page cache")
    crc_rate = sizes[CRC_FLOOR] / best[CRC_FLOOR] / 1e6
    print(f"{'contender':<24} {'MB':>8} {'seconds':>8} {'MB/s':>8} {'÷ baseline':>11} {'÷ read+CRC':>11}")
    for name, seconds in best.items():
        rate = sizes[name] / seconds / 1e6
        ratios = f"{rate / base_rate:>11.2f} {rate / crc_rate:>11.2f}"
        print(f"{name:<24} {sizes[name] / 1e6:>8.0f} {seconds:>8.2f} {rate:>8.0f} {ratios}")
    print(f"ZIP export peak Python allocations: {peak / MB:.1f} MiB; peak RSS growth: {rss / MB:.1f} MiB")


if __name__ == "__main__":
    main(*(int(arg) for arg in sys.argv[1:3]))
