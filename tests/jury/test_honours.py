"""Publication marks finalists and winners on their entries, so entrants' timelines show them, and only then."""

from __future__ import annotations

from sqlalchemy import select

from app.contest.models import Prize
from app.entries.models import EntryHonour
from app.entries.services import entry_steps
from app.extensions import db
from app.jury import services
from app.jury.models import AdvanceMethod
from tests.jury.conftest import score_all


def states(entry) -> dict[str, str]:
    return {step.key: step.state for step in entry_steps(entry)}


def test_timeline_shows_finalist_and_prize_only_once_published(
    app_ctx, contest, photo, chair, make_juror, make_accepted, make_round
):
    jurors = [chair, make_juror()]
    entries = make_accepted(3)
    first = make_round(jurors)
    rank = {entry.id: index for index, entry in enumerate(entries)}
    for juror in jurors:
        score_all(first, juror, lambda review, c: 9.0 - 3 * rank[review.entry_id])
    services.close_round(first, chair)
    services.advance_entries(first, chair, AdvanceMethod.MEAN, top_n=2)
    services.finalise_round(first, chair)
    final = make_round(jurors, name_vi="Chung khảo", name_en="Final")
    for juror in jurors:
        score_all(final, juror, lambda review, c: 9.0 - 3 * rank[review.entry_id])
    services.close_round(final, chair)
    services.finalise_round(final, chair)
    prize = db.session.scalar(select(Prize).where(Prize.category_id == photo.id).order_by(Prize.rank))
    award = services.award_prize(prize, entries[0], chair)
    db.session.commit()

    # Advanced, finalised, awarded, but not published: nothing shows.
    assert all(entry.honour is None for entry in entries)
    assert states(entries[0])["finalist"] == "todo" and states(entries[0])["prize"] == "todo"

    services.publish_results(contest, chair)
    db.session.commit()
    db.session.expire_all()
    assert [entry.honour for entry in entries] == [EntryHonour.PRIZE, EntryHonour.FINALIST, None]
    assert (states(entries[0])["finalist"], states(entries[0])["prize"]) == ("done", "done")
    assert (states(entries[1])["finalist"], states(entries[1])["prize"]) == ("done", "todo")
    assert (states(entries[2])["finalist"], states(entries[2])["prize"]) == ("todo", "todo")

    # A corrected publication replaces the marks of the one before.
    services.revoke_award(award, chair, "Vi phạm quy chế: ảnh đã đăng trước cuộc thi.")
    services.award_prize(prize, entries[1], chair)
    services.publish_results(contest, chair, "Điều chỉnh giải nhất")
    db.session.commit()
    db.session.expire_all()
    assert [entry.honour for entry in entries] == [EntryHonour.FINALIST, EntryHonour.PRIZE, None]
