"""Editing a contest: every field saved, rules checked with translated field messages, changes audited,
status, the current contest, and the preview of the landing page."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import date, timedelta

import pytest

from app.contest import settings
from app.contest.models import Contest, ContestStatus, VotePolicy
from app.core.errors import ValidationFailed
from app.core.timeutil import end_of_local_day, start_of_local_day
from app.extensions import db
from tests.admin_settings.conftest import audit_records, post_form, vi

TZ = "Asia/Ho_Chi_Minh"


def form_data(contest: Contest, **overrides) -> dict:
    """The edit form as the page fills it for this contest, with some fields changed."""
    data = {}
    for name, value in asdict(settings.settings_of(contest)).items():
        if isinstance(value, bool):
            if value:
                data[name] = "y"
        elif isinstance(value, date):
            data[name] = value.isoformat()
        else:
            data[name] = "" if value is None else str(value)
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def dated_settings(contest: Contest, **changes) -> settings.ContestSettings:
    base = replace(
        settings.settings_of(contest),
        submissions_open_on=date(2026, 7, 1),
        submissions_close_on=date(2026, 9, 30),
        voting_open_on=date(2026, 10, 5),
        voting_close_on=date(2026, 10, 20),
        results_on=date(2026, 11, 1),
        work_created_from=date(2025, 1, 1),
        work_created_until=date(2026, 9, 30),
    )
    return replace(base, **changes)


def edit_path(contest: Contest) -> str:
    return f"/admin/contests/{contest.id}/edit"


# ---------------------------------------------------------------------------- saving


def test_edit_page_shows_the_contest_dates_as_local_days(as_admin, contest):
    contest.submissions_open_at = start_of_local_day(date(2025, 7, 15), TZ)
    contest.submissions_close_at = end_of_local_day(date(2025, 10, 1), TZ)
    db.session.commit()
    html = as_admin.get(edit_path(contest)).get_data(as_text=True)
    assert 'value="2025-07-15"' in html
    assert 'value="2025-10-01"' in html  # the last day, not the next midnight


def test_saving_the_form_stores_local_day_boundaries_and_the_vote_policy(as_admin, contest):
    data = form_data(
        contest,
        name_en="Happy Nghe An 2026",
        submissions_open_on="2026-07-01",
        submissions_close_on="2026-09-30",
        voting_open_on="2026-10-05",
        voting_close_on="2026-10-20",
        results_on="2026-11-01",
        work_created_until="2026-09-30",
        vote_policy="total_per_day",
        votes_per_day="3",
        vote_counts_visible="y",
    )
    response = post_form(as_admin, edit_path(contest), data)
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Contest, contest.id)
    assert saved.name_en == "Happy Nghe An 2026"
    assert saved.submissions_open_at == start_of_local_day(date(2026, 7, 1), TZ)
    assert saved.submissions_close_at == end_of_local_day(date(2026, 9, 30), TZ)
    assert saved.submissions_close_at.hour == 17  # 24:00 in Vietnam is 17:00 UTC
    assert saved.voting_close_at == end_of_local_day(date(2026, 10, 20), TZ)
    assert saved.results_at == start_of_local_day(date(2026, 11, 1), TZ)
    assert (saved.vote_policy, saved.votes_per_day, saved.vote_counts_visible) == (VotePolicy.TOTAL_PER_DAY, 3, True)


def test_new_contests_default_to_one_vote_per_entry_per_day_with_counts_hidden(contest):
    assert contest.vote_policy == VotePolicy.PER_ENTRY_PER_DAY
    assert contest.votes_per_day == 1
    assert contest.vote_counts_visible is False


def test_update_audits_only_the_changed_fields(app_ctx, contest, admin):
    old_name = contest.name_en
    settings.update_contest(contest, replace(settings.settings_of(contest), name_en="New name", votes_per_day=2), admin)
    db.session.commit()
    [record] = audit_records("contest.update")
    assert record.before == {"name_en": old_name, "votes_per_day": 1}
    assert record.after == {"name_en": "New name", "votes_per_day": 2}
    assert record.contest_id == contest.id and record.actor_id == admin.id


def test_saving_without_a_change_records_nothing(app_ctx, contest, admin):
    assert settings.update_contest(contest, settings.settings_of(contest), admin) == {}
    assert audit_records("contest.update") == []


# ---------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"submissions_close_on": date(2026, 6, 1)},
            "submissions_close_on",
            "Submissions must close on or after the day they open.",
        ),
        ({"results_on": date(2026, 9, 30)}, "results_on", "Results must come after the last day of submissions."),
        ({"voting_open_on": date(2026, 6, 1)}, "voting_open_on", "Voting cannot open before submissions open."),
        ({"voting_close_on": date(2026, 10, 1)}, "voting_close_on", "Voting must close on or after the day it opens."),
        ({"voting_close_on": date(2026, 11, 1)}, "voting_close_on", "Voting must close before the results day."),
        ({"voting_close_on": None}, "voting_close_on", "Give both voting dates, or neither."),
        (
            {"work_created_until": date(2024, 1, 1)},
            "work_created_until",
            "The end of the creation window must not be before its start.",
        ),
        (
            {"work_created_until": date(2026, 10, 1)},
            "work_created_until",
            "The creation window must end no later than the last day of submissions.",
        ),
        ({"timezone": "Asia/Nowhere"}, "timezone", "Enter a timezone name such as Asia/Ho_Chi_Minh."),
        ({"timezone": "../../etc/passwd"}, "timezone", "Enter a timezone name such as Asia/Ho_Chi_Minh."),
        ({"min_entrant_age": 121}, "min_entrant_age", "Enter an age from 0 to 120."),
        ({"min_entrant_age": -1}, "min_entrant_age", "Enter an age from 0 to 120."),
        ({"entry_code_prefix": "H"}, "entry_code_prefix", "Use 2 to 12 letters or digits, e.g. HNA26."),
        ({"entry_code_prefix": "HNA-26"}, "entry_code_prefix", "Use 2 to 12 letters or digits, e.g. HNA26."),
        (
            {"slug": "Happy Nghe An"},
            "slug",
            "Use lower-case letters, digits and single hyphens only (at most 80), e.g. hna-2026.",
        ),
        ({"votes_per_day": 0}, "votes_per_day", "Enter a number of votes from 1 to 1000."),
        ({"vote_policy": "unlimited"}, "vote_policy", "Choose a voting rule."),
        ({"name_vi": "  "}, "name_vi", "This field is required."),
        ({"submissions_open_on": None}, "submissions_open_on", "This field is required."),
    ],
)
def test_broken_rules_are_refused_by_field(app_ctx, contest, admin, changes, field, message):
    with pytest.raises(ValidationFailed) as refused:
        settings.update_contest(contest, dated_settings(contest, **changes), admin)
    assert [str(m) for m in refused.value.errors[field]] == [vi(message)]


def test_a_slug_another_contest_uses_is_refused(app_ctx, contest, admin, make_other_contest):
    other = make_other_contest()
    with pytest.raises(ValidationFailed) as refused:
        settings.update_contest(contest, replace(settings.settings_of(contest), slug=other.slug), admin)
    assert [str(m) for m in refused.value.errors["slug"]] == [vi("Another contest already uses this address.")]


def test_the_prefix_cannot_change_once_entries_exist(app_ctx, contest, photo, admin, entrant, make_entry):
    make_entry(entrant, photo)
    with pytest.raises(ValidationFailed) as refused:
        settings.update_contest(contest, replace(settings.settings_of(contest), entry_code_prefix="NEW26"), admin)
    assert "entry_code_prefix" in refused.value.errors


def test_a_refused_form_shows_translated_messages_and_leaves_the_contest_unchanged(as_admin, contest):
    before = (contest.slug, contest.name_en, contest.submissions_open_at, contest.submissions_close_at)
    data = form_data(
        contest,
        name_en="Should not be saved",
        submissions_open_on="2026-09-01",
        submissions_close_on="2026-08-01",
        timezone="Mars/Olympus",
        series_max_photos="1",
    )
    response = post_form(as_admin, edit_path(contest), data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert vi("Submissions must close on or after the day they open.") in html
    assert vi("Enter a timezone name such as Asia/Ho_Chi_Minh.") in html
    db.session.expire_all()
    saved = db.session.get(Contest, contest.id)
    assert (saved.slug, saved.name_en, saved.submissions_open_at, saved.submissions_close_at) == before
    assert audit_records("contest.update") == []


def test_a_duplicate_slug_through_the_page_is_shown_on_the_slug_field(as_admin, contest, make_other_contest):
    other = make_other_contest()
    response = post_form(as_admin, edit_path(contest), form_data(contest, slug=other.slug))
    assert response.status_code == 422
    assert vi("Another contest already uses this address.") in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Contest, contest.id).slug != other.slug


# ---------------------------------------------------------------------------- status and current contest


def test_publish_and_archive_are_audited(as_admin, contest, make_other_contest):
    other = make_other_contest()
    other.status = ContestStatus.DRAFT
    db.session.commit()
    response = post_form(as_admin, f"/admin/contests/{other.id}/status", {"status": "published"}, "/admin/contests")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Contest, other.id).status == ContestStatus.PUBLISHED
    [record] = audit_records("contest.status")
    assert (record.before, record.after) == ({"status": "draft"}, {"status": "published"})


def test_the_current_contest_cannot_be_unpublished(as_admin, contest):
    response = post_form(as_admin, f"/admin/contests/{contest.id}/status", {"status": "draft"}, "/admin/contests")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Contest, contest.id).status == ContestStatus.PUBLISHED
    page = as_admin.get("/admin/contests").get_data(as_text=True)
    assert vi("This is the current contest: make another one current before unpublishing it.") in page


def test_an_unknown_status_is_a_bad_request(as_admin, contest):
    response = post_form(as_admin, f"/admin/contests/{contest.id}/status", {"status": "deleted"}, "/admin/contests")
    assert response.status_code == 400


def test_make_current_switches_the_home_page_and_is_audited(as_admin, contest, make_other_contest):
    other = make_other_contest()
    response = post_form(as_admin, f"/admin/contests/{other.id}/make-current", page="/admin/contests")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Contest, other.id).is_current is True
    assert db.session.get(Contest, contest.id).is_current is False
    assert other.name_vi in as_admin.get("/").get_data(as_text=True)
    [record] = audit_records("contest.make_current")
    assert (record.before, record.after) == ({"current_contest_id": contest.id}, {"current_contest_id": other.id})


def test_a_draft_cannot_be_made_current(app_ctx, contest, admin, make_other_contest):
    other = make_other_contest()
    other.status = ContestStatus.DRAFT
    db.session.commit()
    with pytest.raises(settings.ContestStateRefused):
        settings.make_contest_current(other, admin)
    assert contest.is_current is True


# ---------------------------------------------------------------------------- preview


def test_preview_shows_a_draft_landing_page_in_either_language(as_admin, contest, make_other_contest):
    draft = make_other_contest()
    draft.status = ContestStatus.DRAFT
    draft.tagline_vi, draft.tagline_en = "Khẩu hiệu nháp", "Draft tagline"
    db.session.commit()
    assert as_admin.get(f"/contests/{draft.slug}").status_code == 404  # the public cannot see it
    vietnamese = as_admin.get(f"/admin/contests/{draft.id}/preview?lang=vi").get_data(as_text=True)
    english = as_admin.get(f"/admin/contests/{draft.id}/preview?lang=en").get_data(as_text=True)
    assert "Khẩu hiệu nháp" in vietnamese and draft.name_vi in vietnamese
    assert "Draft tagline" in english and draft.name_en in english
    assert as_admin.get(f"/admin/contests/{draft.id}/preview?lang=fr").status_code == 404


def test_contest_list_marks_the_current_contest(as_admin, contest, make_other_contest):
    make_other_contest()
    html = as_admin.get("/admin/contests").get_data(as_text=True)
    assert contest.slug in html and "other-contest-2026" in html
    assert html.count(vi("current")) >= 1


def test_dates_around_midnight_stay_on_their_local_day(app_ctx, contest, admin):
    settings.update_contest(contest, dated_settings(contest, submissions_close_on=date(2026, 9, 30)), admin)
    local_day = settings.settings_of(contest).submissions_close_on
    assert local_day == date(2026, 9, 30)
    assert contest.submissions_close_at - contest.submissions_open_at > timedelta(days=90)
