"""Aggregation of jury scores against hand-computed rounds, published examples and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.jury.aggregation import (
    Method,
    Scale,
    ScoreSheet,
    TrimRule,
    aggregate_round,
    competition_ranks,
    icc_two_way_random,
    juror_distributions,
    juror_z_scores,
    kendalls_w,
    select_advancing,
)

# Criteria of the tiny round: content weighs 3, technique 1, normalised to 0.75 and 0.25.
TINY_WEIGHTS = {"content": 3, "technique": 1}
# (content, technique) per juror and entry; weighted = 0.75·content + 0.25·technique:
#   j1: A (9, 5) → 6.75 + 1.25 = 8   B (6, 6) → 6       C (3, 7) → 2.25 + 1.75 = 4   D (2, 2) → 2
#   j2: A (9, 9) → 9                 B (8, 4) → 6 + 1 = 7   C (5, 5) → 5             D (2, 6) → 1.5 + 1.5 = 3
#   j3: A (7, 3) → 5.25 + 0.75 = 6   B (7, 7) → 7       C (3, 3) → 3                 D (4, 4) → 4
TINY_SCORES = {
    "j1": {"A": (9, 5), "B": (6, 6), "C": (3, 7), "D": (2, 2)},
    "j2": {"A": (9, 9), "B": (8, 4), "C": (5, 5), "D": (2, 6)},
    "j3": {"A": (7, 3), "B": (7, 7), "C": (3, 3), "D": (4, 4)},
}
SQRT5, SQRT2_5 = math.sqrt(5), math.sqrt(2.5)


def tiny_sheet() -> ScoreSheet:
    """The 4-entry, 3-juror, 2-criterion round above."""
    rows = [
        (juror, entry, criterion, score)
        for juror, entries in TINY_SCORES.items()
        for entry, pair in entries.items()
        for criterion, score in zip(TINY_WEIGHTS, pair, strict=True)
    ]
    return ScoreSheet.from_rows(rows, TINY_WEIGHTS)


def sheet_from_matrix(matrix: list[list[float | None]], juror_ids=None) -> ScoreSheet:
    """A one-criterion sheet from a jurors × entries matrix (None = not scored); entries are 0..n−1."""
    juror_ids = juror_ids or [f"j{index}" for index in range(len(matrix))]
    rows = [
        (juror, entry, "overall", score)
        for juror, row in zip(juror_ids, matrix, strict=True)
        for entry, score in enumerate(row)
        if score is not None
    ]
    return ScoreSheet.from_rows(rows, {"overall": 1})


def test_weighted_scores_normalise_weights_and_combine_criteria():
    sheet = tiny_sheet()
    assert sheet.weights.tolist() == [0.75, 0.25]
    assert sheet.weighted_scores().tolist() == [[8, 6, 4, 2], [9, 7, 5, 3], [6, 7, 3, 4]]


def test_aggregate_round_tiny_round_means_ranks_and_standard_errors():
    results = aggregate_round(tiny_sheet())
    mean = results.methods[Method.MEAN]
    # A (8 + 9 + 6)/3 = 23/3, B (6 + 7 + 7)/3 = 20/3, C (4 + 5 + 3)/3 = 4, D (2 + 3 + 4)/3 = 3
    assert mean.values == pytest.approx([23 / 3, 20 / 3, 4, 3])
    assert mean.ranks.tolist() == [1, 2, 3, 4]
    assert results.jurors_per_entry.tolist() == [3, 3, 3, 3]
    # A: deviations 1/3, 4/3, −5/3 → s² = (1 + 16 + 25)/9/2 = 7/3, se = √(7/3 / 3) = √(7/9)
    assert mean.standard_errors[0] == pytest.approx(math.sqrt(7 / 9))
    # Three jurors are fewer than the default five: the trimmed mean is the mean.
    assert results.methods[Method.TRIMMED].values == pytest.approx(mean.values)
    assert results.ranking(Method.MEAN) == ["A", "B", "C", "D"]


def test_aggregate_round_tiny_round_trimmed_mean_is_the_median_of_three():
    results = aggregate_round(tiny_sheet(), TrimRule(proportion=0.1, min_jurors=3))
    # One juror dropped at each end of three: the median, A 8, B 7, C 4, D 3.
    assert results.methods[Method.TRIMMED].values.tolist() == [8, 7, 4, 3]


def test_juror_z_scores_tiny_round():
    z = juror_z_scores(tiny_sheet().weighted_scores())
    # j1 (8, 6, 4, 2): μ = 5, deviations (3, 1, −1, −3), σ² = 20/4 = 5; j2 is j1 + 1, so the same z.
    # j3 (6, 7, 3, 4): μ = 5, deviations (1, 2, −2, −1), σ² = 10/4 = 2.5.
    assert z[0] == pytest.approx([3 / SQRT5, 1 / SQRT5, -1 / SQRT5, -3 / SQRT5])
    assert z[1] == pytest.approx(z[0])
    assert z[2] == pytest.approx([1 / SQRT2_5, 2 / SQRT2_5, -2 / SQRT2_5, -1 / SQRT2_5])


def test_aggregate_round_tiny_round_z_score_means():
    results = aggregate_round(tiny_sheet())
    zscore = results.methods[Method.ZSCORE]
    # A (3/√5 + 3/√5 + 1/√2.5)/3 ≈ 1.1052, B (1/√5 + 1/√5 + 2/√2.5)/3 ≈ 0.7198, C = −B, D = −A
    a = (6 / SQRT5 + 1 / SQRT2_5) / 3
    b = (2 / SQRT5 + 2 / SQRT2_5) / 3
    assert zscore.values == pytest.approx([a, b, -b, -a])
    assert zscore.ranks.tolist() == [1, 2, 3, 4]


def test_aggregate_round_z_scores_correct_a_lenient_and_a_harsh_juror():
    # True qualities P0..P5 = 5, 7, 6, 4, 8, 3 (best: P4, P1, P2, P0, P3, P5).
    # The lenient juror adds 2 and sees P0..P3; the harsh one subtracts 2 and sees P2..P5.
    lenient = [7, 9, 8, 6, None, None]
    harsh = [None, None, 4, 2, 6, 1]
    results = aggregate_round(sheet_from_matrix([lenient, harsh], ["lenient", "harsh"]))
    # Raw means: P0 7, P1 9, P2 (8+4)/2 = 6, P3 (6+2)/2 = 4, P4 6, P5 1: P0 beats P2, P4 only ties P2.
    assert results.methods[Method.MEAN].values.tolist() == [7, 9, 6, 4, 6, 1]
    assert results.ranking(Method.MEAN) == [1, 0, 2, 4, 3, 5]
    assert results.methods[Method.MEAN].ranks.tolist() == [2, 1, 3, 5, 3, 6]
    # Lenient (7, 9, 8, 6): μ 7.5, σ² = (0.25 + 2.25 + 0.25 + 2.25)/4 = 1.25
    #   → z P0 −0.447, P1 1.342, P2 0.447, P3 −1.342
    # Harsh (4, 2, 6, 1): μ 3.25, σ² = (0.5625 + 1.5625 + 7.5625 + 5.0625)/4 = 3.6875 → z P2 0.391, P3 −0.651,
    # P4 1.432, P5 −1.172. Means: P4 1.432, P1 1.342, P2 0.419, P0 −0.447, P3 −0.996, P5 −1.172: the true order.
    s_l, s_h = math.sqrt(1.25), math.sqrt(3.6875)
    expected = [
        -0.5 / s_l,
        1.5 / s_l,
        (0.5 / s_l + 0.75 / s_h) / 2,
        (-1.5 / s_l - 1.25 / s_h) / 2,
        2.75 / s_h,
        -2.25 / s_h,
    ]
    assert results.methods[Method.ZSCORE].values == pytest.approx(expected)
    assert results.ranking(Method.ZSCORE) == [4, 1, 2, 0, 3, 5]


def test_kendalls_w_textbook_three_judges_four_items():
    # Ranks (1 = lowest) A 1 2 3 4, B 2 1 3 4, C 1 3 2 4 → rank sums 4, 6, 8, 12, mean 7.5,
    # S = 12.25 + 2.25 + 0.25 + 20.25 = 35, W = 12·35 / (3²·(4³ − 4)) = 420/540 = 7/9.
    w, reason = kendalls_w(np.array([[1, 2, 3, 4], [2, 1, 3, 4], [1, 3, 2, 4]], dtype=float))
    assert reason is None
    assert w == pytest.approx(7 / 9)


def test_kendalls_w_corrects_for_ties():
    # Scores (10, 8, 8, 5) → ranks (4, 2.5, 2.5, 1), T = 2³ − 2 = 6; (9, 9, 6, 4) → (3.5, 3.5, 2, 1), T = 6;
    # (7, 6, 5, 3) → (4, 3, 2, 1). Rank sums 11.5, 9, 6.5, 3; S = 16 + 2.25 + 1 + 20.25 = 39.5;
    # W = 12·39.5 / (9·60 − 3·12) = 474/504 (474/540 without the correction).
    w, _ = kendalls_w(np.array([[10, 8, 8, 5], [9, 9, 6, 4], [7, 6, 5, 3]], dtype=float))
    assert w == pytest.approx(474 / 504)


def test_aggregate_round_agreement_of_the_tiny_round():
    # Ranks j1 = j2 = (4, 3, 2, 1), j3 = (3, 4, 1, 2): sums 11, 10, 5, 4, S = 37, W = 444/540.
    assert aggregate_round(tiny_sheet()).agreement.kendall_w == pytest.approx(444 / 540)


def test_icc_two_way_random_matches_shrout_and_fleiss_table_4():
    # Shrout & Fleiss (1979), 6 targets rated by 4 judges; published ICC(2,1) = .29 and ICC(2,4) = .62,
    # from BMS 11.24, JMS 32.49, EMS 1.02: (11.24 − 1.02)/(11.24 + 3·1.02 + 4·(32.49 − 1.02)/6) = .2897.
    targets = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]
    single, average, reason = icc_two_way_random(np.array(targets, dtype=float).T)  # rows are judges
    assert reason is None
    assert round(single, 2) == 0.29
    assert round(average, 2) == 0.62
    assert single == pytest.approx(10.22 / 35.28, abs=1e-3)


def test_aggregate_round_missing_scores_are_left_out_and_listed():
    rows = [
        ("j1", "A", "content", 8), ("j1", "A", "technique", 8),
        ("j2", "A", "content", 6), ("j2", "A", "technique", 6),
        ("j1", "B", "content", 5), ("j1", "B", "technique", 5),
        ("j2", "B", "content", 9),  # technique missing: j2 did not finish B
        ("j3", "A", "content", 4), ("j3", "A", "technique", 4),  # j3 not assigned B
    ]  # fmt: skip
    sheet = ScoreSheet.from_rows(rows, {"content": 1, "technique": 1})
    results = aggregate_round(sheet)
    assert sheet.incomplete_pairs() == [("j2", "B")]
    assert results.jurors_per_entry.tolist() == [3, 1]
    assert results.methods[Method.MEAN].values.tolist() == [6, 5]  # A (8 + 6 + 4)/3; B only j1's 5
    assert math.isnan(results.methods[Method.MEAN].standard_errors[1])  # one juror: no spread to measure
    assert results.agreement.kendall_w is None
    assert results.agreement.kendall_w_reason == "incomplete design: 2 of 6 juror × entry scores missing"
    assert results.agreement.icc_single is None and results.agreement.icc_reason.startswith("incomplete")


def test_aggregate_round_entry_nobody_completed_is_unranked():
    rows = [("j1", "A", "content", 7), ("j1", "A", "technique", 7), ("j1", "B", "content", 9)]
    results = aggregate_round(ScoreSheet.from_rows(rows, {"content": 1, "technique": 1}))
    assert results.methods[Method.MEAN].ranks.tolist() == [1, 0]
    table = results.rows(Method.MEAN)
    assert [row.entry_id for row in table] == ["A", "B"]
    assert table[1].mean is None and table[1].ranks[Method.MEAN] is None and table[1].jurors == 0


def test_juror_z_scores_flat_or_single_score_juror_gets_zero():
    # j0 gives everything 6 (σ = 0), j1 scored one entry: neither says anything about the order.
    z = juror_z_scores(np.array([[6, 6, 6], [np.nan, 9, np.nan], [2, 4, 6]], dtype=float))
    assert z[0].tolist() == [0, 0, 0]
    assert z[1, 1] == 0 and np.isnan(z[1, [0, 2]]).all()
    # j2 (2, 4, 6): μ 4, σ = √(8/3)
    assert z[2] == pytest.approx([-2 / math.sqrt(8 / 3), 0, 2 / math.sqrt(8 / 3)])


def test_trimmed_scores_drop_one_at_each_end_from_five_jurors():
    # Five jurors: 1 and 10 dropped, (6 + 7 + 8)/3 = 7; winsorised (6, 6, 7, 8, 8): s_w² = 4/4 = 1,
    # se = s_w·√5/(5 − 2). Four jurors: nothing dropped, (6 + 7 + 8 + 10)/4 = 7.75.
    results = aggregate_round(sheet_from_matrix([[1, 6], [6, 7], [7, 8], [8, 10], [10, None]]))
    trimmed = results.methods[Method.TRIMMED]
    assert trimmed.values.tolist() == [7, 7.75]
    assert trimmed.standard_errors[0] == pytest.approx(math.sqrt(5) / 3)
    assert results.methods[Method.MEAN].values.tolist() == [6.4, 7.75]


def test_trim_rule_drops_a_proportion_of_large_panels():
    jurors = np.array([4, 5, 9, 10, 15, 3])
    assert TrimRule(0.2, 5).dropped_per_end(jurors).tolist() == [0, 1, 1, 2, 3, 0]
    assert TrimRule(0.0, 5).dropped_per_end(jurors).tolist() == [0] * 6
    assert TrimRule(0.5, 3).dropped_per_end(jurors).tolist() == [1, 2, 4, 4, 7, 1]  # one always kept


def test_competition_ranks_share_a_rank_and_skip_the_next():
    assert competition_ranks(np.array([9, 8, 8, 7])).tolist() == [1, 2, 2, 4]
    assert competition_ranks(np.array([5, 7, np.nan, 7, 3])).tolist() == [3, 1, 0, 1, 4]
    assert competition_ranks(np.array([0.1 + 0.2, 0.3])).tolist() == [1, 1]  # float noise is no tie-breaker


# Two jurors per entry, scores (m + d, m − d): mean m, s = d·√2, se = d.
# E1 (10, 8) 9 ± 1, E2 (8, 7) 7.5 ± 0.5, E3 (7.5, 6.5) 7 ± 0.5, E4 (5, 5) 5 ± 0.
# E1–E2: 1.5 ≥ √(1 + 0.25) = 1.118, E2–E3: 0.5 < √0.5 = 0.707 (tied), E3–E4: 2 ≥ 0.5, E1–E3: 2 ≥ 1.118.
TIE_MATRIX = [[10, 8, 7.5, 5], [8, 7, 6.5, 5]]


def test_aggregate_round_flags_statistically_tied_neighbours():
    results = aggregate_round(sheet_from_matrix(TIE_MATRIX))
    mean = results.methods[Method.MEAN]
    assert mean.standard_errors == pytest.approx([1, 0.5, 0.5, 0])
    assert mean.tied_with_next.tolist() == [False, True, False]
    assert mean.statistically_tied.tolist() == [False, True, True, False]
    assert results.tie_groups(Method.MEAN) == [(1, 2)]


def test_aggregate_round_single_juror_entries_borrow_the_pooled_standard_error():
    # E0 (10, 8) 9 ± 1 and E1 (8, 6) 7 ± 1, both s² = 2, pooled sd = √2; E2 has only j0's 6.5, se = √2/√1.
    # E0–E1: 2 ≥ √2; E1–E2: 0.5 < √(1 + 2): tied.
    mean = aggregate_round(sheet_from_matrix([[10, 8, 6.5], [8, 6, None]])).methods[Method.MEAN]
    assert math.isnan(mean.standard_errors[2])
    assert mean.tie_standard_errors == pytest.approx([1, 1, math.sqrt(2)])
    assert mean.tied_with_next.tolist() == [False, True]
    # No entry has two jurors, so no spread is known at all: the two are flagged rather than trusted.
    alone = aggregate_round(sheet_from_matrix([[5, None], [None, 9]])).methods[Method.MEAN]
    assert alone.tied_with_next.tolist() == [True]


def test_select_advancing_flags_ties_across_the_cut():
    results = aggregate_round(sheet_from_matrix(TIE_MATRIX))
    top_two = select_advancing(results, Method.MEAN, top_n=2)
    assert top_two.selected == {None: (0, 1)}
    assert top_two.tied_at_cut == {None: (1, 2)}  # E2 in, E3 out, 0.5 apart with se 0.5 each
    top_one = select_advancing(results, Method.MEAN, top_n=1)
    assert top_one.selected_ids == (0,) and top_one.tied_at_cut == {None: ()}
    assert "top 1" in top_one.description and "mean weighted score" in top_one.description


def test_select_advancing_cut_ties_reach_past_the_neighbour():
    # With z = 2: E1–E2 1.5 < 2·1.118 and E1–E3 2 < 2·1.118, so both E2 and E3 are tied with E1 at a top-1 cut.
    results = aggregate_round(sheet_from_matrix(TIE_MATRIX), tie_z=2.0)
    assert select_advancing(results, Method.MEAN, top_n=1).tied_at_cut == {None: (0, 1, 2)}


def test_select_advancing_threshold_and_exact_ties_at_the_cut():
    results = aggregate_round(sheet_from_matrix([[9, 8, 8, 7, 6], [9, 8, 8, 7, 6]]))
    assert select_advancing(results, Method.MEAN, top_n=2).selected_ids == (0, 1, 2)  # 1, 2, 2: both twos go
    by_threshold = select_advancing(results, Method.MEAN, threshold=7)
    assert by_threshold.selected_ids == (0, 1, 2, 3)
    assert "score ≥ 7" in by_threshold.description


def test_select_advancing_per_category():
    results = aggregate_round(sheet_from_matrix(TIE_MATRIX))
    categories = {0: "photo", 1: "video", 2: "photo", 3: "video"}
    advancement = select_advancing(results, Method.MEAN, top_n=1, categories=categories)
    assert advancement.selected == {"photo": (0,), "video": (1,)}
    assert advancement.tied_at_cut == {"photo": (), "video": ()}  # 9 vs 7 and 7.5 vs 5: clear
    with pytest.raises(ValueError):
        select_advancing(results, Method.MEAN, top_n=1, threshold=5)


def test_juror_distributions_summarise_on_the_scale():
    results = aggregate_round(tiny_sheet())
    first = juror_distributions(results, Scale(0, 10, 0.5))[0]  # j1: 8, 6, 4, 2
    assert (first.juror_id, first.count, first.mean, first.minimum, first.maximum) == ("j1", 4, 5, 2, 8)
    assert first.sd == pytest.approx(math.sqrt(5))
    assert len(first.counts) == 21 and first.bin_edges[0] == -0.25  # one bin per scale value
    assert [index for index, count in enumerate(first.counts) if count] == [4, 8, 12, 16]
    coarse = juror_distributions(results, Scale(0, 10, 0.5), bins=5)[1]  # j2: 9, 7, 5, 3
    assert coarse.counts == (0, 1, 1, 1, 1) and coarse.bin_edges == (0, 2, 4, 6, 8, 10)


def test_score_sheet_rejects_duplicates_and_unweighted_criteria():
    with pytest.raises(ValueError, match="twice"):
        ScoreSheet.from_rows([("j", "A", "c", 1), ("j", "A", "c", 2)], {"c": 1})
    with pytest.raises(ValueError, match="without a weight"):
        ScoreSheet.from_rows([("j", "A", "other", 1)], {"c": 1})
    with pytest.raises(ValueError, match="weights"):
        ScoreSheet.from_rows([("j", "A", "c", 1)], {"c": 0})


def test_score_sheet_from_arrays_matches_from_rows():
    rows = [(3, 10, 2, 7.0), (1, 10, 1, 5.0), (3, 11, 1, 6.0), (1, 11, 2, 4.0), (3, 10, 1, 8.0)]
    by_rows = ScoreSheet.from_rows(rows, {1: 2, 2: 1})
    by_arrays = ScoreSheet.from_arrays(*(np.array(column) for column in zip(*rows, strict=True)), weights={1: 2, 2: 1})
    assert by_rows.juror_ids == by_arrays.juror_ids == (1, 3)
    assert by_rows.entry_ids == by_arrays.entry_ids == (10, 11)
    np.testing.assert_array_equal(by_rows.scores, by_arrays.scores)


# Property tests: random rounds of up to 6 jurors and 8 entries on the 0–10 half-step scale, some unscored.
half_steps = st.integers(0, 20).map(lambda step: step / 2)
matrices = st.integers(1, 6).flatmap(
    lambda jurors: st.integers(1, 8).flatmap(
        lambda entries: st.lists(
            st.lists(st.one_of(st.none(), half_steps), min_size=entries, max_size=entries),
            min_size=jurors,
            max_size=jurors,
        )
    )
)


def _outcome(matrix, juror_ids=None) -> dict:
    """Every method's values and ranks and the agreement, keyed by entry."""
    results = aggregate_round(sheet_from_matrix(matrix, juror_ids))
    outcome = {"agreement": results.agreement}
    for method, scores in results.methods.items():
        outcome[method] = {
            entry: (None if math.isnan(value) else round(value, 9), rank)
            for entry, value, rank in zip(results.entry_ids, scores.values.tolist(), scores.ranks.tolist(), strict=True)
        }
    return outcome


