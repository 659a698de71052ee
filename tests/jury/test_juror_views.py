"""The juror's pages: wiring, permissions and status codes of the rounds list, the scoring screen,
its autosave API, the no-script form, conflicts and confirming.

The client shares the test's application context, so each test logs in once (as juror A); other
jurors act through the services. Page text is matched in Vietnamese (the default) via vi().
"""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from app.auth.models import Role, UserRole
from app.contest.models import StaffMembership
from app.extensions import db
from app.jury import services
from app.jury.models import CommentMode, Review, RoundJuror, RoundKind, RoundStatus, Score, Verdict
from tests.conftest import csrf_from
from tests.jury.conftest import score_all


def vi(message: str, **values) -> str:
    """The Vietnamese text of a message, as the pages (Vietnamese by default) show it."""
    with force_locale("vi"):
        return gettext(message, **values)


def reviews_of(round_, juror) -> list[Review]:
    """The juror's active reviews in presentation order."""
    return db.session.scalars(
        select(Review)
        .where(Review.round_id == round_.id, Review.juror_id == juror.id, Review.removed_at.is_(None))
        .order_by(Review.position)
    ).all()


@pytest.fixture
def jurors(make_juror):
    """Juror A (the one logged in) and juror B."""
    return make_juror(full_name="Giám Khảo An"), make_juror(full_name="Giám Khảo Bảo")


@pytest.fixture
def scoring_round(make_accepted, make_round, jurors):
    """An open scoring round (0–10 in halves, three criteria, per-criterion comments) of three entries."""
    make_accepted(3)
    return make_round(list(jurors), comment_mode=CommentMode.PER_CRITERION)


@pytest.fixture
def as_a(auth, jurors, client):
    """The client, logged in as juror A."""
    assert auth.login(jurors[0].email).status_code == 302
    return client


def api_url(round_, review) -> str:
    return f"/jury/rounds/{round_.id}/reviews/{review.token}"


def csrf(client, round_) -> str:
    return csrf_from(client.get(f"/jury/rounds/{round_.id}/1").get_data(as_text=True))


def post_json(client, url: str, token: str, body: dict):
    return client.post(url, json=body, headers={"X-CSRFToken": token, "Accept": "application/json"})


def stored_scores(review) -> dict[int, float]:
    """What is committed for a review (after rolling back what a failed request left in the session)."""
    db.session.rollback()
    return dict(db.session.execute(select(Score.criterion_id, Score.value).where(Score.review_id == review.id)).all())


# ---------------------------------------------------------------------------- who may see what


def test_round_list_shows_each_round_with_progress_and_status(scoring_round, jurors, as_a):
    juror_a = jurors[0]
    first = reviews_of(scoring_round, juror_a)[0]
    services.save_review(first, juror_a, services.ReviewInput(scores={c.id: 5 for c in scoring_round.criteria}))
    db.session.commit()

    page = as_a.get("/jury")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert vi("%(done)d / %(total)d judged", done=1, total=3) in html
    assert vi("Open for judging") in html
    assert f"/jury/rounds/{scoring_round.id}" in html


def test_round_list_leaves_out_draft_rounds(make_accepted, make_round, jurors, video, as_a):
    make_accepted(2)
    mine = make_round([jurors[0]])
    make_round([jurors[0]], category=video, open=False, name_vi="Vòng video", name_en="Video round")
    html = as_a.get("/jury").get_data(as_text=True)
    assert mine.name_vi in html
    assert "Vòng video" not in html


