"""A round's score sheet for the chair: one row per juror × entry × criterion, as CSV (UTF-8 with a BOM) or XLSX.

Only a closed (or finalised) round can be exported, so no juror's scores leave the system while others are
still judging. Every export is audited; the view commits before the first byte is sent. Rows stream from the
database in batches, so 1.5 million scores never sit in memory at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import IO, Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, literal, select

from app.audit.services import record_decision
from app.auth.models import User
from app.core.timeutil import to_local
from app.entries.models import Entry
from app.entries.services.exports import csv_lines, neutralise, xlsx_file
from app.extensions import db
from app.jury.labels import VERDICT_LABELS
from app.jury.models import Criterion, JuryRound, Review, RoundKind, RoundStatus, Score
from app.jury.services.errors import RoundNotReady

EXPORT_FORMATS = ("csv", "xlsx")
BATCH = 5000

SHEET_COLUMNS = (
    _l("Round"),
    _l("Category"),
    _l("Entry code"),
    _l("Entry title"),
    _l("Juror"),
    _l("Criterion"),
    _l("Weight"),
    _l("Score"),
    _l("Criterion comment"),
    _l("Entry comment"),
    _l("Updated at"),
)


def require_results_visible(round_: JuryRound) -> None:
    """Scores of a round are shown or exported only once it is closed; RoundNotReady before."""
    if round_.status not in (RoundStatus.CLOSED, RoundStatus.FINALISED):
        raise RoundNotReady(_l("Close the round first: scores stay hidden while jurors are still judging."))


def start_score_export(round_: JuryRound, actor: User, fmt: str) -> str:
    """Check the round may be exported and audit the export (flushes; commit before sending). Returns a file name."""
    require_results_visible(round_)
    record_decision(
        actor,
        "jury.export",
        "jury_round",
        round_.id,
        after={"format": fmt, "rows": score_sheet_size(round_)},
        contest_id=round_.contest_id,
    )
    return f"{round_.contest.slug}-round-{round_.category.slug}-{round_.position}-scores.{fmt}"


def score_sheet_size(round_: JuryRound) -> int:
    """How many rows the sheet has: active reviews × criteria (× 1 for a selection round)."""
    reviews = db.session.scalar(
        select(func.count(Review.id)).where(Review.round_id == round_.id, Review.removed_at.is_(None))
    )
    return reviews * (max(len(round_.criteria), 1) if round_.kind is RoundKind.SCORING else 1)


def header_labels() -> list[str]:
    """The column headings in the current language."""
    return [str(label) for label in SHEET_COLUMNS]


def score_sheet_rows(round_: JuryRound) -> Iterator[tuple[Any, ...]]:
    """Every active review's scores, criterion by criterion (an unscored criterion gives an empty score),
    ordered by entry code, juror and criterion; a selection round gives one row per review with its verdict."""
    tz_name = round_.contest.timezone
    round_name, category_name = round_.name_vi, round_.category.name_vi
    if round_.kind is RoundKind.SCORING:
        query = (
            select(
                Entry.code,
                Entry.title_vi,
                User.full_name,
                Criterion.name_vi,
                Criterion.weight,
                Score.value,
                Score.comment,
                Review.comment,
                func.coalesce(Score.updated_at, Review.updated_at),
            )
            .select_from(Review)
            .join(Criterion, Criterion.round_id == Review.round_id)
            .outerjoin(Score, and_(Score.review_id == Review.id, Score.criterion_id == Criterion.id))
            .order_by(Entry.code, User.full_name, Review.juror_id, Criterion.position)
        )
    else:
        query = (
            select(
                Entry.code,
                Entry.title_vi,
                User.full_name,
                literal(""),
                literal(None),
                Review.verdict,
                literal(""),
                Review.comment,
                Review.updated_at,
            )
            .select_from(Review)
            .order_by(Entry.code, User.full_name, Review.juror_id)
        )
    query = (
        query.join(Entry, Entry.id == Review.entry_id)
        .join(User, User.id == Review.juror_id)
        .where(Review.round_id == round_.id, Review.removed_at.is_(None))
        .execution_options(yield_per=BATCH)
    )
    for code, title, juror, criterion, weight, score, criterion_comment, comment, updated in db.session.execute(query):
        if round_.kind is RoundKind.SELECTION:
            score = str(VERDICT_LABELS[score.value]) if score else None
        yield (
            round_name, category_name, code, title, juror, criterion, weight, score,
            criterion_comment or "", comment or "", _local_naive(updated, tz_name),
        )  # fmt: skip


def _local_naive(moment: datetime | None, tz_name: str) -> datetime | None:
    """A UTC instant as wall-clock time in the contest's timezone (spreadsheets know no zones)."""
    return to_local(moment, tz_name).replace(tzinfo=None, microsecond=0) if moment else None


def score_sheet_csv(round_: JuryRound) -> Iterator[bytes]:
    """The sheet as UTF-8 CSV with a BOM, one encoded line at a time; formula-like text is neutralised."""
    return csv_lines(header_labels(), score_sheet_rows(round_))


def score_sheet_xlsx(round_: JuryRound) -> IO[bytes]:
    """The sheet as an XLSX workbook in an anonymous temporary file, rewound (the caller closes it)."""
    title = f"{round_.category.slug}-{round_.position}"
    return xlsx_file(title, header_labels(), score_sheet_rows(round_), text=neutralise)
