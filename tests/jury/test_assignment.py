"""Juror assignment: hand-worked examples, then the guarantees as hypothesis properties.

The balance guarantee is stated as the chain condition the repair pass establishes: no juror
can hand one of their movable entries, directly or through other jurors, to a juror with two
fewer entries. Without conflicts that means loads within one; the brute-force test checks on
tiny instances that it also means the most even loads any assignment could have.
"""

from __future__ import annotations

import itertools
import random
from collections import deque

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.jury.assignment import (
    Assignment,
    assign_all,
    assign_balanced,
    presentation_order,
    reassign_dropout,
    rebalance,
)

# No example database: it would leave a .hypothesis folder in the checkout.
PROPERTY = settings(database=None, deadline=None, max_examples=60)


# --- hand-worked examples ---------------------------------------------------------------------


def test_assign_balanced_six_entries_three_jurors_two_each_gives_everyone_four():
    result = assign_balanced(range(1, 7), ["an", "binh", "chi"], 2, set(), seed=1)

    assert result.loads == {"an": 4, "binh": 4, "chi": 4}
    assert all(len(set(jurors)) == 2 for jurors in result.jurors_by_entry.values())
    assert result.shortfalls == {}


def test_assign_balanced_one_conflict_keeps_loads_even():
    result = assign_balanced(range(1, 7), ["an", "binh", "chi"], 2, {("an", 1)}, seed=1)

    assert result.jurors_by_entry[1] == ("binh", "chi")
    assert result.loads == {"an": 4, "binh": 4, "chi": 4}
    assert ("an", 1) not in result.pairs()


def test_assign_balanced_juror_conflicted_with_everything_gets_nothing():
    conflicts = {("an", entry) for entry in range(1, 7)}

    result = assign_balanced(range(1, 7), ["an", "binh", "chi"], 2, conflicts, seed=1)

    assert result.loads == {"an": 0, "binh": 6, "chi": 6}
    assert result.shortfalls == {}


def test_assign_balanced_too_few_unconflicted_jurors_reports_the_shortfall():
    conflicts = {("an", entry) for entry in range(1, 7)}

    result = assign_balanced(range(1, 7), ["an", "binh", "chi"], 3, conflicts, seed=1)

    assert result.shortfalls == dict.fromkeys(range(1, 7), 1)
    assert "1 juror(s) short" in result.explain(1)[-1]


def test_assign_balanced_explains_every_pick():
    result = assign_balanced(range(1, 7), ["an", "binh", "chi"], 2, set(), seed=1)

    lines = result.explain(1)
    assert len(lines) == 2
    assert all("least loaded among 3 unconflicted jurors" in line for line in lines)
    assert all("ties broken by the seeded order" in line for line in lines)
    assert "seed 1" in result.notes[0]


def test_assign_balanced_rejects_duplicate_ids_and_zero_per_entry():
    with pytest.raises(ValueError, match="duplicate entry"):
        assign_balanced([1, 1], ["an"], 1, set(), seed=1)
    with pytest.raises(ValueError, match="per_entry"):
        assign_balanced([1], ["an"], 0, set(), seed=1)


def test_assign_all_gives_every_juror_every_entry_except_conflicts():
    result = assign_all([1, 2, 3], ["an", "binh"], {("binh", 2)})

    assert result.jurors_by_entry == {1: ("an", "binh"), 2: ("an",), 3: ("an", "binh")}
    assert result.loads == {"an": 3, "binh": 2}
    assert result.shortfalls == {2: 1}


def test_reassign_dropout_of_one_of_three_jurors_gives_the_others_everything():
    before = assign_balanced(range(1, 7), ["an", "binh", "chi"], 2, set(), seed=1)

    after = reassign_dropout(before, "chi", set(), seed=2)

    assert after.loads == {"an": 6, "binh": 6}
    assert after.juror_ids == ("an", "binh")
    replaced = next(entry for entry, jurors in before.jurors_by_entry.items() if "chi" in jurors)
    assert any("replaces juror chi (dropped out)" in line for line in after.explain(replaced))


