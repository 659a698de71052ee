"""The chair's prize desk through HTTP: who may open it, awards and their refusals, preview and publication.

The `judged` fixture (also used by the public results and canonical results tests) judges five photo
entries in two scoring rounds: the first advances the top three, the final round ranks them 9, 7.5, 7.5
(entries 1 and 2 share a rank) and is left closed unless the test finalises it.
"""

from __future__ import annotations

import hashlib
import html as htmllib
from dataclasses import dataclass

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import func, select

from app.audit.models import AuditRecord
from app.auth.models import User
from app.contest.models import Category, Contest, Prize
from app.entries.models import Entry, EntryKind
from app.extensions import db
from app.jury import services
from app.jury.models import AdvanceMethod, JuryRound, PrizeAward, ResultsPublication
from tests.conftest import csrf_from
from tests.jury.conftest import score_all


def vi(message: str, **values) -> str:
    """The Vietnamese text of a message, as the pages (Vietnamese by default) show it."""
    with force_locale("vi"):
        return gettext(message, **values)


@dataclass
class Judged:
    """A contest judged in two rounds, ready for prizes once `final` is finalised."""

    contest: Contest
    chair: User
    jurors: list[User]
    entries: list[Entry]
    first: JuryRound
    final: JuryRound

    def prize(self, rank: int, category: Category | None = None) -> Prize:
        """The category's prize of a rank (the photo category by default)."""
        category = category or self.entries[0].category
        return db.session.scalar(select(Prize).where(Prize.category_id == category.id, Prize.rank == rank))

    def finalise(self) -> None:
        """Finalise the final round, as the chair does."""
        services.finalise_round(self.final, self.chair)
        db.session.commit()


FINAL_SCORES = (9.0, 7.5, 7.5)


@pytest.fixture
def judged(app_ctx, contest, photo, chair, make_juror, make_accepted, make_round) -> Judged:
    jurors = [make_juror(), make_juror()]
    entries = make_accepted(5)
    position = {entry.id: index for index, entry in enumerate(entries)}
    first = make_round(jurors)
    for juror in jurors:
        score_all(first, juror, lambda review, c: 10.0 - 2 * position[review.entry_id])
    services.close_round(first, chair)
    services.advance_entries(first, chair, AdvanceMethod.MEAN, top_n=3)
    services.finalise_round(first, chair)
    db.session.commit()
    final = make_round(jurors, name_vi="Chung khảo", name_en="Final round")
    for juror in jurors:
        score_all(final, juror, lambda review, c: FINAL_SCORES[position[review.entry_id]])
    services.close_round(final, chair)
    db.session.commit()
    return Judged(contest, chair, jurors, entries, first, final)


def text(response) -> str:
    """A page's text with HTML entities decoded, to compare with messages."""
    return htmllib.unescape(response.get_data(as_text=True))


def publish(judged: Judged, *winners: tuple[int, int, str]) -> ResultsPublication:
    """Finalise, award (prize rank, entry index, tie note) through the services, publish and commit."""
    judged.finalise()
    for rank, index, note in winners:
        services.award_prize(judged.prize(rank), judged.entries[index], judged.chair, tie_note=note)
    publication = services.publish_results(judged.contest, judged.chair)
    db.session.commit()
    return publication


def awards() -> list[tuple[int, int]]:
    db.session.expire_all()
    return list(db.session.execute(select(PrizeAward.prize_id, PrizeAward.entry_id).order_by(PrizeAward.id)).all())


@pytest.fixture
def as_chair(client, auth, judged):
    auth.login(judged.chair.email)
    return client


def post_award(client, judged: Judged, prize: Prize, entry: Entry, tie_note: str = ""):
    page = client.get(f"/jury/prizes/{judged.contest.slug}").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "prize_id": prize.id, "entry_code": entry.code, "tie_note": tie_note}
    return client.post(f"/jury/prizes/{judged.contest.slug}/award", data=data, follow_redirects=True)


# ---------------------------------------------------------------------------- permissions

DESK_GETS = ("/jury/prizes/{slug}", "/jury/prizes/{slug}/preview")
DESK_POSTS = ("/jury/prizes/{slug}/award", "/jury/prizes/{slug}/publish", "/jury/prizes/{slug}/awards/1/revoke")


