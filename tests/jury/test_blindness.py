"""The blindness walk: a juror learns nothing of who made an entry, from any page, JSON, URL, header or file.

An entrant with a distinctive name and email sends a group photo series (credit name, member names,
a distinctive original file name, EXIF Artist/Copyright and an XMP creator) and a video (with artist
and title tags), both processed by the real media pipeline. The juror then walks every juror-facing
URL reachable from /jury (links, media, forms and script data are collected from the pages, so new
pages are walked too), before and after scoring and confirming, and nothing identifying may appear.
"""

from __future__ import annotations

import html
import io
import json
import re
import unicodedata
from collections import deque
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
from PIL import ExifTags, Image
from sqlalchemy import select

from app.entries.models import Entry, EntryKind, EntryStatus
from app.entries.services import FileChoice, submit_entry
from app.extensions import db
from app.jury.models import JuryRound, Review
from app.media.models import MediaAsset, MediaKind, ProcessingState
from app.media.tasks import process_asset
from tests.conftest import csrf_from
from tests.entries.conftest import choices, make_declarations, make_details
from tests.media import video_fixtures as clips

ENTRANT_NAME = "Nguyễn Văn Độc Nhất"
ENTRANT_EMAIL = "doc.nhat.tac.gia@example.com"
CREDIT_NAME = "Nhóm Ảnh Lạc Hồng Vô Song"
MEMBERS = ("Phùng Thị Khuê Tú", "Lưu Đình Quyết Thắng")
PHOTO_FILENAME = "Nguyễn_Văn_Độc_Nhất_IMG_2024.jpg"
VIDEO_FILENAME = "Phim_của_Độc_Nhất_quay_lén.mp4"
EXIF_ARTIST = "Artist Zephyrine Quillfeather"
EXIF_COPYRIGHT = "Copyright Quillfeather Photo Agency 2025"
XMP_CREATOR = "Xmp Creator Ottoline Brackwater"
VIDEO_ARTIST = "Video Artist Bartholomew Vantablack"
VIDEO_TITLE = "Secret clip by Vantablack"

# JSON keys that would point at a person, a file's origin or the order of submission.
FORBIDDEN_KEYS = ("entrant", "user", "owner", "email", "author", "code", "filename", "asset", "submitted", "upload")
JURY_PREFIX = "/jury"
URL_ATTRIBUTES = re.compile(r'\s(?:href|src|poster|action|data-[a-z-]*url)="([^"]*)"')
SRCSET = re.compile(r'\ssrcset="([^"]*)"')


def fold(text: str) -> str:
    """Lower case without diacritics (đ → d), so "Độc Nhất" and "doc nhat" are the same needle."""
    decomposed = unicodedata.normalize("NFKD", text.replace("Đ", "D").replace("đ", "d"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def jpeg_with_author(seed: int) -> bytes:
    """A noise JPEG carrying EXIF Artist and Copyright and an XMP packet naming its creator."""
    image = Image.effect_noise((900 + seed, 700), 40).convert("RGB")
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = EXIF_ARTIST
    exif[ExifTags.Base.Copyright] = EXIF_COPYRIGHT
    exif[ExifTags.Base.Software] = "Camera firmware 1.0"
    xmp = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        '<rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator><rdf:Seq><rdf:li>'
        f"{XMP_CREATOR}</rdf:li></rdf:Seq></dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>"
    ).encode()
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, exif=exif, xmp=xmp)
    data = buffer.getvalue()
    assert EXIF_ARTIST.encode() in data and XMP_CREATOR.encode() in data, "the source really carries the author"
    return data


def mp4_with_author(path: Path) -> bytes:
    """A two-second H.264/AAC clip tagged with an artist and a title."""
    args = [*clips.testsrc("640x360", 2), *clips.sine(2), *clips.h264(), "-c:a", "aac", "-b:a", "64k"]
    args += ["-metadata", f"artist={VIDEO_ARTIST}", "-metadata", f"title={VIDEO_TITLE}"]
    clips.run_ffmpeg(*args, str(path))
    data = path.read_bytes()
    assert VIDEO_ARTIST.encode() in data
    return data


