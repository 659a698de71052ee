"""Entry lists as CSV and XLSX: columns, Vietnamese text, dates, formula injection, filters, audit."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

import openpyxl
from flask_babel import force_locale
from sqlalchemy import select

from app.audit.models import AuditRecord
from app.entries.models import EntryKind, EntryMember, EntryStatus
from app.entries.services import EXPORT_COLUMNS, neutralise
from app.extensions import db

TITLE = "Mùa lúa chín ở Thanh Chương – đẹp quá!"


def vi_headers() -> list[str]:
    with force_locale("vi"):
        return [str(label) for _key, label in EXPORT_COLUMNS]


def column(name: str) -> int:
    return [key for key, _label in EXPORT_COLUMNS].index(name)


def read_csv(response) -> list[list[str]]:
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")  # the BOM, so Excel reads UTF-8
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def audit_records(action: str) -> list[AuditRecord]:
    return list(db.session.scalars(select(AuditRecord).where(AuditRecord.action == action)))


def test_csv_has_one_row_per_entry_with_contact_details_and_vietnamese_title(as_admin, photo, make_stored_entry):
    entry = make_stored_entry(photo, b"one", title_vi=TITLE, place_unit="thanh-chuong")
    entry.authenticity_flags = [
        {"code": "editing_software", "position": 1, "software": "Photoshop"},
        {"code": "no_capture_time", "position": 1},
    ]
    entry.is_group = True
    entry.members = [EntryMember(position=1, name="Nguyễn Văn An"), EntryMember(position=2, name="Hồ Thị Lan")]
    db.session.commit()

    response = as_admin.get("/admin/exports/entries.csv")

    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;") and f"entries-{photo.contest.slug}-" in disposition
    assert response.headers["Cache-Control"] == "private, no-store"
    header, *rows = read_csv(response)
    assert header == vi_headers()
    assert len(rows) == 1
    row = rows[0]
    assert row[column("code")] == entry.code
    assert row[column("contest")] == photo.contest.slug
    assert row[column("title_vi")] == TITLE
    assert row[column("district")] == "Huyện Thanh Chương"
    assert row[column("members")] == "Nguyễn Văn An; Hồ Thị Lan"
    assert row[column("made_on")] == "2025-04-30"
    assert row[column("file_count")] == "1"
    assert row[column("flags")] == "editing_software, no_capture_time"
    assert row[column("author_email")] == entry.entrant.email
    assert row[column("author_phone")] == "'+84 912 345 678"  # starts with "+": neutralised
    assert row[column("author_birth_date")] == "1990-05-17"
    assert row[column("author_nationality")] == "VN"
    # Times are in the contest's timezone (Vietnam, UTC+7), not UTC.
    local = entry.submitted_at.astimezone(__import__("zoneinfo").ZoneInfo("Asia/Ho_Chi_Minh"))
    assert row[column("submitted_at")] == local.strftime("%Y-%m-%d %H:%M:%S")


def test_csv_neutralises_formulas(as_admin, photo, make_stored_entry):
    make_stored_entry(photo, b"x", title_vi='=HYPERLINK("http://evil.example","bấm")', credit_name="@SUM(1+1)")
    _header, row = read_csv(as_admin.get("/admin/exports/entries.csv"))
    assert row[column("title_vi")] == '\'=HYPERLINK("http://evil.example","bấm")'
    assert row[column("credit_name")] == "'@SUM(1+1)"


def test_neutralise_guards_every_formula_start_and_leaves_the_rest():
    for start in ("=", "+", "-", "@", "\t", "\r"):
        assert neutralise(f"{start}1") == f"'{start}1"
    assert neutralise("Bình minh") == "Bình minh"
    assert neutralise(5) == 5


def test_csv_export_is_audited_with_filters_and_row_count(as_admin, photo, video, admin, make_stored_entry):
    make_stored_entry(photo, b"a")
    make_stored_entry(photo, b"b")
    make_stored_entry(video, b"c", kind=EntryKind.VIDEO)

    as_admin.get(f"/admin/exports/entries.csv?category={photo.id}").get_data()

    (record,) = audit_records("export.entries_csv")
    assert record.actor_id == admin.id
    assert record.subject_type == "export"
    assert record.contest_id == photo.contest_id
    assert record.after["rows"] == 2
    assert record.after["filters"]["category_id"] == photo.id
    assert "category=photo" in record.subject_id


def test_filters_by_category_status_and_kind(as_admin, photo, video, make_stored_entry):
    accepted = make_stored_entry(photo, b"a")
    accepted.status = EntryStatus.ACCEPTED
    received = make_stored_entry(photo, b"b")
    clip = make_stored_entry(video, b"c", kind=EntryKind.VIDEO)
    db.session.commit()

    def codes(query: str) -> set[str]:
        return {row[column("code")] for row in read_csv(as_admin.get(f"/admin/exports/entries.csv?{query}"))[1:]}

    assert codes("") == {accepted.code, received.code, clip.code}
    assert codes(f"category={photo.id}") == {accepted.code, received.code}
    assert codes(f"category={video.id}") == {clip.code}
    assert codes("status=accepted") == {accepted.code}
    assert codes("kind=video") == {clip.code}
    assert codes(f"category={photo.id}&status=received") == {received.code}
    assert codes(f"codes={clip.code.lower()},{accepted.code}") == {accepted.code, clip.code}
    assert codes("status=bogus") == {accepted.code, received.code, clip.code}  # unknown values do not filter


def test_xlsx_opens_with_header_rows_and_real_dates(as_admin, photo, make_stored_entry):
    first = make_stored_entry(photo, b"a", title_vi=TITLE)
    second = make_stored_entry(photo, b"b", title_vi="=1+1")

    response = as_admin.get("/admin/exports/entries.xlsx")

    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert ".xlsx" in response.headers["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    response.close()  # a WSGI server closes it: that closes the temporary file
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == vi_headers()
    assert sheet["A1"].font.bold
    assert sheet.freeze_panes == "A2"
    assert [row[column("code")] for row in rows[1:]] == sorted([first.code, second.code])
    by_code = {row[column("code")]: row for row in rows[1:]}
    assert by_code[first.code][column("title_vi")] == TITLE
    assert by_code[second.code][column("title_vi")] == "=1+1"
    formula_like = sheet.cell(row=rows.index(by_code[second.code]) + 1, column=column("title_vi") + 1)
    assert formula_like.data_type == "s"  # stored as text: Excel shows it, never runs it
    made_on = sheet.cell(row=2, column=column("made_on") + 1)
    assert made_on.is_date and made_on.value == datetime(2025, 4, 30)
    submitted = by_code[first.code][column("submitted_at")]
    assert isinstance(submitted, datetime) and submitted.date() >= date(2025, 1, 1)
    (record,) = audit_records("export.entries_xlsx")
    assert record.after["rows"] == 2


def test_exports_page_shows_filters_and_count(as_admin, photo, make_stored_entry):
    make_stored_entry(photo, b"a")
    page = as_admin.get(f"/admin/exports?category={photo.id}").get_data(as_text=True)
    assert 'formaction="/admin/exports/entries.csv"' in page
    assert 'formaction="/admin/exports/originals.zip"' in page
    assert f'<option value="{photo.id}" selected>' in page
    assert "1 " in page.split('class="exports__count"')[1][:80]