def test_anonymous_visitor_is_sent_to_login(scoring_round, jurors, client):
    review = reviews_of(scoring_round, jurors[0])[0]
    for url in (
        "/jury",
        f"/jury/rounds/{scoring_round.id}",
        f"/jury/rounds/{scoring_round.id}/1",
        api_url(scoring_round, review),
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/auth/login" in response.headers["Location"]


def test_user_who_is_no_juror_gets_403_on_the_list_and_404_on_rounds(scoring_round, jurors, make_entrant, auth, client):
    make_entrant(email="outsider@example.com")
    assert auth.login("outsider@example.com").status_code == 302
    review = reviews_of(scoring_round, jurors[0])[0]
    assert client.get("/jury").status_code == 403
    assert client.get(f"/jury/rounds/{scoring_round.id}").status_code == 404
    assert client.get(f"/jury/rounds/{scoring_round.id}/1").status_code == 404
    assert client.get(api_url(scoring_round, review), headers={"Accept": "application/json"}).status_code == 404


def test_juror_role_without_rounds_sees_an_empty_list(make_entrant, auth, client):
    """The juror role alone (e.g. an admin, who holds every role) gives the list, empty."""
    user = make_entrant(email="lonely@example.com")
    user.roles.append(UserRole(role=Role.JUROR))
    db.session.commit()
    assert auth.login("lonely@example.com").status_code == 302
    page = client.get("/jury")
    assert page.status_code == 200
    assert vi("No round has been given to you yet. You will receive an email when judging starts.") in page.get_data(
        as_text=True
    )


def test_juror_removed_from_the_contest_jury_loses_the_round(scoring_round, jurors, as_a):
    db.session.execute(StaffMembership.__table__.delete().where(StaffMembership.user_id == jurors[0].id))
    db.session.commit()
    assert as_a.get(f"/jury/rounds/{scoring_round.id}/1").status_code == 404


def test_another_jurors_review_is_404_everywhere(scoring_round, jurors, as_a):
    theirs = reviews_of(scoring_round, jurors[1])[0]
    token = csrf(as_a, scoring_round)
    first = scoring_round.criteria[0]
    assert as_a.get(api_url(scoring_round, theirs), headers={"Accept": "application/json"}).status_code == 404
    refused = post_json(as_a, api_url(scoring_round, theirs), token, {"scores": {str(first.id): 7}})
    assert refused.status_code == 404
    assert refused.get_json()["error"]["code"] == "review_not_found"
    conflict = as_a.post(
        f"/jury/rounds/{scoring_round.id}/reviews/{theirs.token}/conflict", data={"reason": "x", "csrf_token": token}
    )
    assert conflict.status_code == 404
    assert as_a.get(f"/jury/media/{theirs.token}/1/w1280.webp").status_code == 404
    assert stored_scores(theirs) == {}


def test_position_outside_the_jurors_order_is_404(scoring_round, as_a):
    assert as_a.get(f"/jury/rounds/{scoring_round.id}/4").status_code == 404
    assert as_a.get(f"/jury/rounds/{scoring_round.id + 100}/1").status_code == 404


# ---------------------------------------------------------------------------- autosave API


def test_autosave_round_trip(scoring_round, jurors, as_a):
    review = reviews_of(scoring_round, jurors[0])[0]
    token = csrf(as_a, scoring_round)
    content, artistry, technique = scoring_round.criteria

    saved = post_json(as_a, api_url(scoring_round, review), token, {"scores": {str(content.id): 7.5}})
    assert saved.status_code == 200
    body = saved.get_json()
    assert body["scores"] == {str(content.id): 7.5}
    assert body["complete"] is False
    assert body["progress"] == {"done": 0, "total": 3}

    saved = post_json(
        as_a,
        api_url(scoring_round, review),
        token,
        {
            "scores": {str(artistry.id): 8, str(technique.id): 6.5},
            "criterion_comments": {str(content.id): "Ánh sáng đẹp"},
        },
    )
    body = saved.get_json()
    assert body["complete"] is True
    assert body["progress"] == {"done": 1, "total": 3}
    assert body["criterion_comments"] == {str(content.id): "Ánh sáng đẹp"}

    fetched = as_a.get(api_url(scoring_round, review), headers={"Accept": "application/json"}).get_json()
    assert fetched == body
    assert stored_scores(review) == {content.id: 7.5, artistry.id: 8.0, technique.id: 6.5}

    cleared = post_json(as_a, api_url(scoring_round, review), token, {"scores": {str(technique.id): None}}).get_json()
    assert cleared["complete"] is False
    assert str(technique.id) not in cleared["scores"]


@pytest.mark.parametrize("value", [10.5, -1, 7.25, "7", True])
def test_score_off_the_scale_is_422_and_nothing_is_stored(scoring_round, jurors, as_a, value):
    review = reviews_of(scoring_round, jurors[0])[0]
    token = csrf(as_a, scoring_round)
    content, artistry, _technique = scoring_round.criteria
    response = post_json(
        as_a, api_url(scoring_round, review), token, {"scores": {str(content.id): 6, str(artistry.id): value}}
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] in {"invalid_score", "validation_error"}
    assert stored_scores(review) == {}


def test_autosave_without_the_csrf_header_is_refused(scoring_round, jurors, as_a):
    review = reviews_of(scoring_round, jurors[0])[0]
    content = scoring_round.criteria[0]
    response = as_a.post(api_url(scoring_round, review), json={"scores": {str(content.id): 5}})
    assert response.status_code == 400
    assert stored_scores(review) == {}


@pytest.mark.parametrize("status", [RoundStatus.DRAFT, RoundStatus.CLOSED, RoundStatus.FINALISED])
def test_scoring_outside_an_open_round_is_409(scoring_round, jurors, as_a, status):
    review = reviews_of(scoring_round, jurors[0])[0]
    token = csrf(as_a, scoring_round)
    # Set directly: an assigned round is never a draft again through the services, but the rule must hold anyway.
    scoring_round.status = status
    db.session.commit()
    response = post_json(
        as_a, api_url(scoring_round, review), token, {"scores": {str(scoring_round.criteria[0].id): 5}}
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "round_not_open"
    assert stored_scores(review) == {}


def test_closed_round_screen_is_read_only(scoring_round, jurors, chair, as_a):
    services.close_round(scoring_round, chair)
    db.session.commit()
    html = as_a.get(f"/jury/rounds/{scoring_round.id}/1").get_data(as_text=True)
    assert vi("This round is closed: scores can no longer be changed.") in html
    assert 'data-editable="0"' in html
    assert 'name="go"' not in html


# ---------------------------------------------------------------------------- other jurors' marks


def test_juror_never_sees_another_jurors_scores_or_comments(scoring_round, jurors, as_a):
    juror_a, juror_b = jurors
    b_comment = "Ý KIẾN RIÊNG CỦA GIÁM KHẢO B"
    for review in reviews_of(scoring_round, juror_b):
        services.save_review(
            review,
            juror_b,
            services.ReviewInput(
                scores={c.id: 3.5 for c in scoring_round.criteria},
                criterion_comments={c.id: b_comment for c in scoring_round.criteria},
            ),
        )
    db.session.commit()

    for review in reviews_of(scoring_round, juror_a):
        html = as_a.get(f"/jury/rounds/{scoring_round.id}/{review.position}").get_data(as_text=True)
        assert b_comment not in html
        assert "checked" not in html.replace('value="" checked', "")  # only the "no score" buttons are chosen
        state = as_a.get(api_url(scoring_round, review), headers={"Accept": "application/json"}).get_json()
        assert state["scores"] == {} and state["criterion_comments"] == {}
        assert b_comment not in str(state)
    assert b_comment not in as_a.get("/jury").get_data(as_text=True)
    confirm_page = as_a.get(f"/jury/rounds/{scoring_round.id}/confirm").get_data(as_text=True)
    assert vi("%(done)d / %(total)d judged", done=0, total=3) in confirm_page


# ---------------------------------------------------------------------------- the no-script form


def test_form_post_saves_and_goes_to_the_next_entry(scoring_round, jurors, as_a):
    first, second, _third = reviews_of(scoring_round, jurors[0])
    url = f"/jury/rounds/{scoring_round.id}/1"
    token = csrf_from(as_a.get(url).get_data(as_text=True))
    data = {f"score-{c.id}": "8.5" for c in scoring_round.criteria}
    data |= {f"comment-{scoring_round.criteria[0].id}": "Bố cục chặt chẽ", "csrf_token": token, "go": "next"}
    response = as_a.post(url, data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/jury/rounds/{scoring_round.id}/{second.position}")
    db.session.expire_all()
    assert stored_scores(first) == {c.id: 8.5 for c in scoring_round.criteria}
    assert db.session.get(Review, first.id).completed_at is not None

    page = as_a.get(url).get_data(as_text=True)
    assert re.search(r'value="8\.5" checked', page)
    assert "Bố cục chặt chẽ" in page


def test_form_post_off_the_scale_shows_the_error_and_stores_nothing(scoring_round, jurors, as_a):
    first = reviews_of(scoring_round, jurors[0])[0]
    url = f"/jury/rounds/{scoring_round.id}/1"
    token = csrf_from(as_a.get(url).get_data(as_text=True))
    response = as_a.post(url, data={f"score-{scoring_round.criteria[0].id}": "11", "csrf_token": token, "go": "stay"})
    assert response.status_code == 422
    assert vi("Scores go from %(low)s to %(high)s in steps of %(step)s.", low="0", high="10", step="0.5") in (
        response.get_data(as_text=True)
    )
    assert stored_scores(first) == {}


def test_selection_round_takes_verdict_buttons_and_json(make_accepted, make_round, jurors, as_a):
    make_accepted(2)
    round_ = make_round(list(jurors), kind=RoundKind.SELECTION, criteria=())
    first, second = reviews_of(round_, jurors[0])
    url = f"/jury/rounds/{round_.id}/1"
    page = as_a.get(url).get_data(as_text=True)
    assert 'name="verdict" value="yes"' in page and 'data-key="m"' in page
    response = as_a.post(url, data={"verdict": "yes", "csrf_token": csrf_from(page)})
    assert response.headers["Location"].endswith(f"/jury/rounds/{round_.id}/2")
    db.session.expire_all()
    assert db.session.get(Review, first.id).verdict is Verdict.YES

    token = csrf_from(page)
    body = post_json(as_a, api_url(round_, second), token, {"verdict": "maybe", "comment": "Xem lại"}).get_json()
    assert body["verdict"] == "maybe" and body["complete"] is True and body["progress"] == {"done": 2, "total": 2}
    cleared = post_json(as_a, api_url(round_, second), token, {"verdict": None}).get_json()
    assert cleared["verdict"] is None and cleared["complete"] is False
    refused = post_json(as_a, api_url(round_, second), token, {"scores": {"1": 5}})
    assert refused.status_code == 422


# ---------------------------------------------------------------------------- navigation


def test_round_screen_opens_at_the_first_unscored_entry_and_the_filter_skips_scored_ones(scoring_round, jurors, as_a):
    juror_a = jurors[0]
    first, second, third = reviews_of(scoring_round, juror_a)
    services.save_review(first, juror_a, services.ReviewInput(scores={c.id: 5 for c in scoring_round.criteria}))
    db.session.commit()

    start = as_a.get(f"/jury/rounds/{scoring_round.id}")
    assert start.headers["Location"].endswith(f"/jury/rounds/{scoring_round.id}/{second.position}")

    page = as_a.get(f"/jury/rounds/{scoring_round.id}/{third.position}?unscored=1").get_data(as_text=True)
    assert f'id="jury-prev" href="/jury/rounds/{scoring_round.id}/{second.position}?unscored=1"' in page
    assert "1 / 3" in page
    unfiltered = as_a.get(f"/jury/rounds/{scoring_round.id}/{second.position}").get_data(as_text=True)
    assert f'id="jury-prev" href="/jury/rounds/{scoring_round.id}/{first.position}"' in unfiltered
    assert f'id="jury-next-unscored" href="/jury/rounds/{scoring_round.id}/{third.position}"' in unfiltered
    assert vi("Only unscored") in unfiltered


# ---------------------------------------------------------------------------- conflicts and confirming


def test_declared_conflict_takes_the_entry_off_the_list(scoring_round, jurors, as_a):
    review = reviews_of(scoring_round, jurors[0])[0]
    token = csrf(as_a, scoring_round)
    url = f"/jury/rounds/{scoring_round.id}/reviews/{review.token}/conflict"

    empty = as_a.post(url, data={"reason": "  ", "csrf_token": token})
    assert empty.status_code == 302
    assert len(reviews_of(scoring_round, jurors[0])) == 3

    response = as_a.post(url, data={"reason": "Tác giả là học trò của tôi", "csrf_token": token})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Review, review.id).removed_at is not None
    assert len(reviews_of(scoring_round, jurors[0])) == 2
    assert as_a.get(api_url(scoring_round, review), headers={"Accept": "application/json"}).status_code == 404
    assert vi("%(done)d / %(total)d judged", done=0, total=2) in as_a.get("/jury").get_data(as_text=True)


def test_confirming_needs_every_mark_then_locks_the_screen(scoring_round, jurors, as_a):
    juror_a = jurors[0]
    url = f"/jury/rounds/{scoring_round.id}/confirm"
    page = as_a.get(url).get_data(as_text=True)
    assert vi("%(count)d entries still need your marks before you can confirm.", count=3) in page
    early = as_a.post(url, data={"csrf_token": csrf_from(page)})
    assert early.status_code == 422
    assert db.session.scalar(select(RoundJuror.confirmed_at).where(RoundJuror.user_id == juror_a.id)) is None

    score_all(scoring_round, juror_a, lambda review, criterion: 6)
    page = as_a.get(url).get_data(as_text=True)
    assert vi("Confirm my scores") in page
    done = as_a.post(url, data={"csrf_token": csrf_from(page)})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(RoundJuror.confirmed_at).where(RoundJuror.user_id == juror_a.id)) is not None

    screen = as_a.get(f"/jury/rounds/{scoring_round.id}/1").get_data(as_text=True)
    locked = vi("You have confirmed your scores. Only the jury chair can reopen them for changes.")
    assert locked in screen and 'data-editable="0"' in screen
    review = reviews_of(scoring_round, juror_a)[0]
    changed = post_json(
        as_a, api_url(scoring_round, review), csrf_from(screen), {"scores": {str(scoring_round.criteria[0].id): 9}}
    )
    assert changed.status_code == 409
    assert changed.get_json()["error"]["code"] == "scores_confirmed"
    assert stored_scores(review)[scoring_round.criteria[0].id] == 6


def test_screen_links_its_own_stylesheet_and_script_and_they_exist(scoring_round, as_a):
    page = as_a.get(f"/jury/rounds/{scoring_round.id}/1").get_data(as_text=True)
    for asset in ("/static/css/jury.css", "/static/js/jury-score.js"):
        assert asset in page
        response = as_a.get(asset)
        response.close()
        assert response.status_code == 200, asset
