"""What the chair's pages show, built from the results services: progress while a round is open, the three
methods side by side once it is closed, tie groups, agreement, each juror's score distribution as bars for an
inline SVG chart, and the advancement preview.

Large rounds (20,000 entries × 15 jurors) stay fast: the table is paginated, and the codes and titles of every
entry a page names are loaded in one query keyed by id. Entrants are never named: entries are code and title.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select

from app.auth.models import User
from app.entries.models import Entry
from app.extensions import db
from app.jury.aggregation import JurorDistribution, Method, RoundResults, juror_distributions
from app.jury.models import AdvanceMethod, AssignmentMode, JuryRound, Review, RoundEntry, RoundJuror, RoundKind
from app.jury.services import (
    AdvancementOutcome,
    preview_advancement,
    round_progress,
    round_results,
    round_scale,
    selection_tally,
)

PAGE_SIZE = 200  # results rows per page
TIE_GROUPS_SHOWN = 20  # tie groups listed above the table
TIE_GROUP_CODES = 12  # entries named per tie group
SELECTED_SHOWN = 500  # entries named in an advancement preview
SUMMARY_ROWS = 300  # ranking lines on the printable summary
CHART_WIDTH, CHART_HEIGHT = 300, 100


@dataclass(frozen=True)
class EntryLabel:
    """How the chair sees an entry: its code and title, never its entrant."""

    code: str
    title: str


@dataclass(frozen=True)
class JurorProgress:
    """One juror's seat in a round: reviews done out of assigned, confirmed or not, dropped out or not."""

    user_id: int
    name: str
    done: int
    total: int
    confirmed: bool
    dropped_out: bool
    dropout_reason: str


@dataclass(frozen=True)
class Bar:
    """One histogram bar in chart units, with the scores it counts."""

    x: float
    y: float
    width: float
    height: float
    count: int
    low: float
    high: float


@dataclass(frozen=True)
class JurorChart:
    """A juror's distribution of weighted scores as bars, with its summary figures."""

    name: str
    count: int
    mean: float | None
    sd: float | None
    minimum: float | None
    maximum: float | None
    mean_x: float | None
    bars: tuple[Bar, ...]
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT


@dataclass(frozen=True)
class Page:
    """One page of a long list."""

    items: Sequence
    number: int
    pages: int
    total: int


def page_bounds(total: int, number: int, size: int = PAGE_SIZE) -> tuple[int, int, int]:
    """(page number clamped to the pages that exist, number of pages, index of the page's first item)."""
    pages = max(1, -(-total // size))
    number = min(max(number, 1), pages)
    return number, pages, (number - 1) * size


def paginate(items: Sequence, number: int, size: int = PAGE_SIZE) -> Page:
    """The page `number` (1-based) of items."""
    number, pages, start = page_bounds(len(items), number, size)
    return Page(items[start : start + size], number, pages, len(items))


def entry_labels(entry_ids: Iterable[Hashable]) -> dict[int, EntryLabel]:
    """Code and title of each entry, in one query."""
    ids = sorted(set(entry_ids))
    if not ids:
        return {}
    rows = db.session.execute(select(Entry.id, Entry.code, Entry.title_vi).where(Entry.id.in_(ids)))
    return {entry_id: EntryLabel(code, title) for entry_id, code, title in rows}


def juror_names(user_ids: Iterable[Hashable]) -> dict[int, str]:
    """Full name of each juror, in one query."""
    ids = sorted(set(user_ids))
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.full_name).where(User.id.in_(ids))).all())


def juror_progress(round_: JuryRound) -> list[JurorProgress]:
    """Every juror of the round with how far they are, by name; no score is read."""
    progress = round_progress(round_)
    seats = db.session.execute(
        select(RoundJuror, User.full_name)
        .join(User, User.id == RoundJuror.user_id)
        .where(RoundJuror.round_id == round_.id)
        .order_by(User.full_name, User.id)
    )
    return [
        JurorProgress(
            user_id=seat.user_id,
            name=name,
            done=progress.get(seat.user_id, (0, 0))[0],
            total=progress.get(seat.user_id, (0, 0))[1],
            confirmed=seat.confirmed_at is not None,
            dropped_out=seat.dropped_out_at is not None,
            dropout_reason=seat.dropout_reason,
        )
        for seat, name in seats
    ]


def short_entries(round_: JuryRound) -> int:
    """Entries of a balanced round judged by fewer jurors than asked (conflicts left too few)."""
    if round_.assignment_mode is not AssignmentMode.BALANCED or not round_.jurors_per_entry:
        return 0
    counts = (
        select(RoundEntry.entry_id, func.count(Review.id).label("jurors"))
        .outerjoin(
            Review,
            (Review.round_id == RoundEntry.round_id)
            & (Review.entry_id == RoundEntry.entry_id)
            & Review.removed_at.is_(None),
        )
        .where(RoundEntry.round_id == round_.id)
        .group_by(RoundEntry.entry_id)
        .subquery()
    )
    return db.session.scalar(select(func.count()).select_from(counts).where(counts.c.jurors < round_.jurors_per_entry))


