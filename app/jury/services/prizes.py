"""Prizes from the final ranking, and publication of the results with a SHA-256 anyone can check.

The canonical results are JSON with sorted keys and no spaces, encoded as UTF-8; the hash is of those
exact bytes, which are stored and served as they were published, so anyone can download them and
recompute the hash (`sha256sum results.json`).
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from app.audit.services import record_decision
from app.auth.models import User
from app.contest.models import Category, Contest, Prize
from app.contest.results_sections import results_sections
from app.core.timeutil import utcnow
from app.entries.models import Entry, EntryFile, EntryHonour, EntryStatus
from app.extensions import db
from app.jury.aggregation import Method
from app.jury.models import AdvanceMethod, JuryRound, PrizeAward, ResultsPublication, RoundEntry, RoundKind, RoundStatus
from app.jury.services.errors import PrizeRefused, ResultsNotPublished
from app.jury.services.results import round_results, selection_tally

CANONICAL_FORMAT = "happy-contest-results/1"


@dataclass(frozen=True)
class RankedEntry:
    """One line of a final ranking."""

    entry_id: int
    rank: int | None
    score: float | None
    statistically_tied: bool
    shares_rank: bool


def final_round(category: Category) -> JuryRound | None:
    """The last round of a category: its ranking decides the prizes."""
    return db.session.scalar(
        select(JuryRound).where(JuryRound.category_id == category.id).order_by(JuryRound.position.desc()).limit(1)
    )


def ranking_method(round_: JuryRound) -> Method:
    """The method the final ranking uses: the round's recorded one, else the z-score mean."""
    if round_.advance_method and round_.advance_method is not AdvanceMethod.YES_VOTES:
        return Method(round_.advance_method.value)
    return Method.ZSCORE


def final_ranking(round_: JuryRound) -> list[RankedEntry]:
    """The round's entries best first, with ties flagged (exact: same rank; statistical: within error)."""
    if round_.kind is RoundKind.SELECTION:
        tallies = selection_tally(round_)
        counts = Counter([t.yes for t in tallies])
        return [
            RankedEntry(
                t.entry_id, 1 + sum(1 for o in tallies if o.yes > t.yes), float(t.yes), False, counts[t.yes] > 1
            )
            for t in tallies
        ]
    results = round_results(round_)
    method = ranking_method(round_)
    rows = results.rows(method)
    ranks = [row.ranks[method] for row in rows]
    shared = Counter(ranks)
    value = {Method.MEAN: "mean", Method.TRIMMED: "trimmed_mean", Method.ZSCORE: "z_mean"}[method]
    return [
        RankedEntry(
            row.entry_id,
            row.ranks[method],
            getattr(row, value),
            row.statistically_tied,
            row.ranks[method] is not None and shared[row.ranks[method]] > 1,
        )
        for row in rows
    ]


def award_prize(prize: Prize, entry: Entry, actor: User, *, tie_note: str = "") -> PrizeAward:
    """Give a prize to an entry of its category's final round; a tied ranking needs the chair's recorded reason."""
    contest = prize.contest
    if entry.contest_id != contest.id or entry.status is not EntryStatus.ACCEPTED:
        raise PrizeRefused(_l("Only accepted entries of this contest can win a prize."))
    if prize.category_id is not None and entry.category_id != prize.category_id:
        raise PrizeRefused(_l("This prize is for another category."))
    round_ = final_round(entry.category)
    if round_ is None or round_.status is not RoundStatus.FINALISED:
        raise PrizeRefused(_l("Finalise the category's last round before giving its prizes."))
    if (
        db.session.scalar(
            select(RoundEntry.id).where(RoundEntry.round_id == round_.id, RoundEntry.entry_id == entry.id)
        )
        is None
    ):
        raise PrizeRefused(_l("This entry was not judged in the final round."))
    given = db.session.scalar(select(func.count(PrizeAward.id)).where(PrizeAward.prize_id == prize.id))
    if given >= prize.quantity:
        raise PrizeRefused(_l("All %(count)d of this prize have been given.", count=prize.quantity))
    if db.session.scalar(
        select(PrizeAward.id).where(PrizeAward.contest_id == contest.id, PrizeAward.entry_id == entry.id)
    ):
        raise PrizeRefused(_l("This entry already has a prize."))
    line = next((r for r in final_ranking(round_) if r.entry_id == entry.id), None)
    tied = line is not None and (line.shares_rank or line.statistically_tied)
    if tied and not tie_note.strip():
        raise PrizeRefused(_l("This entry is tied in the ranking: record the chair's decision on the tie."))
    award = PrizeAward(
        contest_id=contest.id,
        prize_id=prize.id,
        entry_id=entry.id,
        round_id=round_.id,
        final_rank=line.rank if line else None,
        tie_note=tie_note.strip(),
        decided_by_id=actor.id,
    )
    db.session.add(award)
    db.session.flush()
    record_decision(
        actor,
        "prize.award",
        "entry",
        entry.code,
        before={},
        after={
            "prize_id": prize.id,
            "prize": prize.name_en,
            "final_rank": award.final_rank,
            "method": ranking_method(round_).value,
        },
        reason=tie_note.strip(),
        contest_id=contest.id,
    )
    return award


