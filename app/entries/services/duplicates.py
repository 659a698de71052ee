"""The same photo entered twice: exact copies (equal SHA-256) and near copies (close perceptual hashes).

Searched across every contest and entry except withdrawn ones (a withdrawn entry competes for
nothing). Exact pairs cover photos and videos; near pairs photos only. Two photos of the same
entry are never a near pair (a series may hold similar frames), but the same bytes twice are an
exact pair wherever they are. Pairs an organiser judged "not a duplicate" are not shown again.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from app.audit.services import record_decision
from app.auth.models import User
from app.contest.models import Contest
from app.core.errors import DomainError
from app.core.timeutil import utcnow
from app.entries.models import DuplicateDecision, DuplicateVerdict, Entry, EntryFile, EntryStatus
from app.extensions import db
from app.media.images import NEAR_DUPLICATE_DISTANCE, close_pairs, hashes_to_array
from app.media.models import MediaAsset, MediaKind, StoredFile

EXACT = "exact"
NEAR = "near"
NOTE_MAX = 1000


class NotAPair(DomainError):
    """A decision must name two different media assets that belong to entries."""

    status_code = 400
    code = "not_a_pair"
    default_message = _l("These two files are not a pair of entered files.")


@dataclass(frozen=True)
class _Candidate:
    """One entered file, as the search sees it: ids and hashes only."""

    asset_id: str
    entry_id: int
    contest_id: int
    sha256: str | None
    phash: str | None
    is_photo: bool


@dataclass(frozen=True)
class PairRef:
    """A pair found by the search, by ids: asset_a_id < asset_b_id."""

    kind: str  # EXACT or NEAR
    distance: int
    asset_a_id: str
    asset_b_id: str
    entry_a_id: int
    entry_b_id: int

    @property
    def sort_key(self) -> tuple:
        return (0 if self.kind == EXACT else 1, self.distance, self.asset_a_id, self.asset_b_id)


@dataclass(frozen=True)
class PairSide:
    """One side of a pair, loaded for display: the entry and its file."""

    entry: Entry
    file: EntryFile

    @property
    def asset(self) -> MediaAsset:
        return self.file.asset


@dataclass(frozen=True)
class DuplicatePair:
    """A pair to show: both sides (earlier-submitted entry first), kind, distance and any verdict."""

    kind: str
    distance: int
    first: PairSide
    second: PairSide
    verdict: DuplicateVerdict | None

    @property
    def asset_ids(self) -> tuple[str, str]:
        """The two asset ids, lower first (as decisions store them)."""
        return ordered_pair(self.first.asset.id, self.second.asset.id)


@dataclass(frozen=True)
class DuplicateReport:
    """The pairs for one page: the first `limit` of `total`, best evidence first."""

    pairs: list[DuplicatePair]
    total: int


def ordered_pair(first_id: str, second_id: str) -> tuple[str, str]:
    """The two asset ids as a decision stores them: the lower first."""
    return (first_id, second_id) if first_id < second_id else (second_id, first_id)


def pair_subject_id(asset_a_id: str, asset_b_id: str) -> str:
    """The audit subject of a pair: both asset ids, in order."""
    return f"{asset_a_id}:{asset_b_id}"


def _candidates() -> list[_Candidate]:
    """Every file of every entry that is not withdrawn, with what the search compares."""
    rows = db.session.execute(
        select(
            MediaAsset.id, EntryFile.entry_id, Entry.contest_id, StoredFile.sha256, MediaAsset.phash, MediaAsset.kind
        )
        .join(EntryFile, EntryFile.asset_id == MediaAsset.id)
        .join(Entry, Entry.id == EntryFile.entry_id)
        .outerjoin(StoredFile, StoredFile.id == MediaAsset.original_id)
        .where(Entry.status != EntryStatus.WITHDRAWN)
        .order_by(MediaAsset.id)
    )
    return [
        _Candidate(asset_id, entry_id, contest_id, sha256, phash, kind == MediaKind.PHOTO)
        for asset_id, entry_id, contest_id, sha256, phash, kind in rows
    ]


def _pair(kind: str, distance: int, one: _Candidate, other: _Candidate) -> PairRef:
    first, second = (one, other) if one.asset_id < other.asset_id else (other, one)
    return PairRef(kind, distance, first.asset_id, second.asset_id, first.entry_id, second.entry_id)


def _exact_pairs(candidates: list[_Candidate]) -> list[PairRef]:
    by_digest: dict[str, list[_Candidate]] = defaultdict(list)
    for candidate in candidates:
        if candidate.sha256:
            by_digest[candidate.sha256].append(candidate)
    return [_pair(EXACT, 0, one, other) for group in by_digest.values() for one, other in combinations(group, 2)]


def _near_pairs(candidates: list[_Candidate], max_distance: int) -> list[PairRef]:
    photos = [c for c in candidates if c.is_photo and c.phash]
    found = close_pairs(hashes_to_array([c.phash for c in photos]), max_distance)
    pairs = []
    for i, j, distance in found:
        one, other = photos[i], photos[j]
        if one.entry_id == other.entry_id or (one.sha256 and one.sha256 == other.sha256):
            continue
        pairs.append(_pair(NEAR, distance, one, other))
    return pairs


def find_duplicate_pairs(
    contest: Contest | None = None, *, max_distance: int = NEAR_DUPLICATE_DISTANCE
) -> list[PairRef]:
    """Exact and near pairs among all entered files, minus those judged "not a duplicate".

    With a contest, only pairs with at least one side in it (its entries are still compared with
    every other contest's, so a work entered again a year later is found). Exact pairs come first,
    then by distance.
    """
    candidates = _candidates()
    pairs = _exact_pairs(candidates) + _near_pairs(candidates, max_distance)
    if contest is not None:
        contest_of = {c.asset_id: c.contest_id for c in candidates}
        pairs = [p for p in pairs if contest.id in (contest_of[p.asset_a_id], contest_of[p.asset_b_id])]
    dismissed = {
        tuple(row)
        for row in db.session.execute(
            select(DuplicateDecision.asset_a_id, DuplicateDecision.asset_b_id).where(
                DuplicateDecision.verdict == DuplicateVerdict.NOT_DUPLICATE
            )
        )
    }
    return sorted((p for p in pairs if (p.asset_a_id, p.asset_b_id) not in dismissed), key=lambda p: p.sort_key)


def load_pairs(refs: list[PairRef]) -> list[DuplicatePair]:
    """The pairs with their entries, files, contests and assets loaded in a few queries."""
    entry_ids = {ref.entry_a_id for ref in refs} | {ref.entry_b_id for ref in refs}
    entries = {
        entry.id: entry
        for entry in db.session.scalars(
            select(Entry)
            .where(Entry.id.in_(entry_ids))
            .options(
                joinedload(Entry.contest),
                selectinload(Entry.files).joinedload(EntryFile.asset).joinedload(MediaAsset.original),
            )
        )
    }
    files = {f.asset_id: f for entry in entries.values() for f in entry.files}
    asset_ids = {ref.asset_a_id for ref in refs} | {ref.asset_b_id for ref in refs}
    verdicts = {
        (d.asset_a_id, d.asset_b_id): d.verdict
        for d in db.session.scalars(select(DuplicateDecision).where(DuplicateDecision.asset_a_id.in_(asset_ids)))
    }
    pairs = []
    for ref in refs:
        one = PairSide(entries[ref.entry_a_id], files[ref.asset_a_id])
        other = PairSide(entries[ref.entry_b_id], files[ref.asset_b_id])
        first, second = sorted((one, other), key=lambda side: (side.entry.submitted_at, side.entry.id))
        verdict = verdicts.get((ref.asset_a_id, ref.asset_b_id))
        pairs.append(DuplicatePair(ref.kind, ref.distance, first, second, verdict))
    return pairs


def duplicate_report(contest: Contest | None = None, *, limit: int = 200) -> DuplicateReport:
    """The pairs an organiser should look at (of one contest, or all), the first `limit` loaded for display."""
    refs = find_duplicate_pairs(contest)
    return DuplicateReport(pairs=load_pairs(refs[:limit]), total=len(refs))


def decide_duplicate(
    first: MediaAsset, second: MediaAsset, verdict: DuplicateVerdict, actor: User, note: str = ""
) -> DuplicateDecision:
    """Record (or change) an organiser's verdict on a pair of entered files, audited. Flushes."""
    if first.id == second.id:
        raise NotAPair()
    asset_a_id, asset_b_id = ordered_pair(first.id, second.id)
    files = {
        f.asset_id: f
        for f in db.session.scalars(
            select(EntryFile)
            .where(EntryFile.asset_id.in_((asset_a_id, asset_b_id)))
            .options(joinedload(EntryFile.entry))
        )
    }
    if len(files) != 2:
        raise NotAPair()
    decision = db.session.scalar(
        select(DuplicateDecision).where(
            DuplicateDecision.asset_a_id == asset_a_id, DuplicateDecision.asset_b_id == asset_b_id
        )
    )
    before = {"verdict": decision.verdict.value} if decision else {}
    if decision is None:
        decision = DuplicateDecision(asset_a_id=asset_a_id, asset_b_id=asset_b_id)
        db.session.add(decision)
    decision.verdict = verdict
    decision.decided_by_id = actor.id
    decision.decided_at = utcnow()
    decision.note = note[:NOTE_MAX]
    db.session.flush()
    entry_a, entry_b = files[asset_a_id].entry, files[asset_b_id].entry
    record_decision(
        actor,
        "duplicate.decide",
        "asset_pair",
        pair_subject_id(asset_a_id, asset_b_id),
        before=before,
        after={
            "verdict": verdict.value,
            "asset_a": asset_a_id,
            "asset_b": asset_b_id,
            "entries": [entry_a.code, entry_b.code],
        },
        reason=decision.note,
        contest_id=max((entry_a, entry_b), key=lambda e: (e.submitted_at, e.id)).contest_id,
    )
    return decision
