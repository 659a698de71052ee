"""Who judges what: balanced, deterministic and explainable assignment of entries to jurors.

Pure functions on plain data (no Flask, no database) so the rules can be property-tested and the
round services only store the result. Anything random comes from an explicit seed and ids are
sorted first, so the same inputs give the same assignment whatever order they arrive in, and a
chair can recompute it to check it.

Balance is made exact by a repair pass: a slot moves along a chain of jurors (A hands an entry to
B, B hands another one to C, ...) whenever the chain ends at a juror with at least two fewer
entries than where it starts. When no such chain is left, no assignment with the same coverage
has a lower maximum load or a higher minimum load (the chain test is the optimality condition of
the convex-cost flow behind the problem); without conflicts that means loads within one.
"""

from __future__ import annotations

import hashlib
import random
from collections import deque
from collections.abc import Collection, Hashable, Iterable
from dataclasses import dataclass

Id = Hashable  # juror and entry ids: ints or strings, sortable among themselves
Pair = tuple[Id, Id]  # (juror_id, entry_id), the shape of a conflict of interest

_TIE_BREAK = "ties broken by the seeded order"


@dataclass(frozen=True)
class Assignment:
    """Which jurors judge each entry, with every juror's load and the reason for every pair."""

    juror_ids: tuple[Id, ...]
    jurors_by_entry: dict[Id, tuple[Id, ...]]  # every entry of the round, even one nobody can judge
    per_entry: int | None  # None: every juror judges every entry
    seed: int | str | None
    loads: dict[Id, int]
    reasons: dict[Pair, str]  # (juror_id, entry_id) -> why this juror judges this entry
    shortfalls: dict[Id, int]  # entry_id -> jurors missing because too few were unconflicted
    notes: tuple[str, ...]  # the run-level decisions, oldest first, for the audit log

    def pairs(self) -> set[Pair]:
        """Every (juror_id, entry_id) pair, the shape the round services store."""
        return {(juror, entry) for entry, jurors in self.jurors_by_entry.items() for juror in jurors}

    def entries_for(self, juror_id: Id) -> list[Id]:
        """The entries one juror judges, in id order (see presentation_order for theirs)."""
        return [entry for entry, jurors in self.jurors_by_entry.items() if juror_id in jurors]

    def explain(self, entry_id: Id) -> list[str]:
        """Why each juror judges this entry, and why it has fewer jurors than asked, if it does."""
        lines = [f"juror {juror}: {self.reasons[(juror, entry_id)]}" for juror in self.jurors_by_entry[entry_id]]
        if missing := self.shortfalls.get(entry_id):
            lines.append(f"{missing} juror(s) short: not enough jurors without a conflict of interest")
        return lines


def assign_all(entry_ids: Iterable[Id], juror_ids: Iterable[Id], conflicts: Collection[Pair]) -> Assignment:
    """Every juror judges every entry, except the pairs with a conflict of interest."""
    board = _Board(entry_ids, juror_ids, conflicts)
    for entry in board.entries:
        for juror in board.jurors:
            if board.is_eligible(juror, entry):
                board.add(juror, entry, "every juror judges every entry in this round", movable=False)
    notes = [f"assign_all: {len(board.entries)} entries, {len(board.jurors)} jurors, all of them on every entry"]
    return board.freeze(None, None, notes)


def assign_balanced(
    entry_ids: Iterable[Id], juror_ids: Iterable[Id], per_entry: int, conflicts: Collection[Pair], seed: int | str
) -> Assignment:
    """Give each entry `per_entry` distinct unconflicted jurors with loads as even as the conflicts allow.

    An entry gets fewer jurors only when fewer are unconflicted, and `shortfalls` says so. Entries are
    taken in a seeded order and each takes the least loaded eligible jurors, ties broken by a seeded
    draw per entry (so the same jurors do not always judge together); the repair pass then removes
    any imbalance the conflicts caused.
    """
    if per_entry < 1:
        raise ValueError("per_entry must be at least 1")
    board = _Board(entry_ids, juror_ids, conflicts)
    rng = random.Random(f"{seed}:assign")
    order = _seeded_order(board.entries, rng)
    notes = [
        f"assign_balanced: {len(board.entries)} entries, {len(board.jurors)} jurors, {per_entry} per entry, "
        f"seed {seed!r}; entries taken in seeded order, each to the least loaded unconflicted jurors, {_TIE_BREAK}"
    ]
    _fill(board, order, per_entry, rng, {})
    notes.append(_repair_note(_repair(board, rng)))
    return board.freeze(per_entry, seed, notes)