def revoke_award(award: PrizeAward, actor: User, reason: str) -> None:
    """Take a prize back before (re)publication, with a reason."""
    if not reason.strip():
        raise PrizeRefused(_l("Give a reason for taking this prize back."))
    record_decision(
        actor,
        "prize.revoke",
        "entry",
        award.entry.code,
        before={"prize_id": award.prize_id, "final_rank": award.final_rank},
        after={},
        reason=reason.strip(),
        contest_id=award.contest_id,
    )
    db.session.delete(award)
    db.session.flush()


def awards_of(contest: Contest) -> list[PrizeAward]:
    """A contest's prize awards, category by category and rank by rank."""
    return list(
        db.session.scalars(
            select(PrizeAward)
            .join(Prize, Prize.id == PrizeAward.prize_id)
            .where(PrizeAward.contest_id == contest.id)
            .order_by(Prize.category_id.nulls_last(), Prize.rank, PrizeAward.final_rank, PrizeAward.id)
        )
    )


def canonical_results(contest: Contest) -> dict:
    """Everything the published results stand on: rounds, methods, each judged entry's scores, the prizes."""
    categories = []
    for category in contest.categories:
        rounds = list(
            db.session.scalars(
                select(JuryRound).where(JuryRound.category_id == category.id).order_by(JuryRound.position)
            )
        )
        categories.append(
            {
                "slug": category.slug,
                "name_vi": category.name_vi,
                "name_en": category.name_en,
                "rounds": [_round_record(round_) for round_ in rounds],
            }
        )
    results = {
        "format": CANONICAL_FORMAT,
        "contest": {"slug": contest.slug, "name_vi": contest.name_vi, "name_en": contest.name_en},
        "categories": categories,
        "prizes": [_award_record(award) for award in awards_of(contest)],
    }
    sections = results_sections(contest)  # e.g. the gallery's People's Choice; absent when there is none
    if sections:
        results["sections"] = sections
    return results


