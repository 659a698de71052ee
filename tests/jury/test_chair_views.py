"""The chair's results page: who may see it, nothing scored shown before close, the three methods side by side,
the lifecycle buttons, reopening scores, a dropout, and advancement from preview to confirmation."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import select

from app.audit.models import AuditRecord
from app.extensions import db
from app.jury import services
from app.jury.models import Review, RoundEntry, RoundJuror, RoundKind, RoundStatus, Verdict
from tests.admin_moderation.conftest import vi
from tests.conftest import csrf_from
from tests.jury.conftest import score_all

# A lenient juror with a narrow spread and a harsh one with a wide spread: by the plain mean A comes first
# (8.5 against 7.75), by the z-score mean B does (0.86 against 0.18), because the narrow juror's
# one-point preference for B is a large step for them.
LENIENT = {"A": 8.0, "B": 9.0, "C": 8.0}
HARSH = {"A": 9.0, "B": 6.5, "C": 1.0}


def cell(html: str, code: str, column: str) -> str:
    row = re.search(rf'<tr data-code="{re.escape(code)}"[^>]*>(.*?)</tr>', html, re.S).group(1)
    return re.search(rf'<td data-column="{column}">(.*?)</td>', row, re.S).group(1).strip()


@pytest.fixture
def scored(app_ctx, make_juror, make_accepted, make_round, chair):
    """A scoring round of three entries judged by a lenient and a harsh juror, both confirmed, still open."""
    lenient, harsh = make_juror(full_name="Giám Khảo Dễ Tính"), make_juror(full_name="Giám Khảo Khó Tính")
    entries = make_accepted(3)
    letter = {entry.id: "ABC"[index] for index, entry in enumerate(entries)}
    round_ = make_round([lenient, harsh])
    score_all(round_, lenient, lambda review, c: LENIENT[letter[review.entry_id]])
    score_all(round_, harsh, lambda review, c: HARSH[letter[review.entry_id]])
    services.confirm_scores(round_, lenient)
    services.confirm_scores(round_, harsh)
    db.session.commit()
    return {"round": round_, "entries": entries, "lenient": lenient, "harsh": harsh}


def close(round_, actor):
    services.close_round(round_, actor)
    db.session.commit()


def url(round_, tail="results"):
    return f"/jury/rounds/{round_.id}/{tail}"


@pytest.mark.parametrize("tail", ["results", "scores.csv", "scores.xlsx", "summary", "advance?method=mean&top_n=1"])
def test_chair_pages_send_anonymous_visitors_to_log_in(client, scored, tail):
    response = client.get(url(scored["round"], tail))
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("tail", ["results", "scores.csv", "scores.xlsx", "summary", "advance?method=mean&top_n=1"])
def test_chair_pages_refuse_a_juror_who_is_not_chair(client, auth, scored, chair, tail):
    close(scored["round"], chair)
    auth.login(scored["lenient"].email)
    assert client.get(url(scored["round"], tail)).status_code == 403


def test_chair_posts_refuse_a_juror_who_is_not_chair(client, auth, scored):
    auth.login(scored["lenient"].email)
    token = csrf_from(client.get("/").get_data(as_text=True))
    response = client.post(url(scored["round"], "close"), data={"csrf_token": token})
    assert response.status_code == 403
    assert db.session.get(type(scored["round"]), scored["round"].id).status is RoundStatus.OPEN


def test_unknown_round_is_404(client, auth, chair, scored):
    auth.login(chair.email)
    assert client.get("/jury/rounds/999999/results").status_code == 404


def test_chair_sees_progress_but_no_scores_before_close(client, auth, chair, scored):
    auth.login(chair.email)
    html = client.get(url(scored["round"])).get_data(as_text=True)
    assert vi("Confirmed") in html and "Giám Khảo Dễ Tính" in html
    assert 'id="results"' not in html and 'data-column="mean"' not in html and "<svg" not in html
    assert "8.50" not in html and "7.75" not in html
    assert client.get(url(scored["round"], "scores.csv")).status_code == 409
    assert client.get(url(scored["round"], "summary")).status_code == 409


def test_results_show_mean_and_z_score_rankings_side_by_side(client, auth, chair, scored):
    close(scored["round"], chair)
    auth.login(chair.email)
    response = client.get(url(scored["round"]))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    a, b = scored["entries"][0].code, scored["entries"][1].code
    assert cell(html, a, "rank-mean") == "1" and cell(html, b, "rank-mean") == "2"
    assert cell(html, a, "rank-zscore") == "2" and cell(html, b, "rank-zscore") == "1"
    assert cell(html, a, "mean").startswith("8.50 ±") and cell(html, b, "mean").startswith("7.75 ±")
    assert cell(html, a, "jurors") == "2"
    assert html.count('class="juror-chart"') == 2 and "Giám Khảo Khó Tính" in html
    assert 'data-figure="kendall-w"' in html and 'data-figure="icc-single"' in html
    assert scored["entries"][0].title_vi in html
    entrant_names = [entry.entrant.full_name for entry in scored["entries"]]
    assert not any(name in html for name in entrant_names)
    assert "style=" not in html


def test_results_can_be_ranked_by_another_method(client, auth, chair, scored):
    close(scored["round"], chair)
    auth.login(chair.email)
    html = client.get(url(scored["round"]) + "?sort=mean").get_data(as_text=True)
    codes = re.findall(r'<tr data-code="([^"]+)"', html)
    assert codes[0] == scored["entries"][0].code
    html = client.get(url(scored["round"]) + "?sort=zscore").get_data(as_text=True)
    assert re.findall(r'<tr data-code="([^"]+)"', html)[0] == scored["entries"][1].code


def test_admin_reaches_the_results_page(client, auth, admin, chair, scored):
    close(scored["round"], chair)
    auth.login(admin.email)
    assert client.get(url(scored["round"])).status_code == 200


def post(client, round_, tail, **data):
    token = csrf_from(client.get(url(round_)).get_data(as_text=True))
    return client.post(url(round_, tail), data={"csrf_token": token, **data})


def test_lifecycle_buttons_open_close_reopen_and_finalise(client, auth, chair, make_juror, make_accepted, make_round):
    jurors = [make_juror(), make_juror()]
    make_accepted(2)
    round_ = make_round(jurors, open=False)
    auth.login(chair.email)
    response = post(client, round_, "open")
    assert response.status_code == 302 and response.headers["Location"].endswith(url(round_))
    db.session.refresh(round_)
    assert round_.status is RoundStatus.OPEN
    post(client, round_, "close")
    db.session.refresh(round_)
    assert round_.status is RoundStatus.CLOSED
    html = client.get(url(round_)).get_data(as_text=True)
    assert 'id="results"' in html
    post(client, round_, "reopen", **{"reopen-reason": ""})
    db.session.refresh(round_)
    assert round_.status is RoundStatus.CLOSED  # a reason is required
    post(client, round_, "reopen", **{"reopen-reason": "Một giám khảo chấm nhầm"})
    db.session.refresh(round_)
    assert round_.status is RoundStatus.OPEN
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "round.reopen"))
    assert record.reason == "Một giám khảo chấm nhầm"
    post(client, round_, "close")
    response = post(client, round_, "finalise")  # the only round of its category: its ranking is final
    db.session.refresh(round_)
    assert round_.status is RoundStatus.FINALISED
    assert vi("Round finalised.") in client.get(response.headers["Location"]).get_data(as_text=True)


def test_open_refused_is_flashed_and_changes_nothing(client, auth, chair, make_round):
    round_ = make_round([], open=False)
    auth.login(chair.email)
    response = post(client, round_, "open")
    html = unescape(client.get(response.headers["Location"]).get_data(as_text=True))
    db.session.refresh(round_)
    assert round_.status is RoundStatus.DRAFT and vi("Choose the round's jurors first.") in html


def test_chair_reopens_a_jurors_confirmed_scores(client, auth, chair, scored):
    auth.login(chair.email)
    lenient = scored["lenient"]
    post(client, scored["round"], "reopen-scores", **{"reopen_scores-juror": lenient.id, "reopen_scores-reason": "Sửa"})
    seat = db.session.scalar(select(RoundJuror).where(RoundJuror.user_id == lenient.id))
    db.session.refresh(seat)
    assert seat.confirmed_at is None
    assert db.session.scalar(select(AuditRecord).where(AuditRecord.action == "score.reopen")).reason == "Sửa"


def test_chair_records_a_juror_dropout(client, auth, chair, make_juror, make_accepted, make_round):
    jurors = [make_juror(), make_juror(), make_juror()]
    make_accepted(3)
    round_ = make_round(jurors)
    auth.login(chair.email)
    post(client, round_, "dropout", **{"dropout-juror": jurors[0].id, "dropout-reason": "Ốm"})
    seat = db.session.scalar(select(RoundJuror).where(RoundJuror.user_id == jurors[0].id))
    db.session.refresh(seat)
    assert seat.dropped_out_at is not None and seat.dropout_reason == "Ốm"


def test_advancement_preview_then_confirm(client, auth, chair, scored):
    round_ = scored["round"]
    close(round_, chair)
    auth.login(chair.email)
    response = client.get(url(round_, "advance") + "?method=zscore&top_n=1")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    b = scored["entries"][1]
    assert re.findall(r'<li data-code="([^"]+)"', html) == [b.code]
    assert not db.session.scalars(select(RoundEntry).where(RoundEntry.is_advanced)).all()  # a preview changes nothing
    response = client.post(
        url(round_, "advance"), data={"csrf_token": csrf_from(html), "method": "zscore", "top_n": "1"}
    )
    assert response.status_code == 302
    advanced = db.session.scalars(select(RoundEntry.entry_id).where(RoundEntry.is_advanced)).all()
    assert advanced == [b.id]
    db.session.refresh(round_)
    assert round_.advance_method.value == "zscore" and round_.advance_top_n == 1 and round_.advance_rule
    page = unescape(client.get(url(round_)).get_data(as_text=True))
    assert round_.advance_rule in page
    assert 'data-figure="advanced">1<' in page


def test_advancement_preview_needs_top_n_or_threshold(client, auth, chair, scored):
    close(scored["round"], chair)
    auth.login(chair.email)
    response = client.get(url(scored["round"], "advance") + "?method=mean")
    assert response.status_code == 422
    assert vi("Give either a number of entries or a score threshold.") in response.get_data(as_text=True)


def test_selection_round_shows_the_tally_and_advances_by_yes_votes(
    client, auth, chair, make_juror, make_accepted, make_round
):
    jurors = [make_juror(), make_juror()]
    entries = make_accepted(2)
    round_ = make_round(jurors, kind=RoundKind.SELECTION, criteria=())
    for juror in jurors:
        for review in db.session.scalars(select(Review).filter_by(round_id=round_.id, juror_id=juror.id)):
            verdict = Verdict.YES if review.entry_id == entries[0].id else Verdict.NO
            services.save_review(review, juror, services.ReviewInput(verdict=verdict))
    db.session.commit()
    close(round_, chair)
    auth.login(chair.email)
    html = client.get(url(round_)).get_data(as_text=True)
    assert cell(html, entries[0].code, "yes") == "2" and cell(html, entries[1].code, "no") == "2"
    response = client.get(url(round_, "advance") + "?method=yes_votes&threshold=2")
    assert re.findall(r'<li data-code="([^"]+)"', response.get_data(as_text=True)) == [entries[0].code]
