"""Extra sections of a contest's published results, contributed by sibling features.

The jury owns the canonical results (prizes, rounds, scores); the gallery owns People's Choice.
Siblings may not import each other, so the gallery registers a section here (at import) and the
jury's `canonical_results` asks this registry: both depend only on the contest feature.
"""

from __future__ import annotations

from collections.abc import Callable

from app.contest.models import Contest

ResultsSection = Callable[[Contest], dict | None]

_sections: dict[str, ResultsSection] = {}


def register_results_section(name: str, build: ResultsSection) -> None:
    """Add (or replace) a named section; `build(contest)` returns plain JSON data, or None to leave it out."""
    _sections[name] = build


def results_sections(contest: Contest) -> dict[str, dict]:
    """Every registered section that has something to say about the contest, by name."""
    built = {name: build(contest) for name, build in sorted(_sections.items())}
    return {name: data for name, data in built.items() if data is not None}