def test_reassign_dropout_stable_can_leave_loads_two_apart_unless_other_pairs_may_move():
    before = assign_balanced(range(5), range(7), 5, set(), seed=5)

    stable = reassign_dropout(before, 0, set(), seed="x")
    flexible = reassign_dropout(before, 0, set(), seed="x", movable=before.pairs())

    assert max(stable.loads.values()) - min(stable.loads.values()) == 2
    assert max(flexible.loads.values()) - min(flexible.loads.values()) <= 1


def test_reassign_dropout_in_an_assign_all_round_expects_one_juror_fewer():
    before = assign_all([1, 2], ["an", "binh", "chi"], set())

    after = reassign_dropout(before, "binh", set(), seed=1)

    assert after.jurors_by_entry == {1: ("an", "chi"), 2: ("an", "chi")}
    assert after.shortfalls == {}


def test_rebalance_moves_a_slot_along_a_chain_when_no_direct_move_helps():
    # chi may not judge entries 1-3, so an's surplus reaches chi only through binh.
    before = _assignment({"an": [1, 2, 3], "binh": [4], "chi": []}, per_entry=1)
    conflicts = {("chi", 1), ("chi", 2), ("chi", 3)}

    after = rebalance(before, conflicts, seed=1, movable=before.pairs())

    assert sorted(after.loads.values()) == [1, 1, 2]
    assert after.loads["chi"] == 1
    assert "1 chain(s) of moves" in after.notes[-1]
    assert any("moved here to even out loads" in reason for reason in after.reasons.values())


def test_rebalance_replaces_a_newly_conflicted_pair_and_keeps_the_rest():
    before = assign_balanced(range(1, 7), ["an", "binh", "chi", "dung"], 2, set(), seed=3)
    juror = before.jurors_by_entry[1][0]

    after = rebalance(before, {(juror, 1)}, seed=4)

    assert juror not in after.jurors_by_entry[1]
    assert len(after.jurors_by_entry[1]) == 2
    assert before.pairs() - {(juror, 1)} <= after.pairs()
    assert any("conflict of interest" in line for line in after.explain(1))


def test_presentation_order_is_recomputable_and_per_juror():
    entries = list(range(1, 21))

    order_an = presentation_order(entries, "an", round_seed="r1")

    assert order_an == presentation_order(reversed(entries), "an", round_seed="r1")
    assert sorted(order_an) == entries
    assert order_an != presentation_order(entries, "binh", round_seed="r1")
    assert order_an != presentation_order(entries, "an", round_seed="r2")


# --- properties -------------------------------------------------------------------------------


@st.composite
def instances(draw, max_entries=300, max_jurors=20, max_per_entry=5):
    """Entries, jurors, per_entry, conflicts and a seed; conflicts sparse, dense or whole rows."""
    entries = list(range(1000, 1000 + draw(st.integers(0, max_entries))))
    jurors = [f"j{number:02d}" for number in range(draw(st.integers(1, max_jurors)))]
    per_entry = draw(st.integers(1, max_per_entry))
    density = draw(st.sampled_from([0.0, 0.0, 0.02, 0.2, 0.6]))
    rng = random.Random(draw(st.integers(0, 2**32)))
    conflicts = {(juror, entry) for juror in jurors for entry in entries if rng.random() < density}
    for juror in draw(st.sets(st.sampled_from(jurors), max_size=2)):  # jurors conflicted with everything
        conflicts |= {(juror, entry) for entry in entries}
    if entries:
        conflicts |= draw(st.sets(st.tuples(st.sampled_from(jurors), st.sampled_from(entries)), max_size=30))
    seed = draw(st.integers(0, 2**32) | st.text(max_size=6))
    return entries, jurors, per_entry, conflicts, seed


def _check_valid(result: Assignment, entries, jurors, per_entry, conflicts) -> None:
    """Coverage, distinct jurors, no conflicts, honest shortfalls, loads and reasons that add up."""
    assert sorted(result.jurors_by_entry) == sorted(entries)
    assert result.juror_ids == tuple(sorted(jurors))
    for entry, assigned in result.jurors_by_entry.items():
        available = [juror for juror in jurors if (juror, entry) not in conflicts]
        assert len(set(assigned)) == len(assigned)
        assert set(assigned) <= set(available)
        assert len(assigned) == min(per_entry, len(available))
        assert result.shortfalls.get(entry, 0) == per_entry - len(assigned)
    pairs = result.pairs()
    assert not pairs & set(conflicts)
    assert result.loads == {juror: sum(1 for owner, _ in pairs if owner == juror) for juror in jurors}
    assert set(result.reasons) == pairs