@settings(max_examples=150, deadline=None)
@given(matrices, st.integers(-10, 10).map(lambda shift: shift / 2), st.data())
def test_z_score_means_ignore_a_jurors_constant_leniency(matrix, shift, data):
    juror = data.draw(st.integers(0, len(matrix) - 1))
    shifted = [row[:] for row in matrix]
    shifted[juror] = [None if score is None else score + shift for score in shifted[juror]]
    before = aggregate_round(sheet_from_matrix(matrix)).methods[Method.ZSCORE]
    after = aggregate_round(sheet_from_matrix(shifted)).methods[Method.ZSCORE]
    np.testing.assert_allclose(after.values, before.values, atol=1e-9)
    assert after.ranks.tolist() == before.ranks.tolist()


@settings(max_examples=150, deadline=None)
@given(matrices, st.randoms(use_true_random=False))
def test_aggregate_round_ignores_the_order_of_jurors(matrix, random):
    names = [f"j{index}" for index in range(len(matrix))]
    order = list(range(len(matrix)))
    random.shuffle(order)
    before = _outcome(matrix, names)
    after = _outcome([matrix[index] for index in order], [names[index] for index in order])
    for key in Method:
        assert after[key] == before[key]
    for field in ("kendall_w", "icc_single", "icc_average"):
        first, second = getattr(before["agreement"], field), getattr(after["agreement"], field)
        assert first == second or first == pytest.approx(second, abs=1e-9)


@settings(max_examples=150, deadline=None)
@given(matrices)
def test_aggregate_round_bounds_hold(matrix):
    results = aggregate_round(sheet_from_matrix(matrix))
    weighted = results.weighted
    scored = ~np.isnan(weighted).all(axis=0)
    if not scored.any():
        return
    for method in (Method.MEAN, Method.TRIMMED):
        values = results.methods[method].values[scored]
        assert (values >= np.nanmin(weighted[:, scored], axis=0) - 1e-9).all()
        assert (values <= np.nanmax(weighted[:, scored], axis=0) + 1e-9).all()
    for scores in results.methods.values():
        assert scores.ranks[scored].min() == 1 and (scores.ranks[~scored] == 0).all()
    if results.agreement.kendall_w is not None:
        assert -1e-9 <= results.agreement.kendall_w <= 1 + 1e-9