def reassign_dropout(
    assignment: Assignment,
    juror_id: Id,
    conflicts: Collection[Pair],
    seed: int | str,
    *,
    movable: Collection[Pair] = (),
) -> Assignment:
    """Hand a departing juror's entries to the others, leaving every other pair where it was.

    Only the replacement pairs, plus any pair listed in `movable` (say, those nobody has scored
    yet), may move while loads are evened out. Stability has a price: with nothing else movable,
    loads can end two apart even without conflicts (5 entries, 7 jurors, 5 per entry); with every
    pair movable they are as even as the conflicts allow.
    """
    if juror_id not in assignment.juror_ids:
        raise ValueError(f"juror {juror_id!r} is not in this assignment")
    jurors = [juror for juror in assignment.juror_ids if juror != juror_id]
    note = f"juror {juror_id} dropped out: their entries reassigned with seed {seed!r}"
    return _rework(assignment, jurors, conflicts, f"{seed}:dropout:{juror_id}", movable, note, seed)


def rebalance(
    assignment: Assignment, conflicts: Collection[Pair], seed: int | str, *, movable: Collection[Pair] = ()
) -> Assignment:
    """Apply conflicts declared after assignment: drop those pairs and give the entries other jurors.

    Entries left short before (a conflict since withdrawn) are topped up too. As with a dropout,
    only the replacement pairs and those in `movable` may move.
    """
    note = f"rebalanced after conflicts of interest with seed {seed!r}"
    return _rework(assignment, list(assignment.juror_ids), conflicts, f"{seed}:rebalance", movable, note, seed)


def presentation_order(entry_ids_for_juror: Iterable[Id], juror_id: Id, round_seed: int | str) -> list[Id]:
    """The order one juror sees their entries in: shuffled per juror, recomputable to check a record.

    Each entry is ranked by a SHA-256 of (round seed, juror, entry), which does not depend on the
    Python version, and an entry added later (after a dropout) slots in without moving the others.
    """

    def rank(entry: Id) -> bytes:
        return hashlib.sha256(f"{round_seed}:{juror_id}:{entry}".encode()).digest()

    return sorted(sorted(entry_ids_for_juror), key=rank)


class _Board:
    """The working state: who is on which entry, who carries how much, and which slots may move."""

    def __init__(self, entry_ids: Iterable[Id], juror_ids: Iterable[Id], conflicts: Collection[Pair]) -> None:
        self.entries = _sorted_unique(entry_ids, "entry")
        self.jurors = _sorted_unique(juror_ids, "juror")
        juror_set, entry_set = set(self.jurors), set(self.entries)
        self.conflicted: dict[Id, set[Id]] = {}
        for juror, entry in conflicts:
            if juror in juror_set and entry in entry_set:
                self.conflicted.setdefault(entry, set()).add(juror)
        self.on: dict[Id, set[Id]] = {entry: set() for entry in self.entries}
        self.load: dict[Id, int] = dict.fromkeys(self.jurors, 0)
        self.movable: dict[Id, dict[Id, None]] = {juror: {} for juror in self.jurors}  # insertion-ordered
        self.reasons: dict[Pair, str] = {}

    def is_eligible(self, juror: Id, entry: Id) -> bool:
        """Whether the juror could take this entry: not on it already and no conflict."""
        return juror not in self.on[entry] and juror not in self.conflicted.get(entry, ())

    def add(self, juror: Id, entry: Id, reason: str, *, movable: bool) -> None:
        """Put a juror on an entry."""
        self.on[entry].add(juror)
        self.load[juror] += 1
        self.reasons[(juror, entry)] = reason
        if movable:
            self.movable[juror][entry] = None

    def move(self, giver: Id, entry: Id, taker: Id, reason: str) -> None:
        """Hand one entry from one juror to another; the new pair stays movable."""
        self.on[entry].remove(giver)
        self.load[giver] -= 1
        del self.reasons[(giver, entry)]
        del self.movable[giver][entry]
        self.add(taker, entry, reason, movable=True)

    def transferable(self, giver: Id, taker: Id) -> Id | None:
        """One movable entry of `giver` that `taker` could take over, the oldest first, or None."""
        conflicted = self.conflicted
        for entry in self.movable[giver]:
            if taker not in self.on[entry] and taker not in conflicted.get(entry, ()):
                return entry
        return None

    def freeze(self, per_entry: int | None, seed: int | str | None, notes: list[str]) -> Assignment:
        """The immutable result, with shortfalls counted against what each entry could have had."""
        wanted = len(self.jurors) if per_entry is None else per_entry
        shortfalls = {entry: wanted - len(self.on[entry]) for entry in self.entries if len(self.on[entry]) < wanted}
        if shortfalls:
            notes.append(f"{len(shortfalls)} entries have fewer than {wanted} jurors because of conflicts of interest")
        return Assignment(
            juror_ids=tuple(self.jurors),
            jurors_by_entry={entry: tuple(sorted(self.on[entry])) for entry in self.entries},
            per_entry=per_entry,
            seed=seed,
            loads=dict(self.load),
            reasons=self.reasons,
            shortfalls=shortfalls,
            notes=tuple(notes),
        )


def _sorted_unique(ids: Iterable[Id], kind: str) -> list[Id]:
    """Ids in sorted order, so the input order cannot change the result; a duplicate is a caller bug."""
    ordered = sorted(ids)
    if len(set(ordered)) != len(ordered):
        raise ValueError(f"duplicate {kind} ids")
    return ordered


