"""A round's life: created and edited as a draft, opened (entries taken in and assigned), closed, finalised.

Every transition is audited. Opening takes the category's accepted entries (round 1) or what the
previous, finalised round advanced; nothing is scored outside "open", nothing changes after "finalised".
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.audit.services import record_decision
from app.auth.models import User
from app.contest.models import Category, Contest
from app.core.timeutil import utcnow
from app.entries.models import Entry, EntryStatus
from app.extensions import db
from app.jury.assignment import Assignment
from app.jury.models import (
    AssignmentMode,
    CommentMode,
    Criterion,
    JuryRound,
    Review,
    RoundEntry,
    RoundJuror,
    RoundKind,
    RoundStatus,
)
from app.jury.services.access import is_contest_juror
from app.jury.services.assigning import assign_round
from app.jury.services.errors import RoundLocked, RoundNotReady


@dataclass(frozen=True)
class CriterionData:
    """A criterion as an organiser types it."""

    name_vi: str
    name_en: str
    weight: float = 1.0
    description_vi: str = ""
    description_en: str = ""


@dataclass(frozen=True)
class RoundSettings:
    """Everything an organiser sets on a round while it is a draft (already validated by the form)."""

    name_vi: str
    name_en: str
    kind: RoundKind
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    scale_min: float = 0.0
    scale_max: float = 10.0
    scale_step: float = 0.5
    comment_mode: CommentMode = CommentMode.PER_ENTRY
    min_yes: int = 1
    allows_maybe: bool = True
    assignment_mode: AssignmentMode = AssignmentMode.ALL
    jurors_per_entry: int | None = None
    trim_proportion: float = 0.1
    trim_min_jurors: int = 5
    criteria: tuple[CriterionData, ...] = field(default_factory=tuple)


def rounds_of(contest: Contest, category: Category | None = None) -> list[JuryRound]:
    """A contest's rounds, category by category, in order."""
    query = select(JuryRound).where(JuryRound.contest_id == contest.id)
    if category is not None:
        query = query.where(JuryRound.category_id == category.id)
    return list(db.session.scalars(query.order_by(JuryRound.category_id, JuryRound.position)))


def previous_round(round_: JuryRound) -> JuryRound | None:
    """The round before this one in the same category."""
    if round_.position == 1:
        return None
    return db.session.scalar(
        select(JuryRound).where(JuryRound.category_id == round_.category_id, JuryRound.position == round_.position - 1)
    )


def is_last_round(round_: JuryRound) -> bool:
    """Whether no round follows this one in its category (its ranking is the final one)."""
    return (
        db.session.scalar(
            select(func.count(JuryRound.id)).where(
                JuryRound.category_id == round_.category_id, JuryRound.position > round_.position
            )
        )
        == 0
    )


def create_round(contest: Contest, category: Category, settings: RoundSettings, actor: User) -> JuryRound:
    """Add a draft round after the category's last one."""
    if category.contest_id != contest.id:
        raise RoundNotReady(_l("This category belongs to another contest."))
    last = db.session.scalar(select(func.max(JuryRound.position)).where(JuryRound.category_id == category.id))
    round_ = JuryRound(
        contest_id=contest.id, category_id=category.id, position=(last or 0) + 1, seed=secrets.token_hex(8)
    )
    db.session.add(round_)
    _apply_settings(round_, settings)
    db.session.flush()
    record_decision(
        actor,
        "round.create",
        "jury_round",
        round_.id,
        before={},
        after=_settings_record(settings),
        contest_id=contest.id,
    )
    return round_


def update_round(round_: JuryRound, settings: RoundSettings, actor: User) -> None:
    """Change a draft round's settings and criteria."""
    _require_status(round_, RoundStatus.DRAFT)
    before = _settings_record(current_settings(round_))
    _apply_settings(round_, settings)
    db.session.flush()
    record_decision(
        actor,
        "round.update",
        "jury_round",
        round_.id,
        before=before,
        after=_settings_record(settings),
        contest_id=round_.contest_id,
    )