@pytest.fixture
def blind_setup(app, contest, photo, video, make_entrant, make_asset, make_juror, make_round, tmp_path):
    """The distinctive entrant's photo series and video, processed for real, accepted and in open rounds."""
    photo.min_long_edge_px, photo.min_bytes, photo.max_bytes = 600, None, 12 * 1024 * 1024
    db.session.commit()
    entrant = make_entrant(email=ENTRANT_EMAIL, full_name=ENTRANT_NAME)
    photos = [
        make_asset(
            entrant, MediaKind.PHOTO, ProcessingState.PENDING, sha256=None, data=jpeg_with_author(n), filename=name
        )
        for n, name in enumerate((PHOTO_FILENAME, "DSC_Độc_Nhất_0002.jpg"))
    ]
    clip = make_asset(
        entrant,
        MediaKind.VIDEO,
        ProcessingState.PENDING,
        sha256=None,
        data=mp4_with_author(tmp_path / "clip.mp4"),
        filename=VIDEO_FILENAME,
    )
    group = make_details(
        credit_name=CREDIT_NAME, is_group=True, members=MEMBERS, title_vi="Mùa gặt trên đồng Yên Thành"
    )
    files = [FileChoice(photos[0].id, "Sáng sớm trên đồng", "Early morning"), *choices(photos[1])]
    series = submit_entry(entrant, photo, EntryKind.PHOTO_SERIES, group, make_declarations(), files)
    film = submit_entry(
        entrant, video, EntryKind.VIDEO, make_details(credit_name=ENTRANT_NAME), make_declarations(), choices(clip)
    )
    db.session.commit()
    for asset_id in [a.id for a in (*photos, clip)]:
        with app.app_context():
            process_asset(asset_id)
    db.session.expire_all()
    for asset in (*photos, clip):
        assert db.session.get(MediaAsset, asset.id).state == ProcessingState.READY
    for entry in (series, film):
        entry.status = EntryStatus.ACCEPTED
    db.session.commit()

    juror = make_juror(email="giamkhao.mu@example.com", full_name="Giám Khảo Mù")
    rounds = [make_round([juror]), make_round([juror], category=video, name_vi="Vòng phim", name_en="Film round")]
    return {"entrant": entrant, "entries": [series, film], "assets": [*photos, clip], "juror": juror, "rounds": rounds}


def needles(setup) -> list[str]:
    """Every identifying string, as the juror must never receive it."""
    entrant, entries, assets = setup["entrant"], setup["entries"], setup["assets"]
    found = [ENTRANT_NAME, ENTRANT_EMAIL, CREDIT_NAME, *MEMBERS, EXIF_ARTIST, EXIF_COPYRIGHT, XMP_CREATOR]
    found += [VIDEO_ARTIST, VIDEO_TITLE, PHOTO_FILENAME, Path(PHOTO_FILENAME).stem, VIDEO_FILENAME, "Độc_Nhất"]
    found += [entry.code for entry in entries] + [asset.id for asset in assets]
    moments = [entry.submitted_at for entry in entries] + [asset.created_at for asset in assets]
    moments += [asset.processed_at for asset in assets if asset.processed_at]
    for moment in moments:
        found += [moment.isoformat(), moment.strftime("%Y-%m-%dT%H:%M"), moment.strftime("%Y-%m-%d %H:%M")]
    found += [f'"entrant_id": {entrant.id}', f'"user_id": {entrant.id}', f'"owner_id": {entrant.id}']
    return found


def leaks(text: str, forbidden: list[str]) -> list[str]:
    """The forbidden strings found in text, compared without case or diacritics, raw or URL-encoded."""
    haystack = fold(html.unescape(text))
    return [n for n in forbidden if fold(n) in haystack or fold(quote(n)) in haystack or quote(fold(n)) in haystack]


def linked_urls(page: str) -> list[str]:
    """Every same-site URL a page points to: links, media, srcset entries, form actions, script data."""
    found = [html.unescape(url) for url in URL_ATTRIBUTES.findall(page)]
    for srcset in SRCSET.findall(page):
        found += [html.unescape(part.strip().split(" ")[0]) for part in srcset.split(",") if part.strip()]
    return [url for url in found if url.startswith("/") and not url.startswith("//")]


def json_keys(value) -> list[str]:
    if isinstance(value, dict):
        return [str(k) for k in value] + [k for v in value.values() for k in json_keys(v)]
    if isinstance(value, list):
        return [k for v in value for k in json_keys(v)]
    return []


def check_media(url: str, body: bytes, content_type: str, forbidden: list[str]) -> None:
    """A web copy carries no EXIF or XMP and no identifying text in its bytes."""
    lowered = body.lower()
    for needle in forbidden:
        for variant in {needle, fold(needle)}:
            assert variant.encode().lower() not in lowered, f"{url} bytes contain {needle!r}"
    assert b"xmpmeta" not in lowered and b"exif\x00\x00" not in lowered, url
    if content_type.startswith("image/"):
        with Image.open(io.BytesIO(body)) as image:
            assert len(image.getexif()) == 0, f"{url} has EXIF"
            assert not {"exif", "xmp", "XML:com.adobe.xmp", "comment"} & set(image.info), f"{url}: {image.info.keys()}"
    else:
        assert content_type == "video/mp4", url


