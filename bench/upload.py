"""Resumable upload throughput and server memory, against writing the same bytes to disk.

Baseline: the same file copied to a new file on the same disk in 8 MiB blocks with a final
fsync (what any upload must at least do). Measured: the file sent through the app's tus
API by a real HTTP client to gunicorn, chunk by chunk, with local storage; and the gunicorn
worker's peak RSS growth while it receives (sampled every 20 ms). Targets: >= 70 % of the
baseline MB/s and < 50 MB RSS growth.

Run: .venv/bin/python -m bench.upload [size_mb]   (default 500)
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import requests

from config import BASE_DIR

CHUNK = int(os.environ.get("BENCH_CHUNK_MB", "8")) * 1024 * 1024
PASSWORD = "hoa sen nở trên đầm 2025"


def make_payload(path: Path, size: int) -> None:
    """A file that starts like a JPEG (so the first-bytes check passes) followed by noise."""
    block = os.urandom(CHUNK)
    with open(path, "wb") as out:
        out.write(b"\xff\xd8\xff\xe0" + block[4:])
        written = CHUNK
        while written < size:
            out.write(block[: min(CHUNK, size - written)])
            written += CHUNK


def disk_write_mb_s(source: Path, target: Path) -> float:
    """Copy in 8 MiB blocks and fsync: the floor any upload has to pay."""
    start = time.perf_counter()
    with open(source, "rb") as src, open(target, "wb") as out:
        for block in iter(lambda: src.read(CHUNK), b""):
            out.write(block)
        out.flush()
        os.fsync(out.fileno())
    elapsed = time.perf_counter() - start
    return source.stat().st_size / elapsed / 1e6


def prepare_instance(instance: Path, size: int) -> dict[str, str]:
    """A migrated SQLite instance with the first contest, a verified user and roomy rules."""
    env = os.environ | {"APP_ENV": "development", "INSTANCE_DIR": str(instance), "FLASK_APP": "wsgi",
                        "JOBS_BACKEND": "inprocess", "RATELIMIT_ENABLED": "false"}  # fmt: skip
    flask = [sys.executable, "-m", "flask"]
    subprocess.run([*flask, "db", "upgrade"], cwd=BASE_DIR, env=env, check=True, capture_output=True)
    subprocess.run([*flask, "contest", "seed"], cwd=BASE_DIR, env=env, check=True, capture_output=True)
    script = f"""
from wsgi import app
app.app_context().push()
from datetime import date
from sqlalchemy import select
from werkzeug.security import generate_password_hash
from app.auth.models import User
from app.contest.models import Category
from app.core.timeutil import utcnow
from app.extensions import db
category = db.session.scalar(select(Category).where(Category.slug == "photo"))
category.max_bytes = {size * 2}
category.min_bytes = None
db.session.add(User(email="bench@example.com", email_canonical="bench@example.com",
    password_hash=generate_password_hash({PASSWORD!r}), full_name="Bench", birth_date=date(1990, 1, 1),
    nationality="VN", locale="en", session_version=1, email_verified_at=utcnow()))
