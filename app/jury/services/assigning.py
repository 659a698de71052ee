"""Assignment as rows: conflicts of interest gathered, `app.jury.assignment` run, reviews stored and kept in step.

A review is never deleted: a pair taken away (conflict declared late, juror dropped out) gets
removed_at, and a pair given back is revived, so every score a juror gave stays on record.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit.services import record_decision
from app.auth.models import User
from app.contest.models import Contest
from app.core.search import fold_for_search
from app.core.timeutil import utcnow
from app.entries.models import Entry, EntryMember
from app.extensions import db
from app.jury.assignment import Assignment, assign_all, assign_balanced, presentation_order, reassign_dropout, rebalance
from app.jury.models import (
    AssignmentMode,
    Conflict,
    ConflictSource,
    JuryRound,
    Review,
    RoundEntry,
    RoundJuror,
    RoundStatus,
)
from app.jury.services.errors import RoundLocked, RoundNotReady

Pair = tuple[int, int]  # (juror user id, entry id)


def assign_round(round_: JuryRound, entry_ids: list[int]) -> Assignment:
    """Assign a round's entries to its active jurors and store one review per pair."""
    juror_ids = [seat.user_id for seat in round_.jurors if seat.dropped_out_at is None]
    conflicts = conflict_pairs(round_.contest, juror_ids, entry_ids)
    if round_.assignment_mode is AssignmentMode.BALANCED:
        assignment = assign_balanced(entry_ids, juror_ids, round_.jurors_per_entry, conflicts, round_.seed)
    else:
        assignment = assign_all(entry_ids, juror_ids, conflicts)
    _store(round_, assignment, "")
    return assignment


def conflict_pairs(contest: Contest, juror_ids: Iterable[int], entry_ids: Iterable[int]) -> set[Pair]:
    """Every (juror, entry) pair that must not meet: declared per entry, linked per entrant, or name-linked.

    A juror is linked to an entry automatically when the entry's credit name or a group member's
    name is the juror's own name (compared without case or diacritics).
    """
    juror_ids, entry_ids = set(juror_ids), set(entry_ids)
    pairs: set[Pair] = set()
    entrant_of = dict(db.session.execute(select(Entry.id, Entry.entrant_id).where(Entry.id.in_(entry_ids))).all())
    entries_of_entrant: dict[int, list[int]] = defaultdict(list)
    for entry_id, entrant_id in entrant_of.items():
        entries_of_entrant[entrant_id].append(entry_id)
    for conflict in db.session.scalars(
        select(Conflict).where(Conflict.contest_id == contest.id, Conflict.juror_id.in_(juror_ids))
    ):
        if conflict.entry_id is not None and conflict.entry_id in entry_ids:
            pairs.add((conflict.juror_id, conflict.entry_id))
        for entry_id in entries_of_entrant.get(conflict.entrant_id, ()):
            pairs.add((conflict.juror_id, entry_id))
    pairs |= _name_linked_pairs(juror_ids, entry_ids)
    return pairs


def _name_linked_pairs(juror_ids: set[int], entry_ids: set[int]) -> set[Pair]:
    names = {
        juror_id: fold_for_search(name)
        for juror_id, name in db.session.execute(select(User.id, User.full_name).where(User.id.in_(juror_ids)))
    }
    jurors_named: dict[str, list[int]] = defaultdict(list)
    for juror_id, name in names.items():
        jurors_named[name].append(juror_id)
    credits = db.session.execute(select(Entry.id, Entry.credit_name).where(Entry.id.in_(entry_ids))).all()
    members = db.session.execute(
        select(EntryMember.entry_id, EntryMember.name).where(EntryMember.entry_id.in_(entry_ids))
    )
    return {
        (juror_id, entry_id)
        for entry_id, name in [*credits, *members]
        for juror_id in jurors_named.get(fold_for_search(name), ())
    }


def declare_conflict(review: Review, juror: User, reason: str) -> None:
    """A juror says they cannot judge this entry fairly: the pair goes and the entry gets another juror."""
    round_ = review.round
    if round_.status not in (RoundStatus.DRAFT, RoundStatus.OPEN):
        raise RoundLocked()
    if not reason.strip():
        raise RoundNotReady(_l("Say briefly why you cannot judge this entry."))
    db.session.add(
        Conflict(
            contest_id=round_.contest_id,
            juror_id=juror.id,
            entry_id=review.entry_id,
            source=ConflictSource.DECLARED,
            reason=reason.strip(),
            created_by_id=juror.id,
        )
    )
    db.session.flush()
    _rework_after_conflicts(round_, juror, f"conflict declared by juror {juror.id}", reason)


def link_juror_to_entrant(contest: Contest, juror: User, entrant: User, reason: str, actor: User) -> Conflict:
    """An organiser records that a juror and an entrant are linked; open rounds are rebalanced."""
    conflict = Conflict(
        contest_id=contest.id,
        juror_id=juror.id,
        entrant_id=entrant.id,
        source=ConflictSource.LINKED,
        reason=reason.strip(),
        created_by_id=actor.id,
    )
    db.session.add(conflict)
    db.session.flush()
    record_decision(
        actor,
        "jury.conflict_link",
        "user",
        juror.id,
        before={},
        after={"entrant_id": entrant.id},
        reason=reason,
        contest_id=contest.id,
    )
    for round_ in db.session.scalars(
        select(JuryRound).where(JuryRound.contest_id == contest.id, JuryRound.status == RoundStatus.OPEN)
    ):
        _rework_after_conflicts(round_, actor, f"juror {juror.id} linked to an entrant", reason, audit=False)
    return conflict


