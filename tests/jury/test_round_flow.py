"""The whole judging flow through the services: two rounds, advancement, prizes, published hash."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from app.audit.models import AuditRecord
from app.contest.models import Prize
from app.extensions import db
from app.jury import services
from app.jury.models import AdvanceMethod, Review, RoundEntry, RoundStatus
from tests.jury.conftest import score_all


@pytest.fixture
def flow(app_ctx, contest, photo, chair, make_juror, make_accepted, make_round):
    jurors = [make_juror(), make_juror()]
    entries = make_accepted(4)
    return jurors, entries, make_round


def test_two_rounds_to_published_prizes(flow, contest, photo, chair):
    jurors, entries, make_round = flow
    first = make_round(jurors)
    assert first.status is RoundStatus.OPEN
    rank_of = {entry.id: index for index, entry in enumerate(entries)}
    for juror in jurors:
        score_all(first, juror, lambda review, c: 10.0 - 2 * rank_of[review.entry_id])
        services.confirm_scores(first, juror)
    db.session.commit()
    services.close_round(first, chair)
    outcome = services.advance_entries(first, chair, AdvanceMethod.MEAN, top_n=2)
    services.finalise_round(first, chair)
    db.session.commit()
    assert set(outcome.selected) == {entries[0].id, entries[1].id}

    final = make_round(jurors, name_vi="Chung khảo", name_en="Final round")
    assert {e for e in db.session.scalars(select(RoundEntry.entry_id).where(RoundEntry.round_id == final.id))} == set(
        outcome.selected
    )
    for juror in jurors:
        score_all(final, juror, lambda review, c: 9.0 if review.entry_id == entries[1].id else 7.5)
    services.close_round(final, chair)
    services.finalise_round(final, chair)
    db.session.commit()
    ranking = services.final_ranking(final)
    assert [line.entry_id for line in ranking] == [entries[1].id, entries[0].id]

    first_prize = db.session.scalar(select(Prize).where(Prize.category_id == photo.id).order_by(Prize.rank))
    services.award_prize(first_prize, entries[1], chair)
    publication = services.publish_results(contest, chair)
    db.session.commit()
    assert publication.sha256 == hashlib.sha256(publication.canonical_json.encode()).hexdigest()
    assert entries[1].code in publication.canonical_json
    actions = set(db.session.scalars(select(AuditRecord.action)))
    assert {"round.open", "score.save", "score.confirm", "round.advance", "prize.award", "results.publish"} <= actions
    assert db.session.scalar(select(db.func.count(Review.id)).where(Review.round_id == final.id)) == 4
