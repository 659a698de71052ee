"""A scoring round's results at contest scale: 20,000 entries × 15 jurors × 5 criteria = 1.5 million scores.

Baseline, measured in the same run on the same SQLite file: the plain SQL aggregate, each entry's mean
weighted score (SUM(score·weight) / SUM(weight) ... GROUP BY entry), all rows fetched. Contender: one
SELECT of every score (plus the five criterion weights) into numpy, then everything the chair's page
needs from app.jury.aggregation: mean, trimmed mean and z-score mean with standard errors, ranks,
statistical tie flags, Kendall's W and ICC, the top 10 % advanced with ties at the cut, and each
juror's distribution. Target: under 2 s, and within 3× of the baseline. Medians of REPEATS runs.

Run with: .venv/bin/python -m bench.jury_results
"""

from __future__ import annotations

import itertools
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from app.jury.aggregation import Method, Scale, ScoreSheet, aggregate_round, juror_distributions, select_advancing

ENTRIES = 20_000
JURORS = 15
CRITERIA = 5
WEIGHTS = (3.0, 2.0, 2.0, 1.5, 1.0)  # deliberately not summing to 1
SCALE = Scale(0.0, 10.0, 0.5)
REPEATS = 3
BASELINE_SQL = """
    SELECT s.entry, SUM(s.score * c.weight) / SUM(c.weight)
    FROM scores AS s JOIN criteria AS c ON c.id = s.criterion
    GROUP BY s.entry
"""


def random_scores(seed: int = 2025) -> np.ndarray:
    """Rows (juror, entry, criterion, score): entry quality + juror leniency + noise, on the 0–10 half-step scale."""
    rng = np.random.default_rng(seed)
    quality = rng.normal(6.0, 1.2, size=(1, ENTRIES, 1))
    leniency = rng.normal(0.0, 0.8, size=(JURORS, 1, 1))
    noise = rng.normal(0.0, 1.2, size=(JURORS, ENTRIES, CRITERIA))
    scores = np.clip(np.round((quality + leniency + noise) * 2) / 2, SCALE.minimum, SCALE.maximum)
    jurors, entries, criteria = np.meshgrid(
        np.arange(1, JURORS + 1), np.arange(1, ENTRIES + 1), np.arange(1, CRITERIA + 1), indexing="ij"
    )
    return np.column_stack([jurors.ravel(), entries.ravel(), criteria.ravel(), scores.ravel()])


def create_database(path: Path, rows: np.ndarray) -> None:
    """The two plain tables, one score per juror, entry and criterion as the real constraint has it."""
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE criteria (id INTEGER PRIMARY KEY, weight REAL NOT NULL)")
        connection.execute(
            "CREATE TABLE scores (juror INTEGER NOT NULL, entry INTEGER NOT NULL, criterion INTEGER NOT NULL,"
            " score REAL NOT NULL, PRIMARY KEY (juror, entry, criterion))"
        )
        connection.executemany("INSERT INTO criteria VALUES (?, ?)", enumerate(WEIGHTS, start=1))
        connection.executemany(
            "INSERT INTO scores VALUES (?, ?, ?, ?)",
            ((int(j), int(e), int(c), s) for j, e, c, s in rows.tolist()),
        )
    connection.close()


def plain_aggregate(connection: sqlite3.Connection) -> list[tuple]:
    """The baseline: SQLite's own GROUP BY, every row fetched."""
    return connection.execute(BASELINE_SQL).fetchall()


def load_sheet(connection: sqlite3.Connection) -> ScoreSheet:
    """One SELECT of all scores straight into a numpy array, then the dense sheet."""
    weights = dict(connection.execute("SELECT id, weight FROM criteria").fetchall())
    count = connection.execute("SELECT COUNT(*) FROM scores").fetchone()[0]
    cursor = connection.execute("SELECT juror, entry, criterion, score FROM scores")
    flat = np.fromiter(itertools.chain.from_iterable(cursor), dtype=np.float64, count=4 * count)
    table = flat.reshape(-1, 4)
    ids = table[:, :3].astype(np.int64)
    return ScoreSheet.from_arrays(ids[:, 0], ids[:, 1], ids[:, 2], table[:, 3], weights)


def full_results(connection: sqlite3.Connection) -> dict[str, float]:
    """Load and aggregate everything the chair's page shows; seconds per phase."""
    marks = [time.perf_counter()]
    sheet = load_sheet(connection)
    marks.append(time.perf_counter())
    results = aggregate_round(sheet)
    marks.append(time.perf_counter())
    select_advancing(results, Method.ZSCORE, top_n=ENTRIES // 10)
    juror_distributions(results, SCALE)
    marks.append(time.perf_counter())
    results.rows(Method.ZSCORE)
    marks.append(time.perf_counter())
    phases = ("load (SELECT + sheet)", "aggregate_round", "advance + distributions", "rows for the page")
    return {phase: end - start for phase, start, end in zip(phases, marks, marks[1:], strict=False)}


def median_phases(runs: list[dict[str, float]]) -> dict[str, float]:
    """Median of each phase over runs."""
    return {phase: statistics.median(run[phase] for run in runs) for phase in runs[0]}


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-jury-") as folder:
        path = Path(folder) / "scores.sqlite3"
        create_database(path, random_scores())
        connection = sqlite3.connect(path)
        plain_aggregate(connection)  # warm the page cache for both sides
        baseline = statistics.median(_timed(plain_aggregate, connection) for _ in range(REPEATS))
        phases = median_phases([full_results(connection) for _ in range(REPEATS)])
        connection.close()
    contender = sum(phases.values())
    scores = ENTRIES * JURORS * CRITERIA
    print(f"{ENTRIES:,} entries × {JURORS} jurors × {CRITERIA} criteria = {scores:,} scores, median of {REPEATS}")
    print(f"{'step':<44} {'seconds':>9} {'x baseline':>11}")
    print(f"{'plain SQL aggregate, GROUP BY entry (baseline)':<44} {baseline:>9.3f} {1.0:>11.2f}")
    for phase, seconds in phases.items():
        print(f"{'  ' + phase:<44} {seconds:>9.3f} {seconds / baseline:>11.2f}")
    print(f"{'full results (contender)':<44} {contender:>9.3f} {contender / baseline:>11.2f}")
    verdict = "met" if contender < 2.0 and contender / baseline <= 3.0 else "MISSED"
    print(f"target (< 2 s and ≤ 3× baseline): {verdict}")


def _timed(function, *args) -> float:
    """Wall time of one call."""
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