def current_settings(round_: JuryRound) -> RoundSettings:
    """A round's settings as a RoundSettings, to prefill the form."""
    criteria = tuple(
        CriterionData(c.name_vi, c.name_en, c.weight, c.description_vi, c.description_en) for c in round_.criteria
    )
    return RoundSettings(
        name_vi=round_.name_vi,
        name_en=round_.name_en,
        kind=round_.kind,
        opens_at=round_.opens_at,
        closes_at=round_.closes_at,
        scale_min=round_.scale_min,
        scale_max=round_.scale_max,
        scale_step=round_.scale_step,
        comment_mode=round_.comment_mode,
        min_yes=round_.min_yes,
        allows_maybe=round_.allows_maybe,
        assignment_mode=round_.assignment_mode,
        jurors_per_entry=round_.jurors_per_entry,
        trim_proportion=round_.trim_proportion,
        trim_min_jurors=round_.trim_min_jurors,
        criteria=criteria,
    )


def set_round_jurors(round_: JuryRound, users: list[User], actor: User) -> None:
    """Choose the jurors of a draft round from the contest's jury."""
    _require_status(round_, RoundStatus.DRAFT)
    outsiders = [user.full_name for user in users if not is_contest_juror(user, round_.contest)]
    if outsiders:
        raise RoundNotReady(_l("Not on this contest's jury: %(names)s.", names=", ".join(outsiders)))
    before = sorted(seat.user_id for seat in round_.jurors)
    wanted = {user.id for user in users}
    for seat in list(round_.jurors):
        if seat.user_id not in wanted:
            round_.jurors.remove(seat)
    present = {seat.user_id for seat in round_.jurors}
    for user_id in sorted(wanted - present):
        round_.jurors.append(RoundJuror(user_id=user_id))
    db.session.flush()
    record_decision(
        actor,
        "round.jurors",
        "jury_round",
        round_.id,
        before={"jurors": before},
        after={"jurors": sorted(wanted)},
        contest_id=round_.contest_id,
    )


def open_round(round_: JuryRound, actor: User, now: datetime | None = None) -> Assignment:
    """Take the round's entries in, assign them to the jurors and let judging start; returns the assignment."""
    _require_status(round_, RoundStatus.DRAFT)
    now = now or utcnow()
    if round_.kind is RoundKind.SCORING and not round_.criteria:
        raise RoundNotReady(_l("A scoring round needs at least one criterion."))
    if not active_jurors(round_):
        raise RoundNotReady(_l("Choose the round's jurors first."))
    entry_ids = candidate_entry_ids(round_)
    if not entry_ids:
        raise RoundNotReady(_l("There are no entries to judge in this round yet."))
    db.session.add_all(RoundEntry(round_id=round_.id, entry_id=entry_id) for entry_id in entry_ids)
    assignment = assign_round(round_, entry_ids)
    round_.status, round_.opened_at, round_.assigned_at = RoundStatus.OPEN, now, now
    db.session.flush()
    record_decision(
        actor,
        "round.open",
        "jury_round",
        round_.id,
        before={"status": "draft"},
        after={
            "status": "open",
            "entries": len(entry_ids),
            "reviews": len(assignment.pairs()),
            "shortfalls": {str(k): v for k, v in assignment.shortfalls.items()},
        },
        reason="; ".join(assignment.notes),
        contest_id=round_.contest_id,
    )
    return assignment


def close_round(round_: JuryRound, actor: User, now: datetime | None = None) -> None:
    """Stop judging; the chair can now see every score and decide who goes on."""
    _require_status(round_, RoundStatus.OPEN)
    round_.status, round_.closed_at = RoundStatus.CLOSED, now or utcnow()
    db.session.flush()
    record_decision(
        actor,
        "round.close",
        "jury_round",
        round_.id,
        before={"status": "open"},
        after={"status": "closed"},
        contest_id=round_.contest_id,
    )