def drop_out_juror(round_: JuryRound, juror: User, reason: str, actor: User) -> Assignment:
    """A juror leaves an open round: their unfinished and finished reviews go to the others."""
    if round_.status is not RoundStatus.OPEN:
        raise RoundLocked()
    seat = db.session.scalar(select(RoundJuror).where(RoundJuror.round_id == round_.id, RoundJuror.user_id == juror.id))
    if seat is None or seat.dropped_out_at is not None:
        raise RoundNotReady(_l("This juror is not serving in the round."))
    current = stored_assignment(round_)
    conflicts = conflict_pairs(round_.contest, current.juror_ids, current.jurors_by_entry)
    updated = reassign_dropout(current, juror.id, conflicts, round_.seed, movable=_unscored_pairs(round_))
    seat.dropped_out_at, seat.dropout_reason = utcnow(), reason
    _store(round_, updated, f"juror {juror.id} dropped out: {reason}")
    record_decision(
        actor,
        "round.dropout",
        "jury_round",
        round_.id,
        before={"juror_id": juror.id},
        after={"reviews": len(updated.pairs())},
        reason="; ".join((reason, *updated.notes[-1:])),
        contest_id=round_.contest_id,
    )
    return updated


def stored_assignment(round_: JuryRound) -> Assignment:
    """The round's active reviews as an Assignment, so the pure rework functions can change it."""
    juror_ids = tuple(sorted(seat.user_id for seat in round_.jurors if seat.dropped_out_at is None))
    entry_ids = db.session.scalars(select(RoundEntry.entry_id).where(RoundEntry.round_id == round_.id)).all()
    jurors_by_entry: dict[int, list[int]] = {entry_id: [] for entry_id in sorted(entry_ids)}
    reasons, loads = {}, dict.fromkeys(juror_ids, 0)
    for juror_id, entry_id, reason in db.session.execute(
        select(Review.juror_id, Review.entry_id, Review.reason).where(
            Review.round_id == round_.id, Review.removed_at.is_(None)
        )
    ):
        jurors_by_entry.setdefault(entry_id, []).append(juror_id)
        reasons[(juror_id, entry_id)] = reason
        loads[juror_id] = loads.get(juror_id, 0) + 1
    per_entry = round_.jurors_per_entry if round_.assignment_mode is AssignmentMode.BALANCED else None
    shortfalls = {e: per_entry - len(j) for e, j in jurors_by_entry.items() if per_entry and len(j) < per_entry}
    return Assignment(
        juror_ids=tuple(sorted(set(juror_ids) | {j for js in jurors_by_entry.values() for j in js})),
        jurors_by_entry={entry: tuple(sorted(jurors)) for entry, jurors in jurors_by_entry.items()},
        per_entry=per_entry,
        seed=round_.seed,
        loads=loads,
        reasons=reasons,
        shortfalls=shortfalls,
        notes=(),
    )


def _rework_after_conflicts(round_: JuryRound, actor: User, why: str, reason: str, *, audit: bool = True) -> None:
    current = stored_assignment(round_)
    conflicts = conflict_pairs(round_.contest, current.juror_ids, current.jurors_by_entry)
    if round_.assignment_mode is AssignmentMode.BALANCED:
        updated = rebalance(current, conflicts, round_.seed, movable=_unscored_pairs(round_))
    else:
        updated = assign_all(current.jurors_by_entry, current.juror_ids, conflicts)
    _store(round_, updated, f"{why}: {reason}")
    if audit:
        record_decision(
            actor,
            "round.conflict",
            "jury_round",
            round_.id,
            before={},
            after={"reviews": len(updated.pairs())},
            reason=f"{why}: {reason}",
            contest_id=round_.contest_id,
        )


def _unscored_pairs(round_: JuryRound) -> set[Pair]:
    """Pairs nobody has started on: free to move while loads are evened out."""
    rows = db.session.execute(
        select(Review.juror_id, Review.entry_id).where(
            Review.round_id == round_.id, Review.removed_at.is_(None), Review.updated_at.is_(None)
        )
    )
    return {(juror_id, entry_id) for juror_id, entry_id in rows}


def _store(round_: JuryRound, assignment: Assignment, removal_reason: str) -> None:
    """Make the round's reviews match the assignment, then renumber every juror's presentation order."""
    wanted = assignment.pairs()
    existing = {
        (r.juror_id, r.entry_id): r for r in db.session.scalars(select(Review).where(Review.round_id == round_.id))
    }
    now = utcnow()
    for pair, review in existing.items():
        if pair not in wanted and review.removed_at is None:
            review.removed_at, review.removed_reason = now, removal_reason
        elif pair in wanted and review.removed_at is not None:
            review.removed_at, review.removed_reason = None, ""
    by_juror: dict[int, list[int]] = defaultdict(list)
    for juror_id, entry_id in wanted:
        by_juror[juror_id].append(entry_id)
    for juror_id, entries in sorted(by_juror.items()):
        for position, entry_id in enumerate(presentation_order(entries, juror_id, round_.seed), start=1):
            review = existing.get((juror_id, entry_id))
            if review is None:
                review = Review(
                    round_id=round_.id,
                    juror_id=juror_id,
                    entry_id=entry_id,
                    position=position,
                    reason=assignment.reasons.get((juror_id, entry_id), ""),
                )
                db.session.add(review)
            review.position = position
    db.session.flush()
