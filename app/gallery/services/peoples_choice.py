"""People's Choice: the accepted entry with the most valid votes once voting has closed.

Ties follow the contest's `peoples_choice_tie_rule`: SHARED gives the award to every entry with the
top count; FIRST_TO_REACH gives it to the tied entry whose N-th valid vote (N = the top count) came
first. Counted from the votes themselves (valid ones only), not from the counters.

Contest-wide by default (`peoples_choice`); `peoples_choice_by_category` gives one result per
category for contests that award it per category. The contest-wide result is registered as the
"peoples_choice" section of the published results (app.contest.results_sections), so it is
published, hashed and versioned with the jury's prizes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.contest.models import Category, Contest, TieRule
from app.contest.results_sections import register_results_section
from app.core.errors import DomainError
from app.entries.models import Entry, EntryStatus
from app.extensions import db
from app.gallery.models import Vote
from app.gallery.services.visibility import voting_has_closed


class PeoplesChoiceNotReady(DomainError):
    """People's Choice is decided only once public voting has closed."""

    status_code = 409
    code = "peoples_choice_not_ready"
    default_message = _l("People's Choice is decided when public voting closes.")


@dataclass(frozen=True)
class PeoplesChoiceResult:
    """Who receives People's Choice, with how many valid votes, under which tie rule, and why."""

    entries: list[Entry]
    count: int
    rule: TieRule
    category: Category | None = None
    tied: list[Entry] = field(default_factory=list)  # every entry with the top count
    reached_at: dict[int, datetime] = field(default_factory=dict)  # FIRST_TO_REACH: when each tied entry got there
    explanation: str = ""


def _valid_counts(contest: Contest, category: Category | None):
    query = (
        select(Vote.entry_id, func.count(Vote.id).label("votes"))
        .join(Entry, Entry.id == Vote.entry_id)
        .where(Vote.contest_id == contest.id, Vote.is_valid.is_(True), Entry.status == EntryStatus.ACCEPTED)
        .group_by(Vote.entry_id)
    )
    if category is not None:
        query = query.where(Entry.category_id == category.id)
    return query.subquery()


def _nth_vote_at(entry_id: int, n: int) -> tuple[datetime, int]:
    """When an entry's n-th valid vote was cast (and its id, to settle equal instants)."""
    return db.session.execute(
        select(Vote.cast_at, Vote.id)
        .where(Vote.entry_id == entry_id, Vote.is_valid.is_(True))
        .order_by(Vote.cast_at, Vote.id)
        .offset(n - 1)
        .limit(1)
    ).one()


def peoples_choice(
    contest: Contest, now: datetime | None = None, *, category: Category | None = None
) -> PeoplesChoiceResult:
    """The People's Choice of the contest (or of one category), from valid votes; PeoplesChoiceNotReady before
    voting closes."""
    if contest.voting_close_at is None or not voting_has_closed(contest, now):
        raise PeoplesChoiceNotReady()
    counts = _valid_counts(contest, category)
    top = db.session.scalar(select(func.max(counts.c.votes))) or 0
    rule = contest.peoples_choice_tie_rule
    if top == 0:
        return PeoplesChoiceResult([], 0, rule, category, [], {}, _l("No valid votes were cast."))
    tied = list(
        db.session.scalars(
            select(Entry).join(counts, counts.c.entry_id == Entry.id).where(counts.c.votes == top).order_by(Entry.code)
        )
    )
    if len(tied) == 1:
        explanation = _l("%(code)s has the most valid votes: %(count)d.", code=tied[0].code, count=top)
        return PeoplesChoiceResult(tied, top, rule, category, tied, {}, explanation)
    codes = ", ".join(e.code for e in tied)
    if rule is TieRule.SHARED:
        explanation = _l(
            "%(n)d entries are tied with %(count)d valid votes each (%(codes)s); under the contest's rule they share "
            "People's Choice.",
            n=len(tied),
            count=top,
            codes=codes,
        )
        return PeoplesChoiceResult(tied, top, rule, category, tied, {}, explanation)
    reached = {e.id: _nth_vote_at(e.id, top) for e in tied}
    winner = min(tied, key=lambda e: reached[e.id])
    explanation = _l(
        "%(n)d entries are tied with %(count)d valid votes each (%(codes)s); under the contest's rule People's "
        "Choice goes to the first to reach %(count)d votes: %(code)s.",
        n=len(tied),
        count=top,
        codes=codes,
        code=winner.code,
    )
    return PeoplesChoiceResult(
        [winner], top, rule, category, tied, {e_id: at for e_id, (at, _) in reached.items()}, explanation
    )


def peoples_choice_by_category(contest: Contest, now: datetime | None = None) -> list[PeoplesChoiceResult]:
    """One People's Choice per category, in the contest's category order."""
    return [peoples_choice(contest, now, category=category) for category in contest.categories]


def peoples_choice_section(contest: Contest) -> dict | None:
    """The published form of People's Choice (plain data, no translated text); None without a closed vote."""
    if contest.voting_close_at is None or not voting_has_closed(contest):
        return None
    result = peoples_choice(contest)
    return {
        "rule": result.rule.value,
        "valid_votes": result.count,
        "tied": [e.code for e in result.tied],
        "winners": [
            {
                "code": e.code,
                "category": e.category.slug,
                "title_vi": e.title_vi,
                "title_en": e.title_en,
                "credit": e.credit_name,
                "reached_at": result.reached_at[e.id].isoformat() if e.id in result.reached_at else None,
            }
            for e in result.entries
        ],
    }


register_results_section("peoples_choice", peoples_choice_section)
