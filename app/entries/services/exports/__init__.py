"""Exports for organisers: entry lists as CSV or XLSX, and the entries' originals as one ZIP.

Contact details are personal data (decree 13/2023): the views are for admins only and every
export is audited before a byte is sent. Everything streams so memory stays flat however many
entries or gigabytes are exported: rows a batch of entries at a time, the ZIP a chunk at a time.
"""

from app.entries.services.exports.archive import (
    ArchiveFile,
    OriginalsPlan,
    manifest_csv,
    manifest_json,
    plan_originals,
    safe_member_name,
    stream_originals_zip,
)
from app.entries.services.exports.selection import (
    EXPORT_ACTIONS,
    EntriesExport,
    ExportFilter,
    count_export_entries,
    export_entry_ids,
    iter_export_entries,
    parse_codes,
    start_entries_export,
)
from app.entries.services.exports.tables import (
    COLUMN_KEYS,
    EXPORT_COLUMNS,
    csv_lines,
    entries_csv,
    entries_xlsx,
    entry_row,
    header_labels,
    neutralise,
    xlsx_file,
)

__all__ = [
    "COLUMN_KEYS",
    "EXPORT_ACTIONS",
    "EXPORT_COLUMNS",
    "ArchiveFile",
    "EntriesExport",
    "ExportFilter",
    "OriginalsPlan",
    "count_export_entries",
    "csv_lines",
    "entries_csv",
    "entries_xlsx",
    "entry_row",
    "export_entry_ids",
    "header_labels",
    "iter_export_entries",
    "manifest_csv",
    "manifest_json",
    "neutralise",
    "parse_codes",
    "plan_originals",
    "safe_member_name",
    "start_entries_export",
    "stream_originals_zip",
    "xlsx_file",
]
