"""The public results page: nothing before publication, then the winners, the hash and the exact bytes hashed."""

from __future__ import annotations

import hashlib
import json

from flask_babel import refresh

from app.contest.models import ContestStatus
from app.extensions import db
from app.jury import services
from app.jury.services.prizes import is_published_winner_asset
from app.media.models import Derivative, StoredFile
from app.media.services import current_storage
from tests.conftest import csrf_from
from tests.jury import test_prizes_views
from tests.jury.test_prizes_views import publish, text, vi

judged = test_prizes_views.judged  # the fixture, shared with the prize desk tests

WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"


def give_thumbnail(entry, tmp_path) -> str:
    """Store a real w480.webp web copy for the entry's file; its URL."""
    asset = entry.files[0].asset
    key = f"derivatives/{asset.id}/w480.webp"
    source = tmp_path / f"{asset.id}.webp"
    source.write_bytes(WEBP)
    current_storage().put_file(key, source, "image/webp")
    stored = StoredFile(backend="local", key=key, size=len(WEBP), content_type="image/webp")
    asset.derivatives.append(Derivative(name="w480.webp", file=stored, width=480, height=320))
    db.session.commit()
    return f"/media/{asset.id}/w480.webp"


def fetch(client, url: str) -> tuple[int, bytes]:
    """Status and body of a media URL, the file closed afterwards."""
    response = client.get(url)
    try:
        return response.status_code, response.get_data()
    finally:
        response.close()


def jury_words(result) -> list[str]:
    """Text that only the jury's work could put on a page: round names, finalists' codes and titles."""
    words = [result.first.name_vi, result.final.name_vi, result.first.name_en, result.final.name_en]
    for entry in result.entries[:3]:
        words += [entry.code, entry.title_vi]
    return words


# ---------------------------------------------------------------------------- before publication


def test_results_page_is_404_before_publication(client, judged):
    judged.finalise()
    response = client.get(f"/results/{judged.contest.slug}")
    assert response.status_code == 404
    assert vi("The results of this contest have not been published yet.") in text(response)
    assert client.get(f"/results/{judged.contest.slug}/v1.json").status_code == 404


def test_nothing_of_the_jury_leaks_before_publication(client, auth, judged, tmp_path):
    """Finals finalised and a prize given, not yet published: public pages, the entrant's pages and API say nothing."""
    judged.finalise()
    services.award_prize(judged.prize(1), judged.entries[0], judged.chair)
    db.session.commit()
    url = give_thumbnail(judged.entries[0], tmp_path)
    assert not is_published_winner_asset(judged.entries[0].files[0].asset_id)
    assert fetch(client, url)[0] == 404
    for path in ("/", f"/contests/{judged.contest.slug}", f"/results/{judged.contest.slug}"):
        html = text(client.get(path))
        for word in jury_words(judged):
            assert word not in html, (path, word)
    winner = judged.entries[0]
    auth.login(winner.entrant.email)
    api = client.get(f"/api/v1/entries/{winner.code}")
    assert api.status_code == 200
    body = api.get_data(as_text=True)
    for key in ("round", "score", "rank", "jur", "award"):
        assert key not in body.lower(), key
    steps = {step["key"]: step["state"] for step in api.get_json()["steps"]}
    assert steps["finalist"] == steps["prize"] == "todo"  # the timeline moves on only with published results
    assert judged.final.name_vi not in body and judged.prize(1).name_vi not in body
    page = text(client.get(f"/my-entries/{winner.code}"))
    for word in (judged.final.name_vi, judged.first.name_vi, judged.prize(1).name_vi):
        assert word not in page


# ---------------------------------------------------------------------------- after publication


