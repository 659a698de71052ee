"""A round's scores as a dense juror × entry × criterion cube, and the weighted score per juror and entry."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

# An id range up to this many times the number of rows is indexed with a lookup table instead of a sort.
_DENSE_RANGE_FACTOR = 4


@dataclass(frozen=True)
class Scale:
    """The range and step of a round's scores, e.g. 0–10 in steps of 0.5."""

    minimum: float
    maximum: float
    step: float

    def values(self) -> np.ndarray:
        """Every score the scale allows, lowest first."""
        count = round((self.maximum - self.minimum) / self.step) + 1
        return self.minimum + self.step * np.arange(count)


@dataclass(frozen=True, eq=False)
class ScoreSheet:
    """Scores of one round: `scores[j, e, c]` is juror j's score of entry e on criterion c, NaN where missing.

    `weights` are normalised to sum to 1, in the order of `criterion_ids`.
    """

    juror_ids: tuple
    entry_ids: tuple
    criterion_ids: tuple
    weights: np.ndarray
    scores: np.ndarray

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[Hashable, Hashable, Hashable, float]], weights: Mapping) -> ScoreSheet:
        """Build a sheet from (juror, entry, criterion, score) rows and {criterion: weight}."""
        rows = list(rows)
        columns = list(zip(*rows, strict=True)) if rows else [(), (), (), ()]
        return cls.from_arrays(*columns, weights=weights)

    @classmethod
    def from_arrays(cls, jurors: Sequence, entries: Sequence, criteria: Sequence, scores: Sequence, weights: Mapping):
        """Build a sheet from four parallel columns (numpy arrays are fastest) and {criterion: weight}.

        Criteria are those of `weights`, in its order; a score on another criterion, a duplicate
        (juror, entry, criterion) or a negative or all-zero weight raises ValueError.
        """
        criterion_ids = tuple(weights)
        weight_array = np.array([float(weights[c]) for c in criterion_ids])
        if not criterion_ids or (weight_array < 0).any() or weight_array.sum() <= 0:
            raise ValueError("criteria need non-negative weights with a positive sum")
        juror_ids, juror_index = _index(jurors)
        entry_ids, entry_index = _index(entries)
        criterion_index = _lookup(criteria, criterion_ids)
        cube = np.full((len(juror_ids), len(entry_ids), len(criterion_ids)), np.nan)
        flat = (juror_index * len(entry_ids) + entry_index) * len(criterion_ids) + criterion_index
        if len(flat) and np.bincount(flat, minlength=cube.size).max() > 1:
            raise ValueError("a juror scored the same entry and criterion twice")
        cube.reshape(-1)[flat] = np.asarray(scores, dtype=float)
        return cls(juror_ids, entry_ids, criterion_ids, weight_array / weight_array.sum(), cube)

    def weighted_scores(self) -> np.ndarray:
        """Σ w_c·s_c per (juror, entry), shape (jurors, entries); NaN unless the juror scored every criterion.

        A juror who scored only some criteria of an entry counts as not having scored it: a partial
        weighted score would be on a different footing from the others. `incomplete_pairs()` lists them.
        """
        return self.scores @ self.weights  # a NaN criterion makes the whole product NaN

    def incomplete_pairs(self) -> list[tuple[Hashable, Hashable]]:
        """(juror, entry) pairs scored on some criteria but not all: left out of every aggregate."""
        present = (~np.isnan(self.scores)).sum(axis=2)
        jurors, entries = np.nonzero((present > 0) & (present < len(self.criterion_ids)))
        return [(self.juror_ids[j], self.entry_ids[e]) for j, e in zip(jurors, entries, strict=True)]


def _index(values: Sequence) -> tuple[tuple, np.ndarray]:
    """The distinct values in order, and each value's position among them."""
    if not isinstance(values, np.ndarray) and len({type(value) for value in values}) > 1:
        return _index_objects(values)  # numpy would turn [1, "a"] into strings, and tuples into rows
    array = np.asarray(values)
    if array.ndim != 1:
        return _index_objects(values)
    if array.dtype.kind in "iu" and len(array):
        low, high = int(array.min()), int(array.max())
        if high - low <= _DENSE_RANGE_FACTOR * len(array):
            present = np.zeros(high - low + 1, dtype=bool)
            present[array - low] = True
            positions = np.cumsum(present) - 1
            return tuple((np.flatnonzero(present) + low).tolist()), positions[array - low]
    if array.dtype.kind in "iufU":
        distinct, inverse = np.unique(array, return_inverse=True)
        return tuple(distinct.tolist()), inverse.reshape(-1)
    return _index_objects(values)


def _index_objects(values: Sequence) -> tuple[tuple, np.ndarray]:
    """_index() for ids numpy cannot hold as one plain column: sorted when comparable, else by repr."""
    try:
        distinct = tuple(sorted(set(values)))
    except TypeError:  # ids of mixed types
        distinct = tuple(sorted(set(values), key=repr))
    position = {value: index for index, value in enumerate(distinct)}
    return distinct, np.array([position[value] for value in values], dtype=np.int64)


def _lookup(values: Sequence, ids: tuple) -> np.ndarray:
    """Positions of values within ids; ValueError for a value not among them."""
    distinct, inverse = _index(values)
    position = {value: index for index, value in enumerate(ids)}
    unknown = [value for value in distinct if value not in position]
    if unknown:
        raise ValueError(f"scores on criteria without a weight: {unknown}")
    return np.array([position[value] for value in distinct], dtype=np.int64)[inverse]
