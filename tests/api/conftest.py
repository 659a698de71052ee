"""Helpers for the JSON API tests: a client that sends the CSRF header, a valid registration."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.auth.models import User
from app.extensions import db
from tests.conftest import DEFAULT_PASSWORD

API = "/api/v1"
CODE = re.compile(r"\b(\d{6})\b")


def registration(**overrides) -> dict:
    """A registration body the API accepts; keywords replace fields, or drop them when `...`."""
    body = {
        "full_name": "Nguyễn Thị Hoài Thương",
        "email": "Hoai.Thuong@Gmail.com",
        "password": DEFAULT_PASSWORD,
        "birth_date": "2000-02-29",
        "nationality": "VN",
        "phone": "+84 912 345 678",
        "accepts_privacy_notice": True,
    }
    body.update(overrides)
    return {key: value for key, value in body.items() if value is not ...}


def code_in(mail: dict) -> str:
    """The 6-digit code of a verification mail."""
    match = CODE.search(mail["body"])
    assert match, f"no 6-digit code in {mail['body']!r}"
    return match.group(1)


def user_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def assert_api_error(response, status: int, code: str | None = None) -> dict:
    """The response is the API's single JSON error shape with this status (and code)."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"error"}
    error = body["error"]
    assert error["status"] == status
    assert isinstance(error["message"], str) and error["message"]
    assert set(error) <= {"status", "code", "message", "fields"}
    if code is not None:
        assert error["code"] == code
    return error


class ApiClient:
    """A test client for /api/v1 that fetches a CSRF token once and sends it on every POST."""

    def __init__(self, client):
        self.client = client
        self._token: str | None = None

    def csrf(self) -> str:
        if self._token is None:
            self._token = self.client.get(f"{API}/auth/csrf").get_json()["csrf_token"]
        return self._token

    def get(self, path: str, **kwargs):
        return self.client.get(f"{API}{path}", **kwargs)

    def post(self, path: str, json=None, *, csrf: bool = True, headers: dict | None = None, **kwargs):
        headers = dict(headers or {})
        if csrf:
            headers["X-CSRFToken"] = self.csrf()
        return self.client.post(f"{API}{path}", json=json, headers=headers, **kwargs)

    def post_raw(self, path: str, raw_json: str, headers: dict | None = None):
        """POST a JSON text as is (for escapes such as \\u0000 that json= would not produce)."""
        headers = {"X-CSRFToken": self.csrf(), **(headers or {})}
        return self.client.post(f"{API}{path}", data=raw_json, content_type="application/json", headers=headers)

    def login(self, email: str, password: str = DEFAULT_PASSWORD, **kwargs):
        return self.post("/auth/login", {"email": email, "password": password}, **kwargs)


@pytest.fixture
def api(client) -> ApiClient:
    return ApiClient(client)
