"""What the prize desk, the results preview and the public results page show, built from the services.

The public page and the chair's preview render the same structure from a canonical results dict: the
preview from the results as they stand, the public page from the text that was published and hashed,
so what the public sees is exactly what the hash covers.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import select

from app.contest.models import Category, Contest, Prize
from app.core.i18n import current_locale
from app.entries.models import Entry
from app.entries.pages import thumbnail
from app.extensions import db
from app.jury import services
from app.jury.labels import METHOD_LABELS, ROUND_STATUS_LABELS
from app.jury.models import JuryRound, PrizeAward, ResultsPublication, RoundStatus
from app.jury.services.prizes import publications_of, published_results


def contest_by_slug(slug: str) -> Contest | None:
    """Any contest by its slug (the chair works on contests before they are public)."""
    return db.session.scalar(select(Contest).where(Contest.slug == slug))


def entry_by_code(contest: Contest, code: str) -> Entry | None:
    """An entry of the contest by its code."""
    return db.session.scalar(select(Entry).where(Entry.contest_id == contest.id, Entry.code == code.strip()))


def award_of(contest: Contest, award_id: int) -> PrizeAward | None:
    """A prize award of the contest by id."""
    award = db.session.get(PrizeAward, award_id)
    return award if award is not None and award.contest_id == contest.id else None


def prize_of(contest: Contest, prize_id: int) -> Prize | None:
    """A prize of the contest by id."""
    prize = db.session.get(Prize, prize_id)
    return prize if prize is not None and prize.contest_id == contest.id else None


def _thumb(entry: Entry) -> dict | None:
    return thumbnail(entry.files[0].asset) if entry.files else None


# ---------------------------------------------------------------------------- the chair's desk


@dataclass(frozen=True)
class RankingLine:
    """One entry of a final ranking as the desk shows it."""

    rank: int | None
    score: float | None
    shares_rank: bool
    statistically_tied: bool
    entry: Entry
    thumb: dict | None

    @property
    def is_tied(self) -> bool:
        """Tied exactly or statistically: awarding needs a recorded tie decision."""
        return self.shares_rank or self.statistically_tied


@dataclass
class PrizeRow:
    """A prize with the awards given so far and the entries it may go to."""

    prize: Prize
    awards: list[PrizeAward]
    candidates: list[RankingLine]

    @property
    def remaining(self) -> int:
        """How many of this prize are still to give."""
        return max(self.prize.quantity - len(self.awards), 0)


@dataclass
class CategoryDesk:
    """A category on the desk: its final round, the ranking once finalised, and its prizes."""

    category: Category
    round: JuryRound | None
    status_label: str
    method_label: str
    ranking: list[RankingLine] = field(default_factory=list)
    prizes: list[PrizeRow] = field(default_factory=list)

    @property
    def is_final(self) -> bool:
        """Whether the ranking is final (the category's last round is finalised)."""
        return self.round is not None and self.round.status is RoundStatus.FINALISED


def _ranking(round_: JuryRound) -> list[RankingLine]:
    lines = services.final_ranking(round_)
    entries = {
        e.id: e for e in db.session.scalars(select(Entry).where(Entry.id.in_([line.entry_id for line in lines])))
    }
    return [
        RankingLine(
            line.rank,
            line.score,
            line.shares_rank,
            line.statistically_tied,
            entries[line.entry_id],
            _thumb(entries[line.entry_id]),
        )
        for line in lines
    ]


def desk_context(contest: Contest) -> dict:
    """The prize desk: each category's final round and ranking, the prizes and their awards, the versions."""
    awards = services.awards_of(contest)
    desks = []
    for category in contest.categories:
        round_ = services.final_round(category)
        desk = CategoryDesk(
            category=category,
            round=round_,
            status_label=str(ROUND_STATUS_LABELS[round_.status.value]) if round_ else "",
            method_label=str(METHOD_LABELS[services.ranking_method(round_).value]) if round_ else "",
        )
        if desk.is_final:
            desk.ranking = _ranking(round_)
        desks.append(desk)
    by_category = {desk.category.id: desk for desk in desks}
    every_final = [line for desk in desks for line in desk.ranking]
    contest_wide = []
    for prize in contest.prizes:
        candidates = by_category[prize.category_id].ranking if prize.category_id in by_category else every_final
        row = PrizeRow(prize, [a for a in awards if a.prize_id == prize.id], candidates)
        if prize.category_id in by_category:
            by_category[prize.category_id].prizes.append(row)
        else:
            contest_wide.append(row)
    return {
        "contest": contest,
        "desks": desks,
        "contest_wide": contest_wide,
        "publications": publications_of(contest),
    }


# ---------------------------------------------------------------------------- the public results


def pick(record: dict, name: str) -> str:
    """record[name_<lang>] in the active language, falling back to Vietnamese."""
    return record.get(f"{name}_{current_locale()}") or record.get(f"{name}_vi") or ""


@dataclass(frozen=True)
class Winner:
    """A prize and the entry that won it, as published."""

    prize_name: str
    code: str
    title: str
    credit: str
    tie_note: str
    thumb: dict | None


@dataclass(frozen=True)
class ResultsGroup:
    """The prizes of one category (or the contest-wide ones) with their winners, and how they were ranked."""

    name: str
    method_label: str
    winners: list[Winner]


def results_view(contest: Contest, results: dict) -> list[ResultsGroup]:
    """The winners of canonical results, category by category, then the contest-wide prizes."""
    codes = [p["code"] for p in results["prizes"]]
    entries = {
        e.code: e
        for e in db.session.scalars(select(Entry).where(Entry.contest_id == contest.id, Entry.code.in_(codes)))
    }

    def winner(p: dict) -> Winner:
        entry = entries.get(p["code"])
        title = p["title_en"] if current_locale() == "en" and p["title_en"] else p["title_vi"]
        return Winner(pick(p, "prize"), p["code"], title, p["credit"], p["tie_note"], _thumb(entry) if entry else None)

    groups = []
    for category in results["categories"]:
        final = category["rounds"][-1] if category["rounds"] else None
        method = final.get("method", "yes_votes") if final else None
        winners = [winner(p) for p in results["prizes"] if p["prize_category"] == category["slug"]]
        if winners:
            groups.append(ResultsGroup(pick(category, "name"), str(METHOD_LABELS[method]) if method else "", winners))
    wide = [winner(p) for p in results["prizes"] if p["prize_category"] is None]
    if wide:
        groups.append(ResultsGroup("", "", wide))
    return groups


def public_context(contest: Contest, publication: ResultsPublication) -> dict:
    """The public results page: the winners as published, the hash, and every version."""
    return {
        "contest": contest,
        "publication": publication,
        "groups": results_view(contest, published_results(publication)),
        "sections": published_results(publication).get("sections", {}),
        "publications": publications_of(contest),
    }


def preview_context(contest: Contest) -> dict:
    """The chair's preview: what the public page would show, and the exact bytes that would be hashed."""
    results = services.canonical_results(contest)
    payload = services.canonical_bytes(results)
    return {
        "contest": contest,
        "groups": results_view(contest, results),
        "sections": results.get("sections", {}),
        "canonical_text": payload.decode(),
        "sha256": hashlib.sha256(payload).hexdigest(),
        "publications": publications_of(contest),
    }