def _seeded_order(items: list[Id], rng: random.Random) -> list[Id]:
    """A seeded shuffle built on random() alone, the one draw Python promises to keep across versions."""
    return sorted(items, key=lambda _: rng.random())


def _fill(board: _Board, order: list[Id], per_entry: int, rng: random.Random, replaced: dict[Id, str]) -> None:
    """Top each entry up to `per_entry` jurors, the least loaded eligible ones first."""
    load = board.load
    for entry in order:
        need = per_entry - len(board.on[entry])
        if need <= 0:
            continue
        candidates = [juror for juror in board.jurors if board.is_eligible(juror, entry)]
        # A fresh seeded draw per entry breaks ties, so equally loaded jurors are mixed across entries.
        candidates.sort(key=lambda juror: (load[juror], rng.random()))
        prefix = replaced.get(entry, "")
        for juror in candidates[:need]:
            reason = (
                f"{prefix}least loaded among {len(candidates)} unconflicted jurors "
                f"({load[juror]} entries at the time); {_TIE_BREAK}"
            )
            board.add(juror, entry, reason, movable=True)


def _repair(board: _Board, rng: random.Random) -> int:
    """Move slots along chains from heavy to light jurors until no chain gains anything; count moves."""
    ranked = _seeded_order(board.jurors, rng)
    moves = 0
    while path := _improving_path(board, ranked):
        source, target = path[0][0], path[-1][2]
        reason = (
            f"moved here to even out loads (juror {source} had {board.load[source]} entries, "
            f"juror {target} had {board.load[target]})"
        )
        # Last link first, so each juror takes an entry before the one in front hands theirs on.
        for giver, entry, taker in reversed(path):
            board.move(giver, entry, taker, f"{reason}; taken over from juror {giver}")
        moves += 1
    return moves


def _improving_path(board: _Board, ranked: list[Id]) -> list[tuple[Id, Id, Id]] | None:
    """A chain of (giver, entry, taker) links from a juror to one with two fewer entries, or None."""
    load = board.load
    lowest = min(load.values(), default=0)
    settled: set[Id] = set()
    for source in sorted(ranked, key=lambda juror: -load[juror]):
        if load[source] < lowest + 2:
            return None
        if source in settled:
            continue  # reachable from a heavier juror that found no chain, so it finds none either
        parents = _reachable(board, source, ranked, lowest)
        target = min(parents, key=load.__getitem__)  # dicts keep BFS order: shortest chain on ties
        if load[target] <= load[source] - 2:
            path = []
            while target != source:
                giver, entry = parents[target]
                path.append((giver, entry, target))
                target = giver
            return path[::-1]
        settled.update(parents)
    return None


def _reachable(board: _Board, source: Id, ranked: list[Id], lowest: int) -> dict[Id, tuple[Id, Id] | None]:
    """Breadth-first search over 'can take one of their movable entries'; stops at a lightest juror."""
    parents: dict[Id, tuple[Id, Id] | None] = {source: None}
    queue = deque([source])
    while queue:
        giver = queue.popleft()
        for taker in ranked:
            if taker in parents or (entry := board.transferable(giver, taker)) is None:
                continue
            parents[taker] = (giver, entry)
            if board.load[taker] == lowest:
                return parents
            queue.append(taker)
    return parents


def _rework(
    assignment: Assignment,
    juror_ids: list[Id],
    conflicts: Collection[Pair],
    rng_seed: str,
    movable: Collection[Pair],
    note: str,
    seed: int | str,
) -> Assignment:
    """Keep what still holds, refill the slots that opened, then repair with only some pairs movable."""
    board = _Board(assignment.jurors_by_entry, juror_ids, conflicts)
    allowed = set(juror_ids)
    movable = set(movable)
    replaced: dict[Id, list[str]] = {}
    for entry in board.entries:
        for juror in assignment.jurors_by_entry[entry]:
            if juror not in allowed:
                replaced.setdefault(entry, []).append(f"juror {juror} (dropped out)")
            elif juror in board.conflicted.get(entry, ()):
                replaced.setdefault(entry, []).append(f"juror {juror} (conflict of interest)")
            else:
                board.add(juror, entry, assignment.reasons[(juror, entry)], movable=(juror, entry) in movable)
    rng = random.Random(rng_seed)
    target = len(board.jurors) if assignment.per_entry is None else assignment.per_entry
    order = _seeded_order([entry for entry in board.entries if len(board.on[entry]) < target], rng)
    prefixes = {entry: f"replaces {', '.join(names)}: " for entry, names in replaced.items()}
    _fill(board, order, target, rng, prefixes)
    removed = sum(len(names) for names in replaced.values())
    notes = [*assignment.notes, f"{note}; {removed} pairs replaced", _repair_note(_repair(board, rng))]
    return board.freeze(assignment.per_entry, seed, notes)


def _repair_note(moves: int) -> str:
    """The audit line for the repair pass."""
    if moves == 0:
        return "loads already as even as the conflicts allow: no repair needed"
    return f"{moves} chain(s) of moves evened out loads left uneven by conflicts of interest"