db.session.commit()
print(category.id)
"""
    out = subprocess.run([sys.executable, "-c", script], cwd=BASE_DIR, env=env, check=True, capture_output=True)
    env["BENCH_CATEGORY"] = out.stdout.decode().strip().splitlines()[-1]
    return env


def start_server(env: dict[str, str], port: int, target: str = "wsgi:app") -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "1", "--threads", "2", "-b", f"127.0.0.1:{port}", "--timeout", "300",
         target],
        cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    for _ in range(100):
        try:
            requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
            return server
        except requests.RequestException:
            time.sleep(0.1)
    os.killpg(server.pid, signal.SIGTERM)
    raise RuntimeError("gunicorn did not start")


def logged_in(base: str) -> tuple[requests.Session, str]:
    session = requests.Session()
    page = session.get(f"{base}/auth/login").text
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    session.post(f"{base}/auth/login", data={"email": "bench@example.com", "password": PASSWORD, "csrf_token": token})
    csrf = session.get(f"{base}/api/v1/auth/csrf").json()["csrf_token"]
    return session, csrf


def bare_upload(base: str, path: Path) -> float:
    """Send the same chunks to the bare WSGI app; returns MB/s."""
    size = path.stat().st_size
    start = time.perf_counter()
    with requests.Session() as session, open(path, "rb") as source:
        for block in iter(lambda: source.read(CHUNK), b""):
            session.patch(f"{base}/", data=block).raise_for_status()
    return size / (time.perf_counter() - start) / 1e6


def upload(base: str, session: requests.Session, csrf: str, path: Path, category: str) -> float:
    """Send the file through tus; returns MB/s."""
    size = path.stat().st_size
    meta = f"filename {base64.b64encode(b'bench.jpg').decode()},category {base64.b64encode(category.encode()).decode()}"
    headers = {"Tus-Resumable": "1.0.0", "X-CSRFToken": csrf}
    start = time.perf_counter()
    announce = {"Upload-Length": str(size), "Upload-Metadata": meta}
    created = session.post(f"{base}/api/v1/uploads", headers=headers | announce)
    created.raise_for_status()
    location = base + created.headers["Location"]
    offset = 0
    with open(path, "rb") as source:
        while offset < size:
            block = source.read(CHUNK)
            response = session.patch(location, data=block, headers=headers | {
                "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})  # fmt: skip
            response.raise_for_status()
            offset = int(response.headers["Upload-Offset"])
    return size / (time.perf_counter() - start) / 1e6


class RssSampler(threading.Thread):
    """Peak resident memory of a process, sampled until stopped."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.baseline = self.process.memory_info().rss
        self.peak = self.baseline
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.02)

    def stop(self) -> None:
        self._stopping.set()
        self.join()


def main(size_mb: int = 500) -> None:
    size = size_mb * 1024 * 1024
    work = Path(tempfile.mkdtemp(prefix="bench-upload-"))
    try:
        payload = work / "payload.bin"
        make_payload(payload, size)
        disk = disk_write_mb_s(payload, work / "copy.bin")
        (work / "copy.bin").unlink()
        env = prepare_instance(work / "instance", size)
        port = 5600 + os.getpid() % 300
        server = start_server(env, port)
        try:
            base = f"http://127.0.0.1:{port}"
            session, csrf = logged_in(base)
            worker_pid = psutil.Process(server.pid).children()[0].pid
            sampler = RssSampler(worker_pid)
            sampler.start()
            through_app = upload(base, session, csrf, payload, env["BENCH_CATEGORY"])
            sampler.stop()
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        bare_port = port + 1
        bare_env = env | {"BARE_UPLOAD_TARGET": str(work / "bare.bin")}
        bare = start_server(bare_env, bare_port, "bench.bare_upload_app:app")
        try:
            floor = bare_upload(f"http://127.0.0.1:{bare_port}", payload)
        finally:
            os.killpg(bare.pid, signal.SIGTERM)
            bare.wait(timeout=30)
        growth_mb = (sampler.peak - sampler.baseline) / 1e6
        print(f"file: {size_mb} MiB, chunks of {CHUNK // (1024 * 1024)} MiB, local storage, gunicorn 1 worker")
        print(f"{'raw disk write (baseline)':<34} {disk:>8.1f} MB/s")
        print(f"{'bare WSGI append under gunicorn':<34} {floor:>8.1f} MB/s   ratio {floor / disk:.2f}")
        print(f"{'tus upload through the app':<34} {through_app:>8.1f} MB/s   ratio {through_app / disk:.2f}"
              f" (x{through_app / floor:.2f} of the bare WSGI floor)")
        print(f"{'server RSS growth while receiving':<34} {growth_mb:>8.1f} MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