def juror_charts(results: RoundResults, round_: JuryRound) -> list[JurorChart]:
    """Each juror's distribution as bars on one shared height, so lenient and harsh jurors compare at a glance."""
    distributions = juror_distributions(results, round_scale(round_))
    names = juror_names(d.juror_id for d in distributions)
    tallest = max((max(d.counts, default=0) for d in distributions), default=0) or 1
    return sorted((_chart(d, names.get(d.juror_id, ""), tallest) for d in distributions), key=lambda c: c.name)


def _chart(distribution: JurorDistribution, name: str, tallest: int) -> JurorChart:
    edges = distribution.bin_edges
    low, span = edges[0], (edges[-1] - edges[0]) or 1.0
    width = CHART_WIDTH / max(len(distribution.counts), 1)
    bars = []
    for index, count in enumerate(distribution.counts):
        height = round(CHART_HEIGHT * count / tallest, 2)
        bars.append(
            Bar(round(index * width, 2), round(CHART_HEIGHT - height, 2), round(width * 0.9, 2), height, count,
                edges[index], edges[index + 1])
        )  # fmt: skip
    mean_x = round(CHART_WIDTH * (distribution.mean - low) / span, 2) if distribution.mean is not None else None
    return JurorChart(
        name=name,
        count=distribution.count,
        mean=distribution.mean,
        sd=distribution.sd,
        minimum=distribution.minimum,
        maximum=distribution.maximum,
        mean_x=mean_x,
        bars=tuple(bars),
    )


def chosen_method(round_: JuryRound, requested: str | None) -> Method:
    """The method the table is ranked by: the one asked for, else the recorded advancement's, else z-scores."""
    for candidate in (requested, round_.advance_method.value if round_.advance_method else None):
        if candidate in Method.__members__.values():
            return Method(candidate)
    return Method.ZSCORE


def scoring_context(round_: JuryRound, method: Method, page_number: int, size: int = PAGE_SIZE) -> dict:
    """The closed scoring round's table (one page), tie groups, agreement and juror charts."""
    results = round_results(round_)
    total = len(results.entry_ids)
    number, pages, start = page_bounds(total, page_number, size)
    page = Page(results.rows(method, start, start + size), number, pages, total)  # only this page's lines are built
    groups = results.tie_groups(method)
    shown = [group[:TIE_GROUP_CODES] for group in groups[:TIE_GROUPS_SHOWN]]
    labels = entry_labels([*(row.entry_id for row in page.items), *(e for group in shown for e in group)])
    return {
        "method": method,
        "page": page,
        "labels": labels,
        "tie_groups": [(group, len(full)) for group, full in zip(shown, groups, strict=False)],
        "tie_group_count": len(groups),
        "agreement": results.agreement,
        "charts": juror_charts(results, round_),
        "incomplete": len(results.sheet.incomplete_pairs()),
        "trim_rule": results.trim_rule.describe(),
        "tie_z": results.tie_z,
    }


def selection_context(round_: JuryRound, page_number: int, size: int = PAGE_SIZE) -> dict:
    """The closed selection round's yes / maybe / no tally (one page)."""
    page = paginate(selection_tally(round_), page_number, size)
    return {"page": page, "labels": entry_labels(t.entry_id for t in page.items)}


def advanced_count(round_: JuryRound) -> int:
    """How many entries the recorded advancement chose."""
    return db.session.scalar(
        select(func.count(RoundEntry.id)).where(RoundEntry.round_id == round_.id, RoundEntry.is_advanced)
    )


def preview_context(
    round_: JuryRound, method: AdvanceMethod, top_n: int | None, threshold: float | None
) -> tuple[AdvancementOutcome, dict[int, EntryLabel]]:
    """What an advancement rule would choose, with the labels of the entries named (capped)."""
    outcome = preview_advancement(round_, method, top_n=top_n, threshold=threshold)
    labels = entry_labels([*outcome.selected[:SELECTED_SHOWN], *outcome.tied_at_cut[:SELECTED_SHOWN]])
    return outcome, labels


def summary_context(round_: JuryRound, method: Method) -> dict:
    """The printable summary: the top of the ranking with the three methods, agreement and the rule."""
    if round_.kind is RoundKind.SELECTION:
        context = selection_context(round_, 1, SUMMARY_ROWS)
    else:
        results = round_results(round_)
        rows = results.rows(method, 0, SUMMARY_ROWS)
        context = {
            "rows": rows,
            "total": len(results.entry_ids),
            "labels": entry_labels(row.entry_id for row in rows),
            "agreement": results.agreement,
            "method": method,
            "trim_rule": results.trim_rule.describe(),
        }
    return {**context, "advanced": advanced_count(round_), "progress": juror_progress(round_)}
