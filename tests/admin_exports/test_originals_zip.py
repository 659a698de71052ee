"""The ZIP of originals: byte-identical files under <code>/<position>-<name>, a manifest, any backend."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import zipfile

import pytest
from sqlalchemy import select

from app.audit.models import AuditRecord
from app.entries.models import EntryKind
from app.entries.services import safe_member_name
from app.extensions import db
from app.media.services import current_storage


def download_zip(client, query: str = "") -> zipfile.ZipFile:
    response = client.get(f"/admin/exports/originals.zip{query}")
    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    assert "originals-" in response.headers["Content-Disposition"]
    return zipfile.ZipFile(io.BytesIO(response.get_data()))


def manifest_rows(archive: zipfile.ZipFile) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode("utf-8-sig"))))


def test_safe_member_name_keeps_vietnamese_and_drops_paths_and_control_characters():
    assert safe_member_name("Hoàng hôn Cửa Lò.jpg") == "Hoàng hôn Cửa Lò.jpg"
    assert safe_member_name("../../etc/passwd") == "etcpasswd"
    assert safe_member_name("C:\\Users\\ảnh\x00\x1f.jpg") == "C_Usersảnh.jpg"
    assert safe_member_name("Hoa\u0300ng.jpg") == "Hoàng.jpg"  # NFC
    assert safe_member_name("\x07") == "file"


def test_zip_holds_byte_identical_originals_and_a_manifest(as_admin, photo, video, make_stored_entry):
    series_bytes = [os.urandom(3000), os.urandom(5000)]
    series = make_stored_entry(
        photo,
        *series_bytes,
        kind=EntryKind.PHOTO_SERIES,
        filenames=["Chợ quê/sáng sớm.jpg", "Hoa\u0300ng hôn\x01.jpg"],
        title_vi="Chợ quê",
    )
    clip_bytes = os.urandom(20_000)
    clip = make_stored_entry(video, clip_bytes, kind=EntryKind.VIDEO, credit_name="Nhóm Phim Xứ Nghệ")

    archive = download_zip(as_admin)

    expected = {
        f"{series.code}/1-Chợ quêsáng sớm.jpg": series_bytes[0],
        f"{series.code}/2-Hoàng hôn.jpg": series_bytes[1],
        f"{clip.code}/1-phim 1.mp4": clip_bytes,
    }
    assert archive.testzip() is None
    assert set(archive.namelist()) == set(expected) | {"manifest.csv", "manifest.json"}
    for name, data in expected.items():
        info = archive.getinfo(name)
        assert info.compress_type == zipfile.ZIP_STORED
        assert hashlib.sha256(archive.read(name)).hexdigest() == hashlib.sha256(data).hexdigest()
    rows = manifest_rows(archive)
    assert [row["file"] for row in rows] == list(expected)
    clip_row = rows[2]
    assert clip_row["code"] == clip.code
    assert clip_row["credit"] == "Nhóm Phim Xứ Nghệ"
    assert clip_row["size"] == str(len(clip_bytes))
    assert clip_row["sha256"] == hashlib.sha256(clip_bytes).hexdigest()
    assert clip_row["dimensions"] == "1920x1080"
    assert clip_row["status"] == "ok"
    assert rows[0]["title"] == "Chợ quê"
    assert rows[0]["original_filename"] == "Chợ quê/sáng sớm.jpg"
    document = json.loads(archive.read("manifest.json"))
    assert document["entries"] == 2
    assert [item["sha256"] for item in document["files"]] == [row["sha256"] for row in rows]


def test_zip_of_selected_codes_only_and_audited(as_admin, photo, admin, make_stored_entry):
    chosen = make_stored_entry(photo, b"chosen")
    make_stored_entry(photo, b"other")
    other_chosen = make_stored_entry(photo, b"also chosen")

    archive = download_zip(as_admin, f"?codes={chosen.code},{other_chosen.code}")

    codes = {name.split("/")[0] for name in archive.namelist() if "/" in name}
    assert codes == {chosen.code, other_chosen.code}
    (record,) = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "export.originals_zip"))
    assert record.actor_id == admin.id
    assert record.after["rows"] == 2
    assert record.after["filters"]["codes"] == [chosen.code, other_chosen.code]


def test_zip_marks_an_original_missing_from_storage(as_admin, photo, make_stored_entry):
    kept = make_stored_entry(photo, b"kept")
    lost = make_stored_entry(photo, b"lost")
    current_storage().delete(lost.files[0].asset.original.key)

    archive = download_zip(as_admin)

    assert archive.read(f"{kept.code}/1-ảnh 1.jpg") == b"kept"
    assert not any(name.startswith(lost.code) for name in archive.namelist())
    status = {row["code"]: row["status"] for row in manifest_rows(archive)}
    assert status == {kept.code: "ok", lost.code: "missing"}


@pytest.mark.usefixtures("aws_credentials")
def test_zip_streams_originals_from_s3(app, as_admin, photo, make_stored_entry, s3_storage, monkeypatch):
    monkeypatch.setitem(app.extensions, "storage", s3_storage)
    data = os.urandom(6 * 1024 * 1024 + 123)  # more than one read chunk
    entry = make_stored_entry(photo, data, filenames=["Sông Lam.jpg"])
    assert current_storage() is s3_storage

    archive = download_zip(as_admin)

    assert hashlib.sha256(archive.read(f"{entry.code}/1-Sông Lam.jpg")).digest() == hashlib.sha256(data).digest()