def reopen_round(round_: JuryRound, actor: User, reason: str) -> None:
    """Take a closed round back to open (before anything was advanced), with a reason."""
    _require_status(round_, RoundStatus.CLOSED)
    if round_.advanced_at is not None:
        raise RoundLocked(_l("Entries have already been advanced from this round."))
    round_.status, round_.closed_at = RoundStatus.OPEN, None
    db.session.flush()
    record_decision(
        actor,
        "round.reopen",
        "jury_round",
        round_.id,
        before={"status": "closed"},
        after={"status": "open"},
        reason=reason,
        contest_id=round_.contest_id,
    )


def finalise_round(round_: JuryRound, actor: User, now: datetime | None = None) -> None:
    """Freeze a closed round: its scores and advancement can never change again."""
    _require_status(round_, RoundStatus.CLOSED)
    if round_.advanced_at is None and not is_last_round(round_):
        raise RoundNotReady(_l("Decide which entries advance before finalising this round."))
    round_.status, round_.finalised_at = RoundStatus.FINALISED, now or utcnow()
    db.session.flush()
    record_decision(
        actor,
        "round.finalise",
        "jury_round",
        round_.id,
        before={"status": "closed"},
        after={"status": "finalised"},
        contest_id=round_.contest_id,
    )


def candidate_entry_ids(round_: JuryRound) -> list[int]:
    """What the round judges: round 1 the category's accepted entries, later rounds what the one before advanced."""
    before = previous_round(round_)
    if before is None:
        query = select(Entry.id).where(Entry.category_id == round_.category_id, Entry.status == EntryStatus.ACCEPTED)
    else:
        if before.status is not RoundStatus.FINALISED:
            raise RoundNotReady(_l("Finalise the previous round first."))
        query = (
            select(RoundEntry.entry_id)
            .join(Entry, Entry.id == RoundEntry.entry_id)
            .where(RoundEntry.round_id == before.id, RoundEntry.is_advanced, Entry.status == EntryStatus.ACCEPTED)
        )
    return sorted(db.session.scalars(query))


def active_jurors(round_: JuryRound) -> list[RoundJuror]:
    """The round's jurors who have not dropped out."""
    return [seat for seat in round_.jurors if seat.dropped_out_at is None]


def round_progress(round_: JuryRound) -> dict[int, tuple[int, int]]:
    """Per juror id: (reviews completed, reviews assigned)."""
    rows = db.session.execute(
        select(Review.juror_id, func.count(Review.completed_at), func.count(Review.id))
        .where(Review.round_id == round_.id, Review.removed_at.is_(None))
        .group_by(Review.juror_id)
    )
    return {juror_id: (done, total) for juror_id, done, total in rows}


def _require_status(round_: JuryRound, *allowed: RoundStatus) -> None:
    if round_.status not in allowed:
        raise RoundLocked()


def _apply_settings(round_: JuryRound, settings: RoundSettings) -> None:
    for name, value in asdict(settings).items():
        if name != "criteria":
            setattr(round_, name, value)
    if settings.assignment_mode is AssignmentMode.ALL:
        round_.jurors_per_entry = None
    round_.criteria.clear()
    db.session.flush()
    round_.criteria.extend(
        Criterion(
            position=index,
            name_vi=c.name_vi,
            name_en=c.name_en,
            weight=c.weight,
            description_vi=c.description_vi,
            description_en=c.description_en,
        )
        for index, c in enumerate(settings.criteria if settings.kind is RoundKind.SCORING else (), start=1)
    )


def _settings_record(settings: RoundSettings) -> dict:
    record = asdict(settings)
    for key in ("opens_at", "closes_at"):
        record[key] = record[key].isoformat() if record[key] else None
    record["kind"], record["comment_mode"] = str(settings.kind), str(settings.comment_mode)
    record["assignment_mode"] = str(settings.assignment_mode)
    return record
