"""Exports (admins only: contact details are personal data): entry lists as CSV or XLSX and
the originals as one streamed ZIP. Each export is audited and committed before any byte streams."""

from __future__ import annotations

from flask import Response, abort, render_template, request, send_file, stream_with_context
from flask_login import current_user

from app.admin import bp
from app.admin.access import admin_required
from app.contest.models import Contest
from app.contest.services import get_current_contest, list_contests
from app.entries.labels import KIND_LABELS, STATUS_LABELS
from app.entries.services import (
    ExportFilter,
    count_export_entries,
    entries_csv,
    entries_xlsx,
    plan_originals,
    start_entries_export,
    stream_originals_zip,
)
from app.extensions import db
from app.media.services import current_storage
from app.storage import content_disposition

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _chosen_contest() -> Contest | None:
    """The contest named by ?contest=<id> (404 if unknown), else the current one."""
    contest_id = request.args.get("contest", type=int)
    if contest_id is None:
        return get_current_contest()
    contest = db.session.get(Contest, contest_id)
    if contest is None:
        abort(404)
    return contest


def _export_start(fmt: str):
    """Load the contest (404), fix and audit the export, and commit before streaming."""
    contest = _chosen_contest()
    if contest is None:
        abort(404)
    filters = ExportFilter.from_args(request.args, contest)
    export = start_entries_export(current_user._get_current_object(), contest, filters, fmt)
    db.session.commit()
    return export


def _private(response: Response) -> Response:
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/exports")
@admin_required
def exports():
    """The filter form and the export buttons, with how many entries match."""
    contest = _chosen_contest()
    filters = ExportFilter.from_args(request.args, contest) if contest else None
    matching = count_export_entries(filters) if filters else 0
    return render_template(
        "admin/exports.html",
        contest=contest,
        contests=list_contests(),
        filters=filters,
        matching=matching,
        status_labels=STATUS_LABELS,
        kind_labels=KIND_LABELS,
    )


@bp.get("/exports/entries.csv")
@admin_required
def export_entries_csv():
    """The matching entries as UTF-8 CSV (with a BOM), streamed row by row."""
    export = _export_start("csv")
    response = Response(stream_with_context(entries_csv(export)), mimetype="text/csv")
    response.headers["Content-Disposition"] = content_disposition(export.filename("csv"))
    return _private(response)


@bp.get("/exports/entries.xlsx")
@admin_required
def export_entries_xlsx():
    """The matching entries as an XLSX workbook."""
    export = _export_start("xlsx")
    workbook = entries_xlsx(export)
    response = send_file(workbook, mimetype=XLSX_TYPE, as_attachment=True, download_name=export.filename("xlsx"))
    return _private(response)


@bp.get("/exports/originals.zip")
@admin_required
def export_originals_zip():
    """The matching (or listed, ?codes=...) entries' originals and a manifest, as a streamed ZIP."""
    export = _export_start("zip")
    plan = plan_originals(export)
    response = Response(stream_originals_zip(plan, current_storage()), mimetype="application/zip")
    response.headers["Content-Disposition"] = content_disposition(export.filename("zip", stem="originals"))
    response.headers["X-Accel-Buffering"] = "no"  # let nginx pass the stream on as it comes
    return _private(response)