def test_results_page_shows_the_winner_and_the_hash(client, judged, tmp_path):
    thumb = give_thumbnail(judged.entries[0], tmp_path)
    publication = publish(judged, (1, 0, ""), (2, 1, "Hội đồng chọn theo đa số"))
    html = text(client.get(f"/results/{judged.contest.slug}"))
    winner = judged.entries[0]
    assert winner.title_vi in html and winner.credit_name in html and winner.code in html
    assert winner.entrant.email not in html
    assert judged.prize(1).name_vi in html and judged.prize(2).name_vi in html
    assert "Hội đồng chọn theo đa số" in html
    assert vi("SHA-256 of the published results:") in html
    assert publication.sha256 in html
    assert f"/results/{judged.contest.slug}/v1.json" in html
    assert "sha256sum" in html
    assert thumb in html
    assert judged.entries[2].code not in html  # a finalist without a prize


def test_downloaded_json_is_the_hashed_bytes(client, judged):
    publication = publish(judged, (1, 0, ""))
    response = client.get(f"/results/{judged.contest.slug}/v1.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    shown = text(client.get(f"/results/{judged.contest.slug}"))
    digest = hashlib.sha256(response.get_data()).hexdigest()
    assert digest == publication.sha256 and digest in shown
    assert json.loads(response.get_data())["prizes"][0]["code"] == judged.entries[0].code


def test_winner_derivatives_become_public_after_publication(client, judged, tmp_path):
    winner_url = give_thumbnail(judged.entries[0], tmp_path)
    other_url = give_thumbnail(judged.entries[1], tmp_path)
    assert fetch(client, winner_url)[0] == 404
    publish(judged, (1, 0, ""))
    assert fetch(client, winner_url) == (200, WEBP)
    assert fetch(client, other_url)[0] == 404


def test_a_prize_given_after_publication_stays_private_until_republished(client, judged, tmp_path):
    publish(judged, (1, 0, ""))
    later = judged.entries[1]
    url = give_thumbnail(later, tmp_path)
    services.award_prize(judged.prize(2), later, judged.chair, tie_note="Quyết định của chủ tịch")
    db.session.commit()
    assert fetch(client, url)[0] == 404
    assert later.code not in text(client.get(f"/results/{judged.contest.slug}"))
    services.publish_results(judged.contest, judged.chair)
    db.session.commit()
    assert fetch(client, url)[0] == 200
    html = text(client.get(f"/results/{judged.contest.slug}"))
    assert later.code in html


def test_older_versions_are_listed_with_their_hashes(client, judged):
    first = publish(judged, (1, 0, ""))
    services.award_prize(judged.prize(2), judged.entries[1], judged.chair, tie_note="Biểu quyết")
    second = services.publish_results(judged.contest, judged.chair, "Bổ sung giải nhì")
    db.session.commit()
    html = text(client.get(f"/results/{judged.contest.slug}"))
    assert first.sha256 in html and second.sha256 in html
    assert "Bổ sung giải nhì" in html
    old = client.get(f"/results/{judged.contest.slug}/v1.json").get_data()
    assert hashlib.sha256(old).hexdigest() == first.sha256
    assert client.get(f"/results/{judged.contest.slug}/v3.json").status_code == 404


def test_results_page_follows_the_language_switch(client, judged):
    publish(judged, (1, 0, ""))
    page = f"/results/{judged.contest.slug}"
    token = csrf_from(client.get(page).get_data(as_text=True))
    client.post("/language", data={"csrf_token": token, "locale": "en", "next": page})
    refresh()  # the test's app context is shared with the client's requests: drop the cached locale
    html = text(client.get(page))
    assert '<html lang="en">' in html
    assert "SHA-256 of the published results:" in html
    assert judged.entries[0].title_en in html
    assert judged.prize(1).name_en in html


def test_results_of_a_draft_contest_are_404(client, judged):
    publish(judged, (1, 0, ""))
    judged.contest.status = ContestStatus.DRAFT
    db.session.commit()
    assert client.get(f"/results/{judged.contest.slug}").status_code == 404
    assert client.get(f"/results/{judged.contest.slug}/v1.json").status_code == 404
