"""Prizes of a contest, per category or contest-wide."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

from flask_babel import lazy_gettext as _l

from app.audit.services import record_decision
from app.auth.models import User
from app.contest.models import (
    Contest,
    Prize,
)
from app.contest.settings.common import REQUIRED, add_problem, apply_changes, audit_value, raise_if_problems
from app.extensions import db

PRIZE_FIELDS = ("rank", "name_vi", "name_en", "quantity", "cash_amount_vnd")


# ---------------------------------------------------------------------------- prizes


@dataclass(frozen=True)
class PrizeSettings:
    """A prize as an organiser edits it; category_id None means contest-wide."""

    rank: int | None
    name_vi: str
    name_en: str
    category_id: int | None = None
    quantity: int | None = 1
    cash_amount_vnd: int | None = None


def prize_settings_problems(s: PrizeSettings, contest: Contest, prize: Prize | None) -> dict[str, list]:
    """Every broken rule of a prize, by field."""
    problems: dict[str, list] = {}
    if s.rank is None or s.rank < 1:
        add_problem(problems, "rank", _l("Enter a rank of 1 or more (1 is the first prize)."))
    for name in ("name_vi", "name_en"):
        if not getattr(s, name).strip():
            add_problem(problems, name, REQUIRED)
        elif len(getattr(s, name)) > 120:
            add_problem(problems, name, _l("At most %(n)d characters.", n=120))
    if s.category_id is not None and s.category_id not in {c.id for c in contest.categories}:
        add_problem(problems, "category_id", _l("Choose a category of this contest."))
    if s.quantity is None or s.quantity < 1:
        add_problem(problems, "quantity", _l("Enter a number above 0."))
    if s.cash_amount_vnd is not None and s.cash_amount_vnd < 0:
        add_problem(problems, "cash_amount_vnd", _l("Enter 0 or more, or leave it empty."))
    clash = [
        p
        for p in contest.prizes
        if p.category_id == s.category_id and p.rank == s.rank and (prize is None or p.id != prize.id)
    ]
    if s.rank and clash:
        add_problem(problems, "rank", _l("This category already has a prize of this rank."))
    return problems


def save_prize(contest: Contest, prize: Prize | None, settings: PrizeSettings, actor: User) -> Prize:
    """Create a prize (prize None) or change one; audited as prize.create / prize.update."""
    settings = replace(settings, name_vi=settings.name_vi.strip(), name_en=settings.name_en.strip())
    raise_if_problems(prize_settings_problems(settings, contest, prize))
    action = "prize.update"
    if prize is None:
        prize = Prize(contest=contest)
        db.session.add(prize)
        action = "prize.create"
    before, after = apply_changes(prize, asdict(settings))
    db.session.flush()
    if action == "prize.create":
        before = {}
    if after:
        record_decision(actor, action, "prize", prize.id, before=before, after=after, contest_id=contest.id)
    return prize


def delete_prize(prize: Prize, actor: User) -> None:
    """Remove a prize (audited as prize.delete with what it was)."""
    before = {name: audit_value(getattr(prize, name)) for name in ("category_id", *PRIZE_FIELDS)}
    record_decision(actor, "prize.delete", "prize", prize.id, before=before, contest_id=prize.contest_id)
    prize.contest.prizes.remove(prize)
    db.session.delete(prize)
    db.session.flush()
