"""The entries' originals as one ZIP, streamed: no temporary file, no whole-file buffer.

zipfile writes into a small sink that the generator empties after every 1 MiB chunk, so
memory stays flat for archives of any size; members are stored as they are (photos and
videos are already compressed) and written zip64, so archives past 4 GB work. Originals are
read through the Storage interface, so the local and S3 backends both serve.
"""

from __future__ import annotations

import json
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from app.core.timeutil import to_local
from app.entries.services.exports.selection import EntriesExport, iter_export_entries
from app.entries.services.exports.tables import csv_lines
from app.storage.base import ObjectNotFound, Storage

# Bytes read from storage and written into the archive at a time.
ZIP_CHUNK_SIZE = 1024 * 1024
# Characters Windows refuses in file names; replaced so the archive unpacks everywhere.
_UNSAFE_NAME_CHARS = str.maketrans({c: "_" for c in '<>:"|?*'})
_MAX_NAME_LENGTH = 180

MANIFEST_COLUMNS = (
    "code",
    "title",
    "credit",
    "file",
    "original_filename",
    "size",
    "sha256",
    "dimensions",
    "status",
)


# ---------------------------------------------------------------------------- ZIP of originals


def safe_member_name(name: str) -> str:
    """A file name safe inside an archive: Vietnamese letters kept, no path separators or control characters."""
    name = unicodedata.normalize("NFC", name or "")
    name = "".join(ch for ch in name if ch not in "/\\" and unicodedata.category(ch)[0] != "C")
    name = name.translate(_UNSAFE_NAME_CHARS).strip().lstrip(".").strip()
    return name[:_MAX_NAME_LENGTH] or "file"


@dataclass(frozen=True)
class ArchiveFile:
    """One original going into the archive."""

    entry_code: str
    title: str
    credit: str
    member_name: str
    original_filename: str
    storage_key: str
    size: int
    sha256: str
    width: int | None
    height: int | None
    modified_at: datetime

    @property
    def dimensions(self) -> str:
        """ "4000x3000", or "" when unknown."""
        return f"{self.width}x{self.height}" if self.width and self.height else ""


@dataclass
class OriginalsPlan:
    """Everything the archive will hold, read from the database before streaming starts."""

    export: EntriesExport
    files: list[ArchiveFile] = field(default_factory=list)

    @property
    def total_bytes(self) -> int:
        """The originals' combined size."""
        return sum(item.size for item in self.files)


def plan_originals(export: EntriesExport) -> OriginalsPlan:
    """List each covered entry's originals with their archive names (files without an original are left out)."""
    plan = OriginalsPlan(export)
    tz_name = export.contest.timezone
    for entry in iter_export_entries(export.entry_ids):
        for entry_file in entry.files:
            asset = entry_file.asset
            original = asset.original if asset is not None else None
            if original is None:
                continue
            plan.files.append(
                ArchiveFile(
                    entry_code=entry.code,
                    title=entry.title_vi,
                    credit=entry.credit_name,
                    member_name=f"{entry.code}/{entry_file.position}-{safe_member_name(asset.original_filename)}",
                    original_filename=asset.original_filename,
                    storage_key=original.key,
                    size=original.size,
                    sha256=original.sha256 or "",
                    width=asset.width,
                    height=asset.height,
                    modified_at=to_local(entry.submitted_at, tz_name),
                )
            )
    return plan


def manifest_csv(plan: OriginalsPlan, missing: Iterable[str] = ()) -> bytes:
    """The archive's manifest.csv: one line per original (code, title, credit, names, size, SHA-256, pixels)."""
    missing = set(missing)
    rows = (
        (
            f.entry_code,
            f.title,
            f.credit,
            f.member_name,
            f.original_filename,
            f.size,
            f.sha256,
            f.dimensions,
            "missing" if f.member_name in missing else "ok",
        )
        for f in plan.files
    )
    return b"".join(csv_lines(MANIFEST_COLUMNS, rows))


def manifest_json(plan: OriginalsPlan, missing: Iterable[str] = ()) -> bytes:
    """The same manifest as JSON, with the export's filters and time."""
    missing = set(missing)
    document = {
        "contest": plan.export.contest.slug,
        "exported_at": plan.export.started_at.isoformat(),
        "filters": plan.export.filters.as_dict(),
        "entries": plan.export.rows,
        "files": [
            {
                "code": f.entry_code,
                "title": f.title,
                "credit": f.credit,
                "file": f.member_name,
                "original_filename": f.original_filename,
                "size": f.size,
                "sha256": f.sha256,
                "width": f.width,
                "height": f.height,
                "missing": f.member_name in missing,
            }
            for f in plan.files
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


class _Drain:
    """A write-only sink that zipfile writes into and the generator empties after each step."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Nothing to flush: the generator takes the bytes."""

    def take(self) -> bytes:
        """The bytes written since the last call."""
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def _zip_info(name: str, moment: datetime, size: int = 0) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=max(moment.timetuple()[:6], (1980, 1, 1, 0, 0, 0)))
    info.compress_type = zipfile.ZIP_STORED
    info.file_size = size
    info.external_attr = 0o644 << 16
    return info


def stream_originals_zip(
    plan: OriginalsPlan, storage: Storage, chunk_size: int = ZIP_CHUNK_SIZE, with_json: bool = True
) -> Iterator[bytes]:
    """The archive as a stream of bytes: each original copied a chunk at a time, then the manifests.

    Nothing is recompressed (ZIP_STORED) and every member is zip64, so archives past 4 GB work;
    the sink never holds more than one chunk and a header, so memory stays flat. An original
    missing from storage is left out and marked "missing" in the manifests.
    """
    sink = _Drain()
    missing: list[str] = []
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_STORED, allowZip64=True) as archive:  # type: ignore[arg-type]
        for item in plan.files:
            try:
                source = storage.open(item.storage_key)
            except ObjectNotFound:
                missing.append(item.member_name)
                continue
            info = _zip_info(item.member_name, item.modified_at, item.size)
            with source, archive.open(info, "w", force_zip64=True) as target:
                while block := source.read(chunk_size):
                    target.write(block)
                    yield sink.take()
        now = to_local(plan.export.started_at, plan.export.contest.timezone)
        archive.writestr(_zip_info("manifest.csv", now), manifest_csv(plan, missing))
        if with_json:
            archive.writestr(_zip_info("manifest.json", now), manifest_json(plan, missing))
    yield sink.take()
