"""The display wall: the slideshow page, its playlist (winners, finalists, else everything) and QR codes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.contest.models import ContestStatus
from app.core.timeutil import utcnow
from app.entries.models import EntryHonour
from app.extensions import db
from app.gallery import pages
from tests.gallery.test_browse import give_derivatives


@pytest.fixture
def wall(voting_contest):
    return f"/wall/{voting_contest.slug}"


def playlist_codes(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    return [slide["code"] for slide in response.get_json()["slides"]]


def test_wall_is_not_found_before_the_gallery_opens(app_ctx, client, contest):
    contest.status = ContestStatus.PUBLISHED
    contest.voting_open_at = utcnow() + timedelta(days=3)
    contest.voting_close_at = utcnow() + timedelta(days=5)
    db.session.commit()
    assert client.get(f"/wall/{contest.slug}").status_code == 404
    assert client.get(f"/wall/{contest.slug}/playlist.json").status_code == 404


def test_playlist_prefers_winners_then_finalists_then_every_accepted_entry(
    app_ctx, client, make_public_entries, voting_contest, wall
):
    plain, finalist, winner = make_public_entries(3)
    assert sorted(playlist_codes(client, f"{wall}/playlist.json")) == sorted([plain.code, finalist.code, winner.code])
    finalist.honour = EntryHonour.FINALIST
    db.session.commit()
    assert playlist_codes(client, f"{wall}/playlist.json") == [finalist.code]
    winner.honour = EntryHonour.PRIZE
    db.session.commit()
    assert playlist_codes(client, f"{wall}/playlist.json") == [winner.code]
    assert sorted(playlist_codes(client, f"{wall}/playlist.json?show=finalists")) == sorted(
        [finalist.code, winner.code]
    )


def test_playlist_slide_has_title_picture_entry_url_and_no_author_while_hidden(
    app_ctx, client, make_public_entries, voting_contest, wall, tmp_path
):
    entry = make_public_entries(1)[0]
    give_derivatives(entry, tmp_path)
    slide = client.get(f"{wall}/playlist.json").get_json()["slides"][0]
    assert slide["title"] == entry.title_vi
    assert slide["author"] is None
    assert slide["image"] == f"/media/{entry.files[0].asset_id}/w2560.jpg"
    assert slide["url"] == f"http://localhost/gallery/{voting_contest.slug}/{entry.code}"
    assert slide["qr"] == f"/wall/{voting_contest.slug}/qr/{entry.code}.svg"
    voting_contest.shows_authors_before_results = True
    db.session.commit()
    assert client.get(f"{wall}/playlist.json").get_json()["slides"][0]["author"] == entry.credit_name


def test_wall_page_shows_first_slide_with_inline_qr(app_ctx, client, make_public_entries, voting_contest, wall):
    entry = make_public_entries(1)[0]
    response = client.get(f"{wall}?seconds=2&show=finalists")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<svg viewBox="' in html and 'class="segno"' in html
    assert 'data-seconds="4"' in html  # clamped to the minimum
    assert entry.title_vi in html
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "<script>" not in html


def test_qr_route_returns_cached_svg_of_the_entry_url(
    app_ctx, client, make_public_entries, voting_contest, monkeypatch
):
    entry = make_public_entries(1)[0]
    encoded = []
    real_make = pages.segno.make
    monkeypatch.setattr(pages.segno, "make", lambda content, **kw: encoded.append(content) or real_make(content, **kw))
    response = client.get(f"/wall/{voting_contest.slug}/qr/{entry.code}.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert response.get_data().lstrip().startswith(b"<?xml")
    assert "max-age=86400" in response.headers["Cache-Control"]
    assert encoded == [f"http://localhost/gallery/{voting_contest.slug}/{entry.code}"]
    assert encoded[0] == pages.entry_url(voting_contest, entry)
    assert client.get(f"/wall/{voting_contest.slug}/qr/NOPE-1.svg").status_code == 404