@pytest.mark.parametrize("path", DESK_GETS + DESK_POSTS)
def test_prize_desk_sends_anonymous_visitors_to_log_in(client, auth, judged, path):
    url = path.format(slug=judged.contest.slug)
    response = client.post(url, data={"csrf_token": auth.csrf()}) if path in DESK_POSTS else client.get(url)
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("path", DESK_GETS + DESK_POSTS)
def test_prize_desk_refuses_a_plain_juror(client, auth, judged, path):
    judged.finalise()
    auth.login(judged.jurors[0].email)
    url = path.format(slug=judged.contest.slug)
    data = {
        "csrf_token": auth.csrf("/"),
        "prize_id": judged.prize(1).id,
        "entry_code": judged.entries[0].code,
        "confirm": "yes",
        "reason": "x",
    }
    response = client.post(url, data=data) if path in DESK_POSTS else client.get(url)
    assert response.status_code == 403
    assert awards() == []
    assert db.session.scalar(select(func.count(ResultsPublication.id))) == 0


def test_prize_desk_opens_for_the_chair_with_the_final_ranking(as_chair, judged):
    judged.finalise()
    html = text(as_chair.get(f"/jury/prizes/{judged.contest.slug}"))
    assert judged.final.name_vi in html
    for entry in judged.entries[:3]:
        assert entry.code in html
    assert judged.entries[3].code not in html  # not in the final round
    assert judged.prize(1).name_vi in html
    assert vi("Same rank") in html


def test_prize_desk_opens_for_an_admin(client, auth, judged, admin):
    auth.login(admin.email)
    response = client.get(f"/jury/prizes/{judged.contest.slug}")
    assert response.status_code == 200
    assert judged.final.name_vi in response.get_data(as_text=True)


def test_prize_desk_of_an_unknown_contest_is_404(as_chair):
    assert as_chair.get("/jury/prizes/no-such-contest").status_code == 404


# ---------------------------------------------------------------------------- awards


def test_award_gives_the_prize_and_is_audited(as_chair, judged):
    judged.finalise()
    html = text(post_award(as_chair, judged, judged.prize(1), judged.entries[0]))
    assert awards() == [(judged.prize(1).id, judged.entries[0].id)]
    assert vi("%(prize)s awarded to %(code)s.", prize=judged.prize(1).name_vi, code=judged.entries[0].code) in html
    assert db.session.scalar(select(AuditRecord.action).where(AuditRecord.action == "prize.award")) == "prize.award"


def test_award_is_refused_while_the_final_round_is_not_finalised(as_chair, judged):
    html = text(post_award(as_chair, judged, judged.prize(1), judged.entries[0]))
    assert awards() == []
    assert vi("Finalise the category's last round before giving its prizes.") in html


def test_award_is_refused_for_an_entry_that_did_not_reach_the_final_round(as_chair, judged):
    judged.finalise()
    html = text(post_award(as_chair, judged, judged.prize(1), judged.entries[3]))
    assert awards() == []
    assert vi("This entry was not judged in the final round.") in html


def test_award_to_a_tied_entry_needs_the_tie_decision(as_chair, judged):
    judged.finalise()
    tied = judged.entries[1]
    html = text(post_award(as_chair, judged, judged.prize(2), tied))
    assert awards() == []
    assert vi("This entry is tied in the ranking: record the chair's decision on the tie.") in html
    post_award(as_chair, judged, judged.prize(2), tied, tie_note="Bố cục chặt chẽ hơn theo đa số hội đồng.")
    assert awards() == [(judged.prize(2).id, tied.id)]
    award = db.session.scalar(select(PrizeAward))
    assert award.tie_note == "Bố cục chặt chẽ hơn theo đa số hội đồng."
    assert award.final_rank == 2


def test_award_is_refused_beyond_the_prize_quantity(as_chair, judged):
    judged.finalise()
    post_award(as_chair, judged, judged.prize(1), judged.entries[0])
    html = text(post_award(as_chair, judged, judged.prize(1), judged.entries[1], tie_note="x"))
    assert awards() == [(judged.prize(1).id, judged.entries[0].id)]
    assert vi("All %(count)d of this prize have been given.", count=1) in html


def test_award_is_refused_for_an_entry_of_another_category(as_chair, judged, make_accepted, video):
    judged.finalise()
    clip = make_accepted(1, category=video, kind=EntryKind.VIDEO)[0]
    html = text(post_award(as_chair, judged, judged.prize(1), clip))
    assert awards() == []
    assert vi("This prize is for another category.") in html


