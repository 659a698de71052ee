"""The first contest's seed, phases in the contest timezone, landing and rules pages, CLI."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.contest import services
from app.contest.models import Category, Contest, ContestPhase, ContestStatus, MediaType
from app.contest.seed import FIRST_CONTEST_SLUG, seed_first_contest
from app.core.timeutil import end_of_local_day, start_of_local_day, utcnow
from app.extensions import db

UTC = UTC


def test_seed_first_contest_matches_the_published_rules(app_ctx):
    contest, created = seed_first_contest()
    assert created and contest.is_current
    assert contest.min_entrant_age == 15
    assert contest.work_created_from == date(2023, 1, 1)
    assert contest.work_created_until == date(2025, 10, 1)
    # 2025-07-15 00:00 and 2025-10-01 24:00 in Vietnam (UTC+7).
    assert contest.submissions_open_at == datetime(2025, 7, 14, 17, 0, tzinfo=UTC)
    assert contest.submissions_close_at == datetime(2025, 10, 1, 17, 0, tzinfo=UTC)
    photo, video = contest.categories
    assert photo.media_type == MediaType.PHOTO and photo.allows_photo_series
    assert photo.min_long_edge_px == 3000 and photo.min_bytes == 3 * 1024 * 1024
    assert photo.allowed_formats == ["jpeg"] and photo.max_entries_per_entrant is None
    assert video.max_video_seconds == 300 and video.max_bytes == 200 * 1024 * 1024
    assert len(contest.prizes) == 6


def test_seed_first_contest_is_idempotent(app_ctx):
    seed_first_contest()
    db.session.commit()
    _, created = seed_first_contest()
    assert not created
    assert db.session.scalar(select(func.count()).select_from(Contest)) == 1


def test_only_one_contest_can_be_current(app_ctx):
    seed_first_contest()
    db.session.commit()
    second = Contest(
        slug="happy-nghe-an-2026", entry_code_prefix="HNA26", name_vi="2026", name_en="2026",
        rules_version="1", submissions_open_at=utcnow(), submissions_close_at=utcnow() + timedelta(days=30),
        status=ContestStatus.PUBLISHED, is_current=True,
    )
    db.session.add(second)
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()
    second.is_current = False
    db.session.add(second)
    db.session.flush()
    services.make_current(second)
    db.session.commit()
    assert services.get_current_contest().slug == "happy-nghe-an-2026"


@pytest.mark.parametrize(
    "broken",
    [
        {"submissions_close_at": datetime(2025, 7, 1, tzinfo=UTC)},
        {"min_entrant_age": -1},
        {"work_created_until": date(2022, 1, 1)},
    ],
)
def test_contest_constraints_refuse_inconsistent_rows(app_ctx, broken):
    contest, _ = seed_first_contest()
    db.session.commit()
    for key, value in broken.items():
        setattr(contest, key, value)
    with pytest.raises(IntegrityError):
        db.session.flush()


@pytest.mark.parametrize(
    "broken",
    [
        {"series_min_photos": 5, "series_max_photos": 3},
        {"allows_video": True},
        {"min_bytes": 10, "max_bytes": 5},
        {"allows_single_photo": False, "allows_photo_series": False},
    ],
)
def test_category_constraints_refuse_inconsistent_rules(app_ctx, broken):
    seed_first_contest()
    db.session.commit()
    category = db.session.scalar(select(Category).where(Category.slug == "photo"))
    for key, value in broken.items():
        setattr(category, key, value)
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_submission_deadline_is_the_end_of_the_last_local_day(app_ctx):
    contest, _ = seed_first_contest()
    last_second = datetime(2025, 10, 1, 23, 59, 59, tzinfo=timezone(timedelta(hours=7)))
    assert services.contest_phase(contest, last_second) == ContestPhase.SUBMISSIONS_OPEN
    assert services.contest_phase(contest, last_second + timedelta(seconds=1)) == ContestPhase.JUDGING
    first_second = datetime(2025, 7, 15, 0, 0, tzinfo=timezone(timedelta(hours=7)))
    assert services.contest_phase(contest, first_second - timedelta(seconds=1)) == ContestPhase.UPCOMING
    assert services.contest_phase(contest, first_second) == ContestPhase.SUBMISSIONS_OPEN


def test_contest_phase_covers_voting_and_results(app_ctx):
    contest, _ = seed_first_contest()
    contest.voting_open_at = datetime(2025, 10, 10, tzinfo=UTC)
    contest.voting_close_at = datetime(2025, 10, 20, tzinfo=UTC)
    contest.results_at = datetime(2025, 11, 1, tzinfo=UTC)
    assert services.contest_phase(contest, datetime(2025, 10, 15, tzinfo=UTC)) == ContestPhase.VOTING
    assert services.contest_phase(contest, datetime(2025, 10, 25, tzinfo=UTC)) == ContestPhase.JUDGING
    assert services.contest_phase(contest, datetime(2025, 11, 2, tzinfo=UTC)) == ContestPhase.RESULTS
    steps = services.timeline(contest, datetime(2025, 10, 15, tzinfo=UTC))
    assert [s.key for s in steps if not s.is_past] == ["voting_close", "results"]


def test_local_day_bounds_follow_the_timezone():
    assert start_of_local_day(date(2025, 7, 15), "Asia/Ho_Chi_Minh") == datetime(2025, 7, 14, 17, tzinfo=UTC)
    assert end_of_local_day(date(2025, 10, 1), "Europe/Paris") == datetime(2025, 10, 1, 22, tzinfo=UTC)


def test_datetimes_come_back_timezone_aware(app_ctx):
    seed_first_contest()
    db.session.commit()
    db.session.expire_all()
    contest = services.get_current_contest()
    assert contest.submissions_close_at.tzinfo is not None


def _set_open_window(app, days_left: int) -> None:
    with app.app_context():
        contest = db.session.scalar(select(Contest))
        contest.submissions_open_at = utcnow() - timedelta(days=10)
        contest.submissions_close_at = utcnow() + timedelta(days=days_left, hours=1)
        db.session.commit()


def test_landing_page_shows_live_status_categories_and_prizes(app, client, seeded_contest):
    _set_open_window(app, 12)
    html = client.get("/").get_data(as_text=True)
    assert "Nghệ An hạnh phúc 2025" in html
    assert "12" in html and "/auth/register" in html
    assert "3.000" in html  # min long edge, Vietnamese number format
    assert "Giải Nhất" in html


def test_landing_page_in_english_shows_english_names(app, client, seeded_contest):
    _set_open_window(app, 12)
    from tests.conftest import csrf_from

    client.post("/language", data={"locale": "en", "csrf_token": csrf_from(client.get("/").get_data(as_text=True))})
    html = client.get("/").get_data(as_text=True)
    assert "Happy Nghe An 2025" in html and "First prize" in html
    assert "in 12 days" in html
    assert "3,000" in html


def test_landing_page_without_contest_says_so(client):
    response = client.get("/")
    assert response.status_code == 200
    assert "<h1>" in response.get_data(as_text=True)


def test_rules_page_and_unknown_contest(client, seeded_contest):
    assert "2025" in client.get(f"/contests/{seeded_contest}/rules").get_data(as_text=True)
    assert client.get("/contests/no-such-contest").status_code == 404


def test_draft_contests_are_not_public(app, client, seeded_contest):
    with app.app_context():
        db.session.scalar(select(Contest)).status = ContestStatus.DRAFT
        db.session.commit()
    assert client.get(f"/contests/{seeded_contest}").status_code == 404


def test_cli_seed_and_list(runner):
    assert "Created" in runner.invoke(args=["contest", "seed"]).output
    assert "Already present" in runner.invoke(args=["contest", "seed"]).output
    assert "nothing seeded" in runner.invoke(args=["contest", "seed", "--if-empty"]).output
    listing = runner.invoke(args=["contest", "list"]).output
    assert FIRST_CONTEST_SLUG in listing and "2025-07-15 00:00" in listing and "2025-10-02 00:00" in listing


def test_staff_membership_is_unique_per_contest_user_and_role(app_ctx, make_user):
    from app.contest.models import StaffMembership, StaffRole

    user = make_user()
    contest, _ = seed_first_contest()
    db.session.add(StaffMembership(contest=contest, user_id=user.id, role=StaffRole.JURY))
    db.session.add(StaffMembership(contest=contest, user_id=user.id, role=StaffRole.SECRETARIAT))
    db.session.flush()
    db.session.add(StaffMembership(contest=contest, user_id=user.id, role=StaffRole.JURY))
    with pytest.raises(IntegrityError):
        db.session.flush()


def test_landing_page_query_count_does_not_grow_with_categories(app, client, seeded_contest, count_queries):
    client.get("/")
    with count_queries() as baseline:
        client.get("/")
    with app.app_context():
        contest = db.session.scalar(select(Contest))
        for n in range(5):
            contest.categories.append(
                Category(slug=f"extra{n}", code_letter=f"X{n}", name_vi=f"Mục {n}", name_en=f"Extra {n}",
                         media_type=MediaType.PHOTO, allows_single_photo=True, allowed_formats=["jpeg"])
            )
        db.session.commit()
    with count_queries() as more:
        client.get("/")
    assert baseline.count <= 4
    assert more.count == baseline.count


def test_cli_open_submissions_reopens_a_past_contest_until_a_local_midnight(app, runner, seeded_contest):
    result = runner.invoke(args=["contest", "open-submissions", seeded_contest, "--days", "7"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        contest = db.session.scalar(select(Contest).where(Contest.slug == seeded_contest))
        now = utcnow()
        assert services.contest_phase(contest, now) == ContestPhase.SUBMISSIONS_OPEN
        local_close = contest.submissions_close_at.astimezone(timezone(timedelta(hours=7)))
        assert (local_close.hour, local_close.minute) == (0, 0)
        assert timedelta(days=7) <= contest.submissions_close_at - now <= timedelta(days=8)
    assert runner.invoke(args=["contest", "open-submissions", "nope"]).exit_code != 0
