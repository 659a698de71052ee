"""Voiding votes: one organiser proposes, a different one confirms; reversible; every step audited.

A proposal marks its votes with `voiding_id` (they stay valid and counted); confirming makes them
invalid and moves each entry's counters by atomic UPDATEs (valid - n, voided + n); reverting does the
exact opposite. Votes are never deleted. A vote's `voiding_id` points at the latest voiding that
concerned it; the audit records keep the full list of each proposal's votes.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from app.audit.services import record_decision
from app.auth.models import User
from app.contest.models import Contest
from app.core.errors import DomainError
from app.core.timeutil import utcnow
from app.entries.models import Entry
from app.extensions import db
from app.gallery.models import EntryVoteCount, VoidingStatus, Vote, VoteVoiding

REASON_MAX = 2000
MAX_VOTES_PER_VOIDING = 20_000


class VoidingRefused(DomainError):
    """A voiding step broke a rule (no reason, wrong votes, wrong state)."""

    status_code = 409
    code = "voiding_refused"
    default_message = _l("This voiding step is not possible.")


class SameOrganiser(VoidingRefused):
    """The organiser who proposed a voiding tried to confirm it."""

    status_code = 403
    code = "voiding_same_organiser"
    default_message = _l(
        "You proposed this voiding, so another organiser must confirm it: two people decide on voiding votes."
    )


def _reason(reason: str, message) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise VoidingRefused(message, field="reason")
    if len(reason) > REASON_MAX:
        raise VoidingRefused(_l("The reason is too long (at most %(max)d characters).", max=REASON_MAX), field="reason")
    return reason


def _entry_counts(voiding: VoteVoiding, valid: bool) -> dict[int, int]:
    """How many of the voiding's votes (valid or not) each entry has."""
    rows = db.session.execute(
        select(Vote.entry_id, func.count(Vote.id))
        .where(Vote.voiding_id == voiding.id, Vote.is_valid.is_(valid))
        .group_by(Vote.entry_id)
    ).all()
    return dict(rows)


def _codes(counts: dict[int, int]) -> dict[str, int]:
    codes = dict(db.session.execute(select(Entry.id, Entry.code).where(Entry.id.in_(list(counts)))).all())
    return {codes[entry_id]: n for entry_id, n in sorted(counts.items())}