def _check_no_improving_chain(result: Assignment, conflicts, movable) -> None:
    """No juror reaches, by handing on movable entries, a juror with two fewer entries."""
    movable_by_juror = {juror: [entry for owner, entry in movable if owner == juror] for juror in result.juror_ids}
    for source in result.juror_ids:
        reached, queue = {source}, deque([source])
        while queue:
            giver = queue.popleft()
            for taker in result.juror_ids:
                if taker not in reached and any(
                    taker not in result.jurors_by_entry[entry] and (taker, entry) not in conflicts
                    for entry in movable_by_juror[giver]
                ):
                    reached.add(taker)
                    queue.append(taker)
        assert all(result.loads[source] <= result.loads[other] + 1 for other in reached), source


@PROPERTY
@given(instances())
def test_assign_balanced_covers_each_entry_with_distinct_unconflicted_jurors(instance):
    entries, jurors, per_entry, conflicts, seed = instance

    result = assign_balanced(entries, jurors, per_entry, conflicts, seed)

    _check_valid(result, entries, jurors, per_entry, conflicts)
    _check_no_improving_chain(result, conflicts, result.pairs())


@PROPERTY
@given(instances().map(lambda instance: (*instance[:3], set(), instance[4])))
def test_assign_balanced_without_conflicts_balances_within_one(instance):
    entries, jurors, per_entry, conflicts, seed = instance

    loads = assign_balanced(entries, jurors, per_entry, conflicts, seed).loads.values()

    assert max(loads) - min(loads) <= 1


@PROPERTY
@given(instances(max_entries=4, max_jurors=4, max_per_entry=3))
def test_assign_balanced_loads_are_the_most_even_possible(instance):
    entries, jurors, per_entry, conflicts, seed = instance
    options = [
        itertools.combinations(eligible, min(per_entry, len(eligible)))
        for eligible in ([juror for juror in jurors if (juror, entry) not in conflicts] for entry in entries)
    ]
    best = min(
        sorted((sum(juror in chosen for chosen in choice) for juror in jurors), reverse=True)
        for choice in itertools.product(*options)
    )

    result = assign_balanced(entries, jurors, per_entry, conflicts, seed)

    assert sorted(result.loads.values(), reverse=True) == best


@PROPERTY
@given(instances(), st.randoms(use_true_random=False))
def test_assign_balanced_is_deterministic_whatever_the_input_order(instance, rnd):
    entries, jurors, per_entry, conflicts, seed = instance
    shuffled_entries, shuffled_jurors, shuffled_conflicts = list(entries), list(jurors), list(conflicts)
    for items in (shuffled_entries, shuffled_jurors, shuffled_conflicts):
        rnd.shuffle(items)

    first = assign_balanced(entries, jurors, per_entry, conflicts, seed)

    assert assign_balanced(entries, jurors, per_entry, conflicts, seed) == first
    assert assign_balanced(shuffled_entries, shuffled_jurors, per_entry, shuffled_conflicts, seed) == first


@PROPERTY
@given(instances(max_entries=40, max_jurors=8))
def test_assign_balanced_different_seeds_mix_jurors_differently(instance):
    entries, jurors, per_entry, _, seed = instance
    results = {
        frozenset(assign_balanced(entries, jurors, per_entry, set(), f"{seed}:{attempt}").pairs())
        for attempt in range(5)
    }
    # With at least 8 entries and 4 jurors the seed has room to matter.
    if len(entries) >= 8 and len(jurors) >= 4 and per_entry < len(jurors):
        assert len(results) > 1


