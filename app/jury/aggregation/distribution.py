"""Each juror's distribution of weighted scores, for the chair's chart of lenient and harsh jurors."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass

import numpy as np

from app.jury.aggregation.results import RoundResults
from app.jury.aggregation.sheet import Scale


@dataclass(frozen=True)
class JurorDistribution:
    """Count, mean, population sd, min and max of a juror's weighted scores, and a histogram on the scale.

    `counts[i]` scores fall in [bin_edges[i], bin_edges[i + 1]) (the last bin includes its right edge).
    Statistics are None for a juror who completed no entry.
    """

    juror_id: Hashable
    count: int
    mean: float | None
    sd: float | None
    minimum: float | None
    maximum: float | None
    bin_edges: tuple[float, ...]
    counts: tuple[int, ...]


def bin_edges(scale: Scale, bins: int | None = None) -> np.ndarray:
    """Histogram edges: one bin centred on each value the scale allows, or `bins` equal bins over the scale."""
    if bins is None:
        values = scale.values()
        return np.append(values - scale.step / 2, values[-1] + scale.step / 2)
    return np.linspace(scale.minimum, scale.maximum, bins + 1)


def juror_distributions(results: RoundResults, scale: Scale, bins: int | None = None) -> list[JurorDistribution]:
    """One distribution per juror of the round, in the order of the sheet's juror_ids."""
    edges = bin_edges(scale, bins)
    summaries = []
    for juror_id, row in zip(results.sheet.juror_ids, results.weighted, strict=True):
        scored = row[~np.isnan(row)]
        counts, _ = np.histogram(scored, bins=edges)
        present = len(scored) > 0
        summaries.append(
            JurorDistribution(
                juror_id=juror_id,
                count=len(scored),
                mean=float(scored.mean()) if present else None,
                sd=float(scored.std()) if present else None,
                minimum=float(scored.min()) if present else None,
                maximum=float(scored.max()) if present else None,
                bin_edges=tuple(edges.tolist()),
                counts=tuple(counts.tolist()),
            )
        )
    return summaries