def walk(client, forbidden: list[str]) -> dict[str, int]:
    """GET every juror-facing URL reachable from /jury; check each response; return url → status."""
    queue, statuses = deque([JURY_PREFIX]), {}
    while queue:
        url = queue.popleft()
        if url in statuses:
            continue
        assert not url.startswith("/media/"), f"a juror page points at non-blind media: {url}"
        response = client.get(url)
        body = response.get_data()
        response.close()  # releases the file a media response streams from
        statuses[url] = response.status_code
        assert response.status_code in {200, 302, 405}, (url, response.status_code)
        assert not leaks(url, forbidden), (url, leaks(url, forbidden))
        header_text = "\n".join(f"{name}: {value}" for name, value in response.headers.items())
        assert not leaks(header_text, forbidden), (url, leaks(header_text, forbidden))
        assert "Last-Modified" not in response.headers or not url.startswith("/jury/media/"), url
        content_type = response.mimetype or ""
        if content_type.startswith(("image/", "video/")):
            check_media(url, body, content_type, forbidden)
            continue
        text = body.decode()
        assert not leaks(text, forbidden), (url, leaks(text, forbidden))
        if content_type == "application/json":
            bad = [k for k in json_keys(json.loads(text)) if any(f in k.lower() for f in FORBIDDEN_KEYS)]
            assert not bad, (url, bad)
        targets = [response.headers["Location"]] if response.status_code == 302 else linked_urls(text)
        for target in targets:
            path = urlsplit(target)
            local = path.path + (f"?{path.query}" if path.query else "")
            if local.startswith(JURY_PREFIX) and local not in statuses:
                queue.append(local)
    return statuses


def test_juror_pages_json_urls_headers_and_media_never_reveal_the_entrant(blind_setup, auth, client):
    forbidden = needles(blind_setup)
    juror, rounds = blind_setup["juror"], blind_setup["rounds"]
    assert auth.login(juror.email).status_code == 302

    before = walk(client, forbidden)
    reviews = db.session.scalars(select(Review).where(Review.juror_id == juror.id, Review.removed_at.is_(None))).all()
    assert len(reviews) == 2
    for review in reviews:
        screen = f"/jury/rounds/{review.round_id}/{review.position}"
        assert before.get(screen) == 200, f"the walk missed {screen}"
        assert before.get(f"{screen}?unscored=1") == 200, "the unscored filter was walked"
        assert before.get(f"/jury/rounds/{review.round_id}/confirm") == 200
        assert before.get(f"/jury/rounds/{review.round_id}/reviews/{review.token}") == 200
    media = [url for url in before if url.startswith("/jury/media/")]
    names = {url.rsplit("/", 1)[1] for url in media}
    assert {"w480.webp", "w1280.webp", "w2560.jpg", "720p.mp4", "poster.jpg"} <= names, names
    assert len({url.split("/")[4] for url in media if url.endswith(".webp")}) == 2, "both photos of the series"
    series_page = client.get(f"/jury/rounds/{rounds[0].id}/1").get_data(as_text=True)
    assert "Mùa gặt trên đồng Yên Thành" in series_page and "Sáng sớm trên đồng" in series_page
    film_page = client.get(f"/jury/rounds/{rounds[1].id}/1").get_data(as_text=True)
    assert re.search(r'<video [^>]*controls preload="none"[^>]*poster="/jury/media/[^"]+/1/poster\.jpg"', film_page)

    # Score and confirm everything through the API and the confirm form; every answer is checked too.
    for review in reviews:
        round_ = db.session.get(JuryRound, review.round_id)
        token = csrf_from(client.get(f"/jury/rounds/{round_.id}/{review.position}").get_data(as_text=True))
        body = {"scores": {str(c.id): 7.5 for c in round_.criteria}, "comment": "Rất ấn tượng"}
        saved = client.post(
            f"/jury/rounds/{round_.id}/reviews/{review.token}", json=body, headers={"X-CSRFToken": token}
        )
        assert saved.status_code == 200 and saved.get_json()["complete"] is True
        assert not leaks(saved.get_data(as_text=True), forbidden)
        confirmed = client.post(f"/jury/rounds/{round_.id}/confirm", data={"csrf_token": token})
        assert confirmed.status_code == 302

    after = walk(client, forbidden)
    assert set(media) <= set(after), "the read-only screen still shows every file"


def status_of(client, url: str) -> int:
    """GET a URL and close the response (media responses hold their file open until closed)."""
    response = client.get(url)
    response.close()
    return response.status_code


def test_blind_media_is_refused_once_the_review_is_taken_away(blind_setup, auth, client):
    juror = blind_setup["juror"]
    assert auth.login(juror.email).status_code == 302
    review = db.session.scalar(select(Review).where(Review.juror_id == juror.id).order_by(Review.round_id))
    url = f"/jury/media/{review.token}/1/w1280.webp"
    assert status_of(client, url) == 200
    assert status_of(client, f"/jury/media/{review.token}/1/social.jpg") == 404, "only the jury's copies"
    assert status_of(client, f"/jury/media/{review.token}/9/w1280.webp") == 404
    page = client.get(f"/jury/rounds/{review.round_id}/{review.position}").get_data(as_text=True)
    response = client.post(
        f"/jury/rounds/{review.round_id}/reviews/{review.token}/conflict",
        data={"reason": "Tôi quen tác giả", "csrf_token": csrf_from(page)},
    )
    assert response.status_code == 302
    assert status_of(client, url) == 404
    entry = db.session.get(Entry, review.entry_id)
    assert entry.status == EntryStatus.ACCEPTED