@PROPERTY
@given(instances(), st.data())
def test_reassign_dropout_keeps_other_pairs_and_the_guarantees(instance, data):
    entries, jurors, per_entry, conflicts, seed = instance
    before = assign_balanced(entries, jurors, per_entry, conflicts, seed)
    dropped = data.draw(st.sampled_from(jurors))
    remaining = [juror for juror in jurors if juror != dropped]

    after = reassign_dropout(before, dropped, conflicts, seed="dropout")

    kept = {(juror, entry) for juror, entry in before.pairs() if juror != dropped}
    assert kept <= after.pairs()
    _check_valid(after, entries, remaining, per_entry, conflicts)
    _check_no_improving_chain(after, conflicts, after.pairs() - kept)
    assert reassign_dropout(before, dropped, conflicts, seed="dropout") == after


@PROPERTY
@given(instances().map(lambda instance: (*instance[:3], set(), instance[4])), st.data())
def test_reassign_dropout_with_every_pair_movable_balances_within_one(instance, data):
    entries, jurors, per_entry, conflicts, seed = instance
    before = assign_balanced(entries, jurors, per_entry, conflicts, seed)
    dropped = data.draw(st.sampled_from(jurors))

    after = reassign_dropout(before, dropped, conflicts, seed="dropout", movable=before.pairs())

    if after.juror_ids:
        assert max(after.loads.values()) - min(after.loads.values()) <= 1


@PROPERTY
@given(instances(), st.data())
def test_rebalance_after_new_conflicts_keeps_the_rest_and_the_guarantees(instance, data):
    entries, jurors, per_entry, conflicts, seed = instance
    before = assign_balanced(entries, jurors, per_entry, conflicts, seed)
    pairs = sorted(before.pairs())
    declared = data.draw(st.sets(st.sampled_from(pairs), max_size=10)) if pairs else set()
    all_conflicts = conflicts | declared

    after = rebalance(before, all_conflicts, seed="late")

    kept = before.pairs() - declared
    assert kept <= after.pairs()
    _check_valid(after, entries, jurors, per_entry, all_conflicts)
    _check_no_improving_chain(after, all_conflicts, after.pairs() - kept)


@PROPERTY
@given(instances())
def test_rebalance_with_every_pair_movable_evens_out_conflict_skew(instance):
    entries, jurors, per_entry, conflicts, seed = instance
    before = assign_balanced(entries, jurors, per_entry, conflicts, seed)

    after = rebalance(before, set(), seed="lifted", movable=before.pairs())

    _check_valid(after, entries, jurors, per_entry, set())
    assert max(after.loads.values()) - min(after.loads.values()) <= 1


@PROPERTY
@given(st.lists(st.integers(), unique=True, max_size=60), st.integers() | st.text(max_size=6), st.randoms())
def test_presentation_order_is_a_stable_permutation_that_differs_between_jurors(entries, round_seed, rnd):
    shuffled = list(entries)
    rnd.shuffle(shuffled)

    order = presentation_order(entries, 7, round_seed)

    assert sorted(order) == sorted(entries)
    assert presentation_order(shuffled, 7, round_seed) == order
    if len(entries) >= 12:  # two jurors agree with probability 1/12! at most
        assert presentation_order(entries, 8, round_seed) != order


@PROPERTY
@given(st.lists(st.integers(), unique=True, min_size=1, max_size=60), st.integers())
def test_presentation_order_keeps_the_others_in_place_when_an_entry_is_added(entries, round_seed):
    *older, added = entries

    order = presentation_order(entries, "an", round_seed)

    assert [entry for entry in order if entry != added] == presentation_order(older, "an", round_seed)


def _assignment(entries_by_juror: dict[str, list[int]], per_entry: int) -> Assignment:
    """A hand-made assignment, for states assign_balanced would never produce."""
    pairs = {(juror, entry) for juror, owned in entries_by_juror.items() for entry in owned}
    entries = sorted({entry for _, entry in pairs})
    return Assignment(
        juror_ids=tuple(sorted(entries_by_juror)),
        jurors_by_entry={entry: tuple(sorted(j for j, e in pairs if e == entry)) for entry in entries},
        per_entry=per_entry,
        seed=None,
        loads={juror: len(owned) for juror, owned in entries_by_juror.items()},
        reasons=dict.fromkeys(pairs, "set by hand"),
        shortfalls={},
        notes=(),
    )
