"""Mail to the winners once results are published, queued only after the publication commits."""

from __future__ import annotations

from flask import url_for
from sqlalchemy import select

from app.core.mail import send_mail_after_commit
from app.entries.models import Entry
from app.extensions import db
from app.jury.models import ResultsPublication
from app.jury.services.prizes import published_results

WINNER_TEMPLATE = "prize_won"


def _prize_keys(publication: ResultsPublication | None) -> set[tuple]:
    if publication is None:
        return set()
    return {(p["code"], p["prize_category"], p["prize_rank"]) for p in published_results(publication)["prizes"]}


def notify_winners(publication: ResultsPublication) -> int:
    """Tell each entrant whose entry won a prize in this version (and not already in the previous one); the count."""
    previous = db.session.scalar(
        select(ResultsPublication).where(
            ResultsPublication.contest_id == publication.contest_id,
            ResultsPublication.version == publication.version - 1,
        )
    )
    already = _prize_keys(previous)
    prizes = [
        p
        for p in published_results(publication)["prizes"]
        if (p["code"], p["prize_category"], p["prize_rank"]) not in already
    ]
    entries = {
        e.code: e
        for e in db.session.scalars(
            select(Entry).where(Entry.contest_id == publication.contest_id, Entry.code.in_([p["code"] for p in prizes]))
        )
    }
    for prize in prizes:
        entry = entries[prize["code"]]
        send_mail_after_commit(
            WINNER_TEMPLATE,
            entry.entrant.email,
            entry.entrant.locale,
            user=entry.entrant,
            entry=entry,
            prize=prize,
            link=url_for("jury.public_results", slug=entry.contest.slug, _external=True),
        )
    return len(prizes)