def test_revoke_needs_a_reason_and_takes_the_prize_back(as_chair, judged):
    judged.finalise()
    post_award(as_chair, judged, judged.prize(1), judged.entries[0])
    award_id = db.session.scalar(select(PrizeAward.id))
    url = f"/jury/prizes/{judged.contest.slug}/awards/{award_id}/revoke"
    token = csrf_from(as_chair.get(f"/jury/prizes/{judged.contest.slug}").get_data(as_text=True))
    html = text(as_chair.post(url, data={"csrf_token": token, "reason": " "}, follow_redirects=True))
    assert len(awards()) == 1
    assert vi("Give a reason for taking this prize back.") in html
    as_chair.post(url, data={"csrf_token": token, "reason": "Vi phạm quy chế"})
    assert awards() == []
    assert (
        db.session.scalar(select(AuditRecord.reason).where(AuditRecord.action == "prize.revoke")) == "Vi phạm quy chế"
    )


# ---------------------------------------------------------------------------- preview and publication


def test_preview_shows_the_winners_and_the_hash_of_the_canonical_json(as_chair, judged):
    judged.finalise()
    post_award(as_chair, judged, judged.prize(1), judged.entries[0])
    html = text(as_chair.get(f"/jury/prizes/{judged.contest.slug}/preview"))
    payload = services.canonical_bytes(services.canonical_results(judged.contest))
    assert hashlib.sha256(payload).hexdigest() in html
    assert judged.entries[0].title_vi in html
    assert judged.entries[0].credit_name in html
    assert db.session.scalar(select(func.count(ResultsPublication.id))) == 0


def publish_form(client, judged: Judged, **data):
    page = client.get(f"/jury/prizes/{judged.contest.slug}/preview").get_data(as_text=True)
    data.setdefault("csrf_token", csrf_from(page))
    return client.post(f"/jury/prizes/{judged.contest.slug}/publish", data=data)


def test_publish_is_refused_before_the_final_round_is_finalised(as_chair, judged):
    response = publish_form(as_chair, judged, confirm="yes")
    assert response.status_code == 302
    html = text(as_chair.get(response.headers["Location"]))
    assert db.session.scalar(select(func.count(ResultsPublication.id))) == 0
    assert (
        vi("Finalise the last round of every category first: %(names)s.", names=judged.entries[0].category.name_en)
        in html
    )


def test_publish_needs_the_confirmation_box(as_chair, judged):
    judged.finalise()
    post_award(as_chair, judged, judged.prize(1), judged.entries[0])
    html = text(as_chair.get(publish_form(as_chair, judged).headers["Location"]))
    assert db.session.scalar(select(func.count(ResultsPublication.id))) == 0
    assert vi("Tick the box to confirm that the results are final before publishing.") in html


def test_publish_creates_a_version_each_time_and_shows_the_public_page(as_chair, judged):
    judged.finalise()
    post_award(as_chair, judged, judged.prize(1), judged.entries[0])
    response = publish_form(as_chair, judged, confirm="yes", note="Công bố lần đầu")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/results/{judged.contest.slug}")
    first = db.session.scalar(select(ResultsPublication))
    assert (first.version, first.note) == (1, "Công bố lần đầu")
    post_award(as_chair, judged, judged.prize(2), judged.entries[1], tie_note="Hội đồng biểu quyết 2-1")
    publish_form(as_chair, judged, confirm="yes")
    db.session.expire_all()
    versions = db.session.execute(select(ResultsPublication.version, ResultsPublication.sha256)).all()
    assert [v for v, _ in versions] == [1, 2]
    assert versions[0][1] != versions[1][1]
    html = text(as_chair.get(f"/jury/prizes/{judged.contest.slug}"))
    assert versions[0][1] in html and versions[1][1] in html
    assert db.session.scalar(select(func.count(AuditRecord.id)).where(AuditRecord.action == "results.publish")) == 2


def test_publish_mails_each_new_winner_once(as_chair, judged, outbox):
    judged.finalise()
    post_award(as_chair, judged, judged.prize(1), judged.entries[0])
    before = len(outbox())  # the entries' own mails (received, ...)
    publish_form(as_chair, judged, confirm="yes")
    mails = outbox()[before:]
    assert [m["to"] for m in mails] == [judged.entries[0].entrant.email]
    assert judged.entries[0].code in mails[0]["subject"]
    assert f"/results/{judged.contest.slug}" in mails[0]["body"]
    post_award(as_chair, judged, judged.prize(2), judged.entries[1], tie_note="Biểu quyết")
    publish_form(as_chair, judged, confirm="yes")
    later = outbox()[before:]
    assert [m["to"] for m in later] == [judged.entries[0].entrant.email, judged.entries[1].entrant.email]
