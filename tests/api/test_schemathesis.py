"""Schemathesis fuzzes the live API from its own OpenAPI document.

It runs the `st run` CLI of the installed schemathesis against the live server, with a
session that is logged in and sends its CSRF token, so generated requests reach the
validation and the services instead of stopping at the CSRF check (tested on its own in
test_auth_api.py). Every documented operation is exercised through the examples,
coverage, fuzzing and stateful phases; see SCHEMATHESIS_ARGS for the bounds and checks.

Checks left out, on purpose:
- positive_data_acceptance: the services apply rules JSON Schema cannot state (password
  strength, the country list, a code that must match the one mailed), so schema-valid
  data may rightly answer 422, 400 or 401.
- the stateful authorisation checks (use_after_free, ensure_resource_availability,
  ignored_auth, object_level_authorization): the API has no resources to create or delete.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.conftest import DEFAULT_PASSWORD

pytestmark = pytest.mark.slow

ST = Path(sys.executable).with_name("st")
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "missing_required_header",
    "unsupported_method",
]
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_MAX_EXAMPLES", "25"))
SEED = os.environ.get("SCHEMATHESIS_SEED", "20250715")
REPO_ROOT = Path(__file__).resolve().parents[2]
SCHEMATHESIS_ARGS = [
    "--checks", ",".join(CHECKS),
    "--max-examples", str(MAX_EXAMPLES),
    "--seed", SEED,  # reproducible in CI; set SCHEMATHESIS_SEED to explore other inputs
    "--workers", "1",  # one request at a time: SQLite under a threaded server is not the subject here
    "--request-timeout", "10",
    "--generation-database", "none",  # nothing written outside tmp_path
    "--no-color",
]  # fmt: skip


def logged_in_session(base_url: str, email: str) -> tuple[str, str]:
    """A session cookie of a logged-in user and the CSRF token that goes with it."""
    session = requests.Session()
    token = session.get(f"{base_url}/api/v1/auth/csrf", timeout=10).json()["csrf_token"]
    response = session.post(
        f"{base_url}/api/v1/auth/login",
        json={"email": email, "password": DEFAULT_PASSWORD},
        headers={"X-CSRFToken": token},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return session.cookies["session"], token


def test_schemathesis_finds_no_server_error_and_responses_match_the_document(
    app, live_server, seeded_contest, make_user, monkeypatch, tmp_path
):
    assert ST.is_file(), f"schemathesis CLI not found at {ST}"
    # Generous limits for the run, so requests reach the code instead of the rate limiter
    # (monkeypatch restores the configured ones; the limit is read on every request).
    for setting in ("RATELIMIT_LOGIN", "RATELIMIT_REGISTER", "RATELIMIT_VERIFY"):
        monkeypatch.setitem(app.config, setting, "100000 per minute")
    make_user(email="fuzz@example.com")
    cookie, token = logged_in_session(live_server.url, "fuzz@example.com")

    result = subprocess.run(
        [
            str(ST), "run", f"{live_server.url}/api/v1/openapi.json",
            "--header", f"X-CSRFToken: {token}",
            "--header", f"Cookie: session={cookie}",
            *SCHEMATHESIS_ARGS,
        ],
        cwd=tmp_path,  # schemathesis keeps its crash cache in ./.schemathesis
        capture_output=True,
        text=True,
        timeout=180,
        env={
            **os.environ,
            "NO_COLOR": "1",
            "SCHEMATHESIS_HOOKS": "tests.api.schemathesis_hooks",
            "PYTHONPATH": str(REPO_ROOT),
        },
    )  # fmt: skip

    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-20_000:]
    spec = requests.get(f"{live_server.url}/api/v1/openapi.json", timeout=10).json()
    operations = sum(
        1
        for item in spec["paths"].values()
        for method in item
        if method in {"get", "post", "patch", "delete", "head", "options", "put"}
    )
    assert f"Tested: {operations}" in output, output[-5_000:]  # every documented operation was exercised
    counts = re.search(r"(\d+) generated, (\d+) passed", output)
    assert counts and counts.group(1) == counts.group(2) and int(counts.group(1)) > 100, output[-5_000:]
