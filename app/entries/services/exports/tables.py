"""Entry lists as rows: CSV streamed line by line (UTF-8 with a BOM) and XLSX (openpyxl, write-only).

Text cells that a spreadsheet would run as a formula get a leading apostrophe in both.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from typing import IO, Any

from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from app.core.i18n import current_locale
from app.core.timeutil import to_local
from app.entries.labels import KIND_LABELS, STATUS_LABELS
from app.entries.models import Entry
from app.entries.places import unit_name
from app.entries.services.exports.selection import EntriesExport, iter_export_entries

# Cells starting with these would be read as formulas by spreadsheet programs.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

EXPORT_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("code", _l("Code")),
    ("contest", _l("Contest")),
    ("category", _l("Category")),
    ("kind", _l("Kind")),
    ("status", _l("Status")),
    ("title_vi", _l("Title (Vietnamese)")),
    ("title_en", _l("Title (English)")),
    ("credit_name", _l("Credit")),
    ("members", _l("Group members")),
    ("place", _l("Place")),
    ("district", _l("District")),
    ("made_on", _l("Made on")),
    ("submitted_at", _l("Submitted at")),
    ("received_at", _l("Received at")),
    ("file_count", _l("Files")),
    ("flags", _l("Authenticity flags")),
    ("decision_reason", _l("Decision reason")),
    ("author_name", _l("Author's full name")),
    ("author_email", _l("Email")),
    ("author_phone", _l("Phone")),
    ("author_nationality", _l("Nationality")),
    ("author_birth_date", _l("Birth date")),
)
COLUMN_KEYS = tuple(key for key, _label in EXPORT_COLUMNS)


# ---------------------------------------------------------------------------- rows


def neutralise(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def entry_row(entry: Entry, tz_name: str, locale: str) -> dict[str, Any]:
    """One entry as export values: dates as date/datetime (local to tz_name, naive), text as str."""
    author = entry.entrant
    category = entry.category
    flag_codes = list(dict.fromkeys(flag.get("code", "") for flag in entry.authenticity_flags or []))
    return {
        "code": entry.code,
        "contest": entry.contest.slug,
        "category": (category.name_en if locale == "en" else "") or category.name_vi,
        "kind": str(KIND_LABELS.get(entry.kind.value, entry.kind.value)),
        "status": str(STATUS_LABELS.get(entry.status.value, entry.status.value)),
        "title_vi": entry.title_vi,
        "title_en": entry.title_en or "",
        "credit_name": entry.credit_name,
        "members": "; ".join(member.name for member in entry.members),
        "place": entry.place or "",
        "district": unit_name(entry.place_unit, locale),
        "made_on": entry.made_on,
        "submitted_at": _local_naive(entry.submitted_at, tz_name),
        "received_at": _local_naive(entry.received_at, tz_name),
        "file_count": len(entry.files),
        "flags": ", ".join(code for code in flag_codes if code),
        "decision_reason": entry.decision_reason or "",
        "author_name": author.full_name,
        "author_email": author.email,
        "author_phone": author.phone or "",
        "author_nationality": author.nationality,
        "author_birth_date": author.birth_date,
    }


def _local_naive(moment: datetime | None, tz_name: str) -> datetime | None:
    """A UTC instant as wall-clock time in the contest's timezone (spreadsheets know no zones)."""
    return to_local(moment, tz_name).replace(tzinfo=None, microsecond=0) if moment else None


def header_labels() -> list[str]:
    """The column headings in the current language."""
    return [str(label) for _key, label in EXPORT_COLUMNS]


def iter_rows(export: EntriesExport) -> Iterator[dict[str, Any]]:
    """The export's rows, one entry at a time."""
    locale = current_locale()
    for entry in iter_export_entries(export.entry_ids):
        yield entry_row(entry, export.contest.timezone, locale)


# ---------------------------------------------------------------------------- CSV


def _csv_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(neutralise(value)) if isinstance(value, str) else str(value)


def csv_lines(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Iterator[bytes]:
    """UTF-8 CSV with a byte-order mark (so Excel reads Vietnamese right), one encoded line at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: Sequence[Any]) -> bytes:
        writer.writerow([_csv_text(value) for value in values])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text.encode("utf-8")

    yield "\ufeff".encode() + line(header)
    for values in rows:
        yield line(values)


def entries_csv(export: EntriesExport) -> Iterator[bytes]:
    """The export as CSV lines, streamed."""
    return csv_lines(header_labels(), ([row[key] for key in COLUMN_KEYS] for row in iter_rows(export)))


# ---------------------------------------------------------------------------- XLSX


def entries_xlsx(export: EntriesExport) -> IO[bytes]:
    """The export as an XLSX workbook in an anonymous temporary file, rewound (the caller closes it)."""
    rows = ([row[key] for key in COLUMN_KEYS] for row in iter_rows(export))
    return xlsx_file(export.contest.slug[:31] or "entries", header_labels(), rows)


def xlsx_file(
    title: str, header: Iterable[str], rows: Iterable[Sequence[Any]], *, text=lambda value: value
) -> IO[bytes]:
    """One streamed (write-only) sheet with a bold, frozen header row, saved to a rewound anonymous temporary file.

    Text goes in as typed string cells, so "=..." stays text and is never a formula; `text` may
    change it further (the jury's sheets neutralise formula-like text as their CSV does).
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for label in header:
        cell = WriteOnlyCell(sheet, value=label)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value, text) for value in row])
    target = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115  (outlives this function: the response sends it)
    try:
        workbook.save(target)
        target.seek(0)
    except BaseException:
        target.close()
        raise
    return target


def _xlsx_cell(sheet, value: Any, text) -> Any:
    """Text as a typed string cell (so "=..." stays text, never a formula); other values as they are."""
    if not isinstance(value, str):
        return value
    if not value:
        return None
    cell = WriteOnlyCell(sheet, value=text(value))
    cell.data_type = "s"
    return cell
