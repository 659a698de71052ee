"""Round management under /admin/jury: permissions, creating and editing draft rounds with criteria and local
dates, form validation on the fields (nothing stored), choosing jurors, the chair and juror–entrant conflicts."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.jury import services
from app.jury.forms import CRITERION_ROWS
from app.jury.models import Conflict, JuryRound, RoundKind, RoundStatus
from tests.admin_moderation.conftest import vi
from tests.conftest import csrf_from


def round_form(**overrides) -> dict:
    """A valid scoring round as the form posts it, with two criteria."""
    data = {
        "name_vi": "Vòng sơ khảo",
        "name_en": "Preliminary round",
        "kind": "scoring",
        "opens_at": "2025-10-05T08:00",
        "closes_at": "2025-10-20T17:30",
        "scale_min": "0",
        "scale_max": "10",
        "scale_step": "0.5",
        "comment_mode": "per_entry",
        "min_yes": "1",
        "allows_maybe": "y",
        "assignment_mode": "all",
        "jurors_per_entry": "",
        "trim_proportion": "0.1",
        "trim_min_jurors": "5",
        "criteria-0-name_vi": "Nội dung",
        "criteria-0-name_en": "Content",
        "criteria-0-weight": "0.6",
        "criteria-1-name_vi": "Kỹ thuật",
        "criteria-1-name_en": "Technique",
        "criteria-1-weight": "0.4",
    }
    data.update(overrides)
    return data


def rounds_count() -> int:
    return db.session.scalar(select(func.count(JuryRound.id)))


@pytest.fixture
def as_admin(client, auth, admin):
    auth.login(admin.email)
    return client


def post_form(client, path: str, data: dict):
    token = csrf_from(client.get(path).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


@pytest.mark.parametrize("path", ["/admin/jury", "/admin/jury/rounds/new?category={photo}"])
def test_admin_jury_pages_need_login_and_admin(client, auth, chair, photo, path):
    path = path.format(photo=photo.id)
    response = client.get(path)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    auth.login(chair.email)  # the chair is a juror, not an organiser
    assert client.get(path).status_code == 403


def test_jury_index_lists_rounds_per_category(as_admin, contest, photo, make_juror, make_round):
    round_ = make_round([make_juror()], open=False)
    html = as_admin.get("/admin/jury").get_data(as_text=True)
    assert f'data-round="{round_.id}"' in html and 'data-status="draft"' in html
    assert photo.name_vi in html and f"/admin/jury/rounds/new?category={photo.id}" in html
    assert '<a href="/admin/jury">' in html  # the admin menu's link


def test_create_round_with_criteria_and_local_dates(as_admin, contest, photo):
    response = post_form(as_admin, f"/admin/jury/rounds/new?category={photo.id}", round_form())
    assert response.status_code == 302
    round_ = db.session.scalar(select(JuryRound))
    assert round_.status is RoundStatus.DRAFT and round_.kind is RoundKind.SCORING and round_.position == 1
    assert [(c.name_en, c.weight) for c in round_.criteria] == [("Content", 0.6), ("Technique", 0.4)]
    # 08:00 in Vietnam (UTC+7) is 01:00 UTC.
    assert round_.opens_at == datetime(2025, 10, 5, 1, 0, tzinfo=UTC)
    assert round_.closes_at == datetime(2025, 10, 20, 10, 30, tzinfo=UTC)
    edit = as_admin.get(f"/admin/jury/rounds/{round_.id}/edit").get_data(as_text=True)
    assert 'value="2025-10-05T08:00"' in edit and 'value="Technique"' in edit
    assert edit.count('name="criteria-') == 3 * CRITERION_ROWS


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"scale_max": "0"}, "scale_max", "The highest score must be above the lowest."),
        ({"scale_max": "5", "scale_min": "5"}, "scale_max", "The highest score must be above the lowest."),
        (
            {f"criteria-{i}-{name}": "" for i in (0, 1) for name in ("name_vi", "name_en", "weight")},
            "criteria",
            "A scoring round needs at least one criterion.",
        ),
        ({"criteria-1-weight": ""}, "criteria-1-weight", "This field is required."),
        ({"closes_at": "2025-10-01T08:00"}, "closes_at", "The round must close after it opens."),
        ({"assignment_mode": "balanced"}, "jurors_per_entry", "Say how many jurors judge each entry."),
        ({"scale_step": "0"}, "scale_step", "The step must be above zero."),
    ],
)
def test_round_form_errors_show_on_their_fields_and_store_nothing(as_admin, contest, photo, overrides, field, message):
    response = post_form(as_admin, f"/admin/jury/rounds/new?category={photo.id}", round_form(**overrides))
    html = response.get_data(as_text=True).replace("&#39;", "'")
    assert response.status_code == 422
    assert f'id="{field}-error">{vi(message)}<' in html
    assert rounds_count() == 0


def test_selection_round_needs_no_criteria(as_admin, contest, photo):
    blank = {f"criteria-{i}-{name}": "" for i in (0, 1) for name in ("name_vi", "name_en", "weight")}
    response = post_form(
        as_admin, f"/admin/jury/rounds/new?category={photo.id}", round_form(kind="selection", min_yes="2", **blank)
    )
    assert response.status_code == 302
    round_ = db.session.scalar(select(JuryRound))
    assert round_.kind is RoundKind.SELECTION and round_.min_yes == 2 and round_.criteria == []


def test_edit_updates_a_draft_and_refuses_an_open_round(as_admin, admin, make_juror, make_accepted, make_round):
    round_ = make_round([make_juror()], open=False)
    response = post_form(as_admin, f"/admin/jury/rounds/{round_.id}/edit", round_form(name_en="Renamed round"))

    assert response.status_code == 302
    db.session.refresh(round_)
    assert round_.name_en == "Renamed round" and len(round_.criteria) == 2
    make_accepted(1)
    services.open_round(round_, admin)
    db.session.commit()
    token = csrf_from(as_admin.get("/admin/jury").get_data(as_text=True))
    response = as_admin.post(f"/admin/jury/rounds/{round_.id}/edit", data={"csrf_token": token, **round_form()})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/admin/jury/rounds/{round_.id}")
    db.session.refresh(round_)
    assert round_.name_en == "Renamed round" and round_.status is RoundStatus.OPEN


def test_choose_round_jurors(as_admin, contest, make_juror, make_round):
    first, second = make_juror(full_name="Lê Văn Một"), make_juror(full_name="Lê Văn Hai")
    round_ = make_round([first], open=False)
    page = as_admin.get(f"/admin/jury/rounds/{round_.id}").get_data(as_text=True)
    assert "Lê Văn Hai" in page
    as_admin.post(f"/admin/jury/rounds/{round_.id}/jurors", data={"csrf_token": csrf_from(page), "jurors": [second.id]})
    db.session.refresh(round_)
    assert [seat.user_id for seat in round_.jurors] == [second.id]


def test_set_the_jury_chair(as_admin, contest, make_juror):
    juror = make_juror()
    page = as_admin.get("/admin/jury").get_data(as_text=True)
    as_admin.post(
        f"/admin/jury/contests/{contest.id}/chair", data={"csrf_token": csrf_from(page), "chair-chair": juror.id}
    )
    db.session.refresh(contest)
    assert contest.jury_chair_id == juror.id


def test_link_a_juror_to_an_entrant(as_admin, contest, make_juror, make_entrant):
    juror = make_juror()
    entrant = make_entrant(email="cousin@example.com")
    page = as_admin.get("/admin/jury").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "conflict-juror": juror.id, "conflict-reason": "Anh em họ"}
    as_admin.post(f"/admin/jury/contests/{contest.id}/conflicts", data={**data, "conflict-entrant_email": "no@x.org"})
    assert db.session.scalar(select(func.count(Conflict.id))) == 0
    as_admin.post(
        f"/admin/jury/contests/{contest.id}/conflicts", data={**data, "conflict-entrant_email": "Cousin@Example.com"}
    )
    conflict = db.session.scalar(select(Conflict))
    assert (conflict.juror_id, conflict.entrant_id, conflict.reason) == (juror.id, entrant.id, "Anh em họ")
