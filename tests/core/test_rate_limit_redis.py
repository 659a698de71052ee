"""Rate limits kept in a real Redis, as production runs them across gunicorn workers."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid

import pytest
import redis

from config import BASE_DIR

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

SCRIPT = textwrap.dedent(
    """
    import re, sys, tempfile
    from app import create_app
    from app.extensions import db
    from config import TestConfig

    config = TestConfig(instance_dir=tempfile.mkdtemp())
    config.RATELIMIT_STORAGE_URI = sys.argv[1]
    config.RATELIMIT_KEY_PREFIX = sys.argv[2]
    app = create_app(config)
    with app.app_context():
        db.create_all()
    statuses = []
    for worker in range(2):  # two apps share one Redis, like two gunicorn workers
        client = app.test_client()
        for _ in range(6):
            page = client.get("/auth/login").get_data(as_text=True)
            token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
            data = {"email": "x@example.com", "password": "wrong", "csrf_token": token}
            statuses.append(client.post("/auth/login", data=data).status_code)
    print(",".join(map(str, statuses)))
    """
)


@pytest.fixture
def redis_url():
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.skip(f"no Redis at {REDIS_URL}: {error}")
    return REDIS_URL


def test_login_limit_is_shared_through_redis(redis_url):
    prefix = f"test-{uuid.uuid4().hex}"
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, redis_url, prefix], cwd=BASE_DIR, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    statuses = result.stdout.strip().splitlines()[-1].split(",")
    assert statuses[:10] == ["401"] * 10
    assert statuses[10:] == ["429", "429"]
    store = redis.Redis.from_url(redis_url)
    keys = store.keys(f"*{prefix}*")
    assert keys, "the limiter wrote nothing to Redis"
    store.delete(*keys)