def _move_status(voiding: VoteVoiding, expected: VoidingStatus, new: VoidingStatus, **values) -> None:
    """Change the voiding's status only if it is still `expected` (a concurrent second click loses)."""
    moved = db.session.execute(
        update(VoteVoiding)
        .where(VoteVoiding.id == voiding.id, VoteVoiding.status == expected)
        .values(status=new, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if moved != 1:
        raise VoidingRefused(_l("This voiding was changed by someone else meanwhile. Reload the page."))
    db.session.refresh(voiding)


def _move_votes(voiding: VoteVoiding, *, to_valid: bool) -> dict[int, int]:
    """Flip the voiding's votes and move each entry's counters by exactly the number flipped."""
    counts = _entry_counts(voiding, valid=not to_valid)
    if sum(counts.values()) != voiding.vote_count:
        raise VoidingRefused(_l("The votes of this voiding changed meanwhile; nothing was done. Reload the page."))
    sign = 1 if to_valid else -1
    for entry_id, n in counts.items():
        moved = db.session.execute(
            update(EntryVoteCount)
            .where(EntryVoteCount.entry_id == entry_id)
            .values(
                valid_votes=EntryVoteCount.valid_votes + sign * n,
                voided_votes=EntryVoteCount.voided_votes - sign * n,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        if moved != 1:
            raise VoidingRefused(_l("An entry's vote counter is missing; nothing was done."))
    db.session.execute(
        update(Vote)
        .where(Vote.voiding_id == voiding.id, Vote.is_valid.is_(not to_valid))
        .values(is_valid=to_valid)
        .execution_options(synchronize_session=False)
    )
    db.session.expire_all()
    return counts


def propose_voiding(
    contest: Contest, vote_ids: Iterable[int], actor: User, reason: str, flag_codes: str = ""
) -> VoteVoiding:
    """Propose voiding these valid votes of the contest; they stay counted until another organiser confirms."""
    reason = _reason(reason, _l("Give the reason for voiding these votes."))
    ids = sorted({int(i) for i in vote_ids})
    if not ids:
        raise VoidingRefused(_l("Choose at least one vote to void."), field="vote_ids")
    if len(ids) > MAX_VOTES_PER_VOIDING:
        raise VoidingRefused(_l("At most %(max)d votes can be voided at once.", max=MAX_VOTES_PER_VOIDING))
    flag_codes = (flag_codes or "").strip()[:200]
    rows = db.session.execute(
        select(Vote.id, Vote.entry_id, Vote.is_valid, VoteVoiding.status)
        .outerjoin(VoteVoiding, VoteVoiding.id == Vote.voiding_id)
        .where(Vote.id.in_(ids), Vote.contest_id == contest.id)
    ).all()
    if len(rows) != len(ids):
        raise VoidingRefused(_l("Some of the chosen votes are not votes of this contest."), field="vote_ids")
    if any(not row.is_valid for row in rows):
        raise VoidingRefused(_l("Some of the chosen votes are already voided."), field="vote_ids")
    if any(row.status is VoidingStatus.PROPOSED for row in rows):
        raise VoidingRefused(
            _l("Some of the chosen votes are already in a proposal waiting for confirmation."), field="vote_ids"
        )
    voiding = VoteVoiding(
        contest_id=contest.id,
        status=VoidingStatus.PROPOSED,
        reason=reason,
        flag_codes=flag_codes,
        vote_count=len(ids),
        proposed_by_id=actor.id,
        proposed_at=utcnow(),
    )
    db.session.add(voiding)
    db.session.flush()
    db.session.execute(
        update(Vote).where(Vote.id.in_(ids)).values(voiding_id=voiding.id).execution_options(synchronize_session=False)
    )
    per_entry: dict[int, int] = {}
    for row in rows:
        per_entry[row.entry_id] = per_entry.get(row.entry_id, 0) + 1
    record_decision(
        actor,
        "vote.void_propose",
        "vote_voiding",
        voiding.id,
        before={},
        after={
            "status": "proposed",
            "vote_count": len(ids),
            "entries": _codes(per_entry),
            "vote_ids": ids,
            "flag_codes": flag_codes,
        },
        reason=reason,
        contest_id=contest.id,
    )
    return voiding


def confirm_voiding(voiding: VoteVoiding, actor: User) -> VoteVoiding:
    """A second organiser confirms: the votes become invalid and leave the entries' valid counts."""
    if voiding.status is not VoidingStatus.PROPOSED:
        raise VoidingRefused(_l("Only a proposed voiding can be confirmed."))
    if voiding.proposed_by_id == actor.id:
        raise SameOrganiser()
    _move_status(
        voiding, VoidingStatus.PROPOSED, VoidingStatus.CONFIRMED, confirmed_by_id=actor.id, confirmed_at=utcnow()
    )
    counts = _move_votes(voiding, to_valid=False)
    record_decision(
        actor,
        "vote.void_confirm",
        "vote_voiding",
        voiding.id,
        before={"status": "proposed"},
        after={"status": "confirmed", "vote_count": voiding.vote_count, "entries": _codes(counts)},
        reason=voiding.reason,
        contest_id=voiding.contest_id,
    )
    return voiding


def reject_voiding(voiding: VoteVoiding, actor: User, reason: str) -> VoteVoiding:
    """Turn a proposal down (any organiser, the proposer included, to withdraw it); the votes stay valid."""
    reason = _reason(reason, _l("Give the reason for rejecting this proposal."))
    if voiding.status is not VoidingStatus.PROPOSED:
        raise VoidingRefused(_l("Only a proposed voiding can be rejected."))
    _move_status(
        voiding,
        VoidingStatus.PROPOSED,
        VoidingStatus.REJECTED,
        closed_by_id=actor.id,
        closed_at=utcnow(),
        close_reason=reason,
    )
    record_decision(
        actor,
        "vote.void_reject",
        "vote_voiding",
        voiding.id,
        before={"status": "proposed"},
        after={"status": "rejected", "vote_count": voiding.vote_count},
        reason=reason,
        contest_id=voiding.contest_id,
    )
    return voiding


def revert_voiding(voiding: VoteVoiding, actor: User, reason: str) -> VoteVoiding:
    """Undo a confirmed voiding: its votes are valid again and the counters move back exactly."""
    reason = _reason(reason, _l("Give the reason for restoring these votes."))
    if voiding.status is not VoidingStatus.CONFIRMED:
        raise VoidingRefused(_l("Only a confirmed voiding can be reverted."))
    _move_status(
        voiding,
        VoidingStatus.CONFIRMED,
        VoidingStatus.REVERTED,
        closed_by_id=actor.id,
        closed_at=utcnow(),
        close_reason=reason,
    )
    counts = _move_votes(voiding, to_valid=True)
    record_decision(
        actor,
        "vote.void_revert",
        "vote_voiding",
        voiding.id,
        before={"status": "confirmed"},
        after={"status": "reverted", "vote_count": voiding.vote_count, "entries": _codes(counts)},
        reason=reason,
        contest_id=voiding.contest_id,
    )
    return voiding


def voidings_of(contest: Contest) -> list[VoteVoiding]:
    """A contest's voidings, waiting proposals first, then the newest."""
    waiting = VoteVoiding.status == VoidingStatus.PROPOSED
    return list(
        db.session.scalars(
            select(VoteVoiding)
            .where(VoteVoiding.contest_id == contest.id)
            .order_by(waiting.desc(), VoteVoiding.proposed_at.desc(), VoteVoiding.id.desc())
        )
    )


def voided_votes(entry: Entry) -> int:
    """How many of an entry's votes have been voided (for the public entry page)."""
    return db.session.scalar(select(EntryVoteCount.voided_votes).where(EntryVoteCount.entry_id == entry.id)) or 0
