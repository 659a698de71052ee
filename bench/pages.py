"""Page cost against the framework floor.

Baseline: GET /healthz, which runs the whole middleware stack (session, locale, security
headers) but no database or template. Each page's median time is printed with its ratio
to that baseline, so a page that starts doing N+1 queries or heavy rendering shows up as a
jump in its ratio whatever the machine's speed.
"""

from __future__ import annotations

import statistics
import tempfile
import time

from app import create_app
from app.contest.seed import seed_first_contest
from app.extensions import db
from config import TestConfig

ROUNDS = 300
PATHS = ["/", "/contests/happy-nghe-an-2025/rules", "/auth/register", "/auth/login", "/api/v1/contests/current"]


def median_ms(client, path: str, rounds: int = ROUNDS) -> float:
    """Median wall time of GET path, in milliseconds, after a warm-up."""
    for _ in range(20):
        assert client.get(path).status_code == 200, path
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        client.get(path)
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)


def main() -> None:
    config = TestConfig(instance_dir=tempfile.mkdtemp(prefix="bench-"))
    config.SQLALCHEMY_DATABASE_URI = f"sqlite:///{config.INSTANCE_DIR / 'bench.sqlite3'}"
    app = create_app(config)
    with app.app_context():
        db.create_all()
        seed_first_contest()
        db.session.commit()
    client = app.test_client()
    baseline = median_ms(client, "/healthz")
    print(f"{'path':<40} {'median ms':>10} {'x baseline':>11}")
    print(f"{'/healthz (baseline)':<40} {baseline:>10.2f} {1.0:>11.1f}")
    for path in PATHS:
        cost = median_ms(client, path)
        print(f"{path:<40} {cost:>10.2f} {cost / baseline:>11.1f}")


if __name__ == "__main__":
    main()
