"""Score-sheet exports and the printable summary: closed rounds only, audited, CSV with a BOM that the csv module
reads back with one row per juror × entry × criterion, formula-like text neutralised, XLSX that openpyxl opens."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app.audit.models import AuditRecord
from app.extensions import db
from app.jury import services
from app.jury.models import AdvanceMethod, Review, RoundKind, Verdict
from app.jury.services.exports import header_labels
from tests.admin_moderation.conftest import vi
from tests.jury.conftest import CRITERIA, score_all

JURORS, ENTRIES = 3, 4


@pytest.fixture
def closed_round(app_ctx, make_juror, make_accepted, make_round, chair):
    """A closed scoring round: 3 jurors × 4 entries × 3 criteria, all scored; one comment looks like a formula."""
    jurors = [make_juror() for _ in range(JURORS)]
    entries = make_accepted(ENTRIES)
    round_ = make_round(jurors)
    for index, juror in enumerate(jurors):
        score_all(round_, juror, lambda review, c, index=index: 5.0 + index)
    review = db.session.scalar(select(Review).where(Review.round_id == round_.id).limit(1))
    services.save_review(review, review.juror, services.ReviewInput(comment='=HYPERLINK("http://x")'))
    services.close_round(round_, chair)
    db.session.commit()
    return {"round": round_, "jurors": jurors, "entries": entries}


def export_audits() -> list[AuditRecord]:
    return list(db.session.scalars(select(AuditRecord).where(AuditRecord.action == "jury.export")))


def test_csv_has_a_bom_and_one_row_per_juror_entry_and_criterion(client, auth, chair, closed_round):
    auth.login(chair.email)
    response = client.get(f"/jury/rounds/{closed_round['round'].id}/scores.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "private, no-store"
    body = response.data
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[0] == header_labels()
    assert len(rows) - 1 == JURORS * ENTRIES * len(CRITERIA)
    codes = {entry.code for entry in closed_round["entries"]}
    assert {row[2] for row in rows[1:]} == codes
    assert {row[5] for row in rows[1:]} == {c.name_vi for c in CRITERIA}
    assert {row[7] for row in rows[1:]} == {"5.0", "6.0", "7.0"}
    assert any(row[9] == '\'=HYPERLINK("http://x")' for row in rows[1:])  # neutralised
    entrant_names = {entry.entrant.full_name for entry in closed_round["entries"]}
    assert not entrant_names & {cell for row in rows for cell in row}
    [record] = export_audits()
    assert record.subject_id == str(closed_round["round"].id) and record.after["format"] == "csv"
    assert record.after["rows"] == JURORS * ENTRIES * len(CRITERIA)


def test_xlsx_opens_in_openpyxl(client, auth, admin, closed_round):
    auth.login(admin.email)
    response = client.get(f"/jury/rounds/{closed_round['round'].id}/scores.xlsx")
    assert response.status_code == 200
    workbook = load_workbook(io.BytesIO(response.get_data()))
    response.close()  # a WSGI server closes it: that closes the temporary file
    sheet = workbook.active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == header_labels()
    assert len(rows) - 1 == JURORS * ENTRIES * len(CRITERIA)
    assert {row[7] for row in rows[1:]} == {5.0, 6.0, 7.0}
    assert any(row[9] == '\'=HYPERLINK("http://x")' for row in rows[1:])
    assert [r.after["format"] for r in export_audits()] == ["xlsx"]


def test_exports_refused_before_close_and_not_audited(client, auth, chair, make_juror, make_accepted, make_round):
    make_accepted(1)
    round_ = make_round([make_juror()])
    auth.login(chair.email)
    for tail in ("scores.csv", "scores.xlsx", "summary"):
        assert client.get(f"/jury/rounds/{round_.id}/{tail}").status_code == 409
    assert export_audits() == []


def test_selection_round_sheet_has_one_row_per_review_with_the_verdict(
    client, auth, chair, make_juror, make_accepted, make_round
):
    jurors = [make_juror(), make_juror()]
    make_accepted(3)
    round_ = make_round(jurors, kind=RoundKind.SELECTION, criteria=())
    for review in db.session.scalars(select(Review).where(Review.round_id == round_.id)):
        services.save_review(review, review.juror, services.ReviewInput(verdict=Verdict.YES))
    services.close_round(round_, chair)
    db.session.commit()
    auth.login(chair.email)
    body = client.get(f"/jury/rounds/{round_.id}/scores.csv").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))[1:]
    assert len(rows) == 2 * 3 and {row[7] for row in rows} == {vi("Yes")}


def test_summary_renders_the_ranking_agreement_and_rule(client, auth, chair, closed_round):
    round_ = closed_round["round"]
    services.advance_entries(round_, chair, AdvanceMethod.MEAN, top_n=2)
    db.session.commit()
    auth.login(chair.email)
    response = client.get(f"/jury/rounds/{round_.id}/summary")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "css/jury-chair.css" in html and 'class="print-summary"' in html
    assert html.count("<tr data-code=") == ENTRIES
    assert 'data-figure="kendall-w"' in html and "top 2" in html
    assert 'id="summary-rule"' in html
