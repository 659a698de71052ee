"""The contests API: the current contest with its rules, contests by slug, and its errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.contest.models import Contest, ContestStatus
from app.core.timeutil import utcnow
from app.extensions import db
from tests.api.conftest import assert_api_error

MB = 1024 * 1024


def update_contest(app, slug: str, **values) -> None:
    with app.app_context():
        contest = db.session.scalar(select(Contest).where(Contest.slug == slug))
        for name, value in values.items():
            setattr(contest, name, value)
        db.session.commit()


def test_current_contest_returns_categories_file_rules_prizes_and_phase(app, api, seeded_contest):
    now = utcnow()
    update_contest(
        app, seeded_contest, submissions_open_at=now - timedelta(days=1), submissions_close_at=now + timedelta(days=30)
    )

    response = api.get("/contests/current")

    assert response.status_code == 200
    contest = response.get_json()
    assert contest["slug"] == seeded_contest
    assert contest["name_vi"] == "Nghệ An hạnh phúc 2025" and contest["name_en"] == "Happy Nghe An 2025"
    assert contest["status"] == "published" and contest["phase"] == "submissions_open"
    assert contest["timezone"] == "Asia/Ho_Chi_Minh" and contest["min_entrant_age"] == 15
    assert contest["rules_vi"] and contest["rules_en"] and contest["rules_version"]
    photo, video = contest["categories"]
    assert photo["slug"] == "photo" and photo["media_type"] == "photo"
    assert photo["allows_single_photo"] and photo["allows_photo_series"] and not photo["allows_video"]
    assert (photo["series_min_photos"], photo["series_max_photos"]) == (2, 10)
    assert photo["allowed_formats"] == ["jpeg"]
    assert (photo["min_long_edge_px"], photo["min_bytes"], photo["max_bytes"]) == (3000, 3 * MB, 50 * MB)
    assert video["slug"] == "video" and video["allows_video"] and video["allowed_formats"] == ["mp4"]
    assert (video["max_video_seconds"], video["max_bytes"]) == (300, 200 * MB)
    prizes = {(p["category"], p["rank"]): p for p in contest["prizes"]}
    assert set(prizes) == {(c, r) for c in ("photo", "video") for r in (1, 2, 3)}
    assert prizes[("photo", 1)]["name_vi"] == "Giải Nhất" and prizes[("photo", 1)]["name_en"] == "First prize"


@pytest.mark.parametrize(
    ("open_in_days", "close_in_days", "phase"),
    [(2, 30, "upcoming"), (-2, 30, "submissions_open"), (-30, -2, "judging")],
)
def test_current_contest_phase_follows_the_dates(app, api, seeded_contest, open_in_days, close_in_days, phase):
    now = utcnow()
    update_contest(
        app,
        seeded_contest,
        submissions_open_at=now + timedelta(days=open_in_days),
        submissions_close_at=now + timedelta(days=close_in_days),
    )

    assert api.get("/contests/current").get_json()["phase"] == phase


def test_current_contest_without_any_contest_is_404_json_error(api):
    response = api.get("/contests/current")

    assert_api_error(response, 404, "contest_not_found")


def test_current_contest_that_is_a_draft_is_404(app, api, seeded_contest):
    update_contest(app, seeded_contest, status=ContestStatus.DRAFT)

    assert_api_error(api.get("/contests/current"), 404, "contest_not_found")


def test_contest_by_slug_returns_that_contest(api, seeded_contest):
    response = api.get(f"/contests/{seeded_contest}")

    assert response.status_code == 200
    assert response.get_json() == api.get("/contests/current").get_json()


def test_contest_by_unknown_slug_is_404_json_error(api, seeded_contest):
    assert_api_error(api.get("/contests/no-such-contest"), 404, "contest_not_found")


def test_contest_by_slug_of_a_draft_is_404(app, api, seeded_contest):
    update_contest(app, seeded_contest, status=ContestStatus.DRAFT)

    assert_api_error(api.get(f"/contests/{seeded_contest}"), 404, "contest_not_found")


@pytest.mark.parametrize("slug", ["%00", "happy%00nghe-an", "%ED%A0%80", "%FF"])
def test_contest_by_slug_with_nul_or_broken_utf8_is_404_not_a_server_error(api, seeded_contest, slug):
    # Regression: PostgreSQL refuses NUL in text, so /contests/%00 answered 500 (pages too).
    assert_api_error(api.get(f"/contests/{slug}"), 404, "contest_not_found")


def test_contest_page_with_nul_in_slug_is_404(client, seeded_contest):
    assert client.get("/contests/%00").status_code == 404


@pytest.mark.parametrize(("method", "path"), [("put", "/contests/current"), ("delete", "/me"), ("get", "/auth/login")])
def test_wrong_method_is_405_json_error_with_allow_header(api, method, path):
    # Regression: the error handler dropped the Allow header that RFC 9110 requires on 405.
    response = getattr(api.client, method)(f"/api/v1{path}")

    assert_api_error(response, 405, "http_405")
    assert response.headers["Allow"]