def canonical_bytes(results: dict) -> bytes:
    """The one byte form of the results: sorted keys, no spaces, UTF-8."""
    return json.dumps(results, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


def publish_results(contest: Contest, actor: User, note: str = "") -> ResultsPublication:
    """Publish the results: every category's final round finalised, the canonical JSON stored with its hash."""
    has_voting = contest.voting_open_at is not None and contest.voting_close_at is not None
    if has_voting and utcnow() < contest.voting_close_at:
        raise PrizeRefused(
            _l("Public voting is still open: publish the results after it closes, so that People's Choice is final.")
        )
    unfinished = [
        c.name_en
        for c in contest.categories
        if (r := final_round(c)) is not None and r.status is not RoundStatus.FINALISED
    ]
    if unfinished:
        raise PrizeRefused(
            _l("Finalise the last round of every category first: %(names)s.", names=", ".join(unfinished))
        )
    if not awards_of(contest):
        raise PrizeRefused(_l("Give at least one prize before publishing the results."))
    payload = canonical_bytes(canonical_results(contest))
    version = (
        db.session.scalar(
            select(func.max(ResultsPublication.version)).where(ResultsPublication.contest_id == contest.id)
        )
        or 0
    ) + 1
    publication = ResultsPublication(
        contest_id=contest.id,
        version=version,
        canonical_json=payload.decode(),
        sha256=hashlib.sha256(payload).hexdigest(),
        published_by_id=actor.id,
        published_at=utcnow(),
        note=note.strip(),
    )
    db.session.add(publication)
    _record_honours(contest)
    db.session.flush()
    record_decision(
        actor,
        "results.publish",
        "contest",
        contest.id,
        before={},
        after={"version": version, "sha256": publication.sha256},
        reason=note.strip(),
        contest_id=contest.id,
    )
    return publication


def _record_honours(contest: Contest) -> None:
    """Mark the published finalists (entries of each category's last round) and prize winners on the entries,
    so an entrant's timeline shows them; a new version replaces the marks of the one before."""
    db.session.execute(update(Entry).where(Entry.contest_id == contest.id).values(honour=None))
    last_rounds = [r.id for c in contest.categories if (r := final_round(c)) is not None]
    finalists = select(RoundEntry.entry_id).where(RoundEntry.round_id.in_(last_rounds))
    db.session.execute(update(Entry).where(Entry.id.in_(finalists)).values(honour=EntryHonour.FINALIST))
    winners = select(PrizeAward.entry_id).where(PrizeAward.contest_id == contest.id)
    db.session.execute(update(Entry).where(Entry.id.in_(winners)).values(honour=EntryHonour.PRIZE))


def latest_publication(contest: Contest) -> ResultsPublication | None:
    """The newest published version of a contest's results, if any."""
    return db.session.scalar(
        select(ResultsPublication)
        .where(ResultsPublication.contest_id == contest.id)
        .order_by(ResultsPublication.version.desc())
        .limit(1)
    )


def require_publication(contest: Contest) -> ResultsPublication:
    """The newest publication; ResultsNotPublished (404) before there is one."""
    publication = latest_publication(contest)
    if publication is None:
        raise ResultsNotPublished()
    return publication


def publications_of(contest: Contest) -> list[ResultsPublication]:
    """Every published version of a contest's results, newest first."""
    return list(
        db.session.scalars(
            select(ResultsPublication)
            .where(ResultsPublication.contest_id == contest.id)
            .order_by(ResultsPublication.version.desc())
        )
    )


def published_results(publication: ResultsPublication) -> dict:
    """The canonical results as they were published (the stored text, parsed)."""
    return json.loads(publication.canonical_json)


@lru_cache(maxsize=64)
def _winning_codes(publication_id: int, sha256: str) -> frozenset[str]:
    """Entry codes given a prize in one publication; cached because publications never change
    (the hash is part of the key all the same), and every public image request asks."""
    text = db.session.scalar(select(ResultsPublication.canonical_json).where(ResultsPublication.id == publication_id))
    return frozenset(prize["code"] for prize in json.loads(text)["prizes"])


def is_published_winner_asset(asset_id: str) -> bool:
    """Whether the asset is a file of an entry that won a prize in its contest's latest published results."""
    owners = db.session.execute(
        select(Entry.code, Entry.contest_id)
        .join(EntryFile, EntryFile.entry_id == Entry.id)
        .where(EntryFile.asset_id == asset_id)
    ).all()
    for code, contest_id in owners:
        publication = db.session.scalar(
            select(ResultsPublication)
            .where(ResultsPublication.contest_id == contest_id)
            .order_by(ResultsPublication.version.desc())
            .limit(1)
        )
        if publication is not None and code in _winning_codes(publication.id, publication.sha256):
            return True
    return False


def is_intact(publication: ResultsPublication) -> bool:
    """Whether the stored text still hashes to the published SHA-256."""
    return hashlib.sha256(publication.canonical_json.encode()).hexdigest() == publication.sha256


def _round_record(round_: JuryRound) -> dict:
    record = {
        "position": round_.position,
        "name_vi": round_.name_vi,
        "name_en": round_.name_en,
        "kind": round_.kind.value,
        "status": round_.status.value,
        "advance_rule": round_.advance_rule,
        "criteria": [{"name_en": c.name_en, "weight": c.weight} for c in round_.criteria],
        "scale": [round_.scale_min, round_.scale_max, round_.scale_step],
    }
    advanced = set(
        db.session.scalars(select(RoundEntry.entry_id).where(RoundEntry.round_id == round_.id, RoundEntry.is_advanced))
    )
    codes = dict(
        db.session.execute(
            select(Entry.id, Entry.code)
            .join(RoundEntry, RoundEntry.entry_id == Entry.id)
            .where(RoundEntry.round_id == round_.id)
        ).all()
    )
    if round_.kind is RoundKind.SELECTION:
        record["entries"] = [
            {"code": codes[t.entry_id], "yes": t.yes, "maybe": t.maybe, "no": t.no, "advanced": t.entry_id in advanced}
            for t in selection_tally(round_)
        ]
        return record
    record["method"] = ranking_method(round_).value
    record["entries"] = [
        {
            "code": codes[row.entry_id],
            "jurors": row.jurors,
            "mean": _rounded(row.mean),
            "trimmed_mean": _rounded(row.trimmed_mean),
            "z_mean": _rounded(row.z_mean),
            "rank": row.ranks[ranking_method(round_)],
            "advanced": row.entry_id in advanced,
        }
        for row in round_results(round_).rows(ranking_method(round_))
    ]
    return record


def _award_record(award: PrizeAward) -> dict:
    entry = award.entry
    return {
        "prize_rank": award.prize.rank,
        "prize_en": award.prize.name_en,
        "prize_vi": award.prize.name_vi,
        "prize_category": award.prize.category.slug if award.prize.category else None,
        "category": entry.category.slug,
        "code": entry.code,
        "title_vi": entry.title_vi,
        "title_en": entry.title_en,
        "credit": entry.credit_name,
        "final_rank": award.final_rank,
        "tie_note": award.tie_note,
    }


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)
