"""The public gallery and entry pages: what shows, filters, search, sorts, keyset pages, Open Graph, media."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.contest.models import ContestStatus
from app.core.timeutil import utcnow
from app.entries.models import Entry, EntryHonour, EntryKind, EntryStatus
from app.extensions import db
from app.gallery import services
from app.gallery.models import EntryVoteCount, ReachCount, ReachEvent
from app.gallery.services.browsing import fair_key, fair_key_sql
from app.media.models import Derivative, StoredFile
from app.media.services import current_storage

WEBP = b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00\x2f\x00\x00\x00\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
SIZES = {"w480.webp": (480, 360), "w1280.webp": (1280, 960), "w2560.jpg": (2560, 1920), "social.jpg": (1200, 630)}


def give_derivatives(entry: Entry, tmp_path, names=tuple(SIZES)) -> None:
    """Store small real web copies for the entry's first file."""
    asset = entry.files[0].asset
    for name in names:
        key = f"derivatives/{asset.id}/{name}"
        source = tmp_path / f"{asset.id}-{name}"
        source.write_bytes(WEBP)
        current_storage().put_file(key, source, "image/webp")
        stored = StoredFile(backend="local", key=key, size=len(WEBP), content_type="image/webp")
        width, height = SIZES[name]
        asset.derivatives.append(Derivative(name=name, file=stored, width=width, height=height))
    db.session.commit()


def codes_on(html: str, slug: str) -> list[str]:
    """The entry codes the page links to, in page order."""
    return re.findall(rf'href="/gallery/{re.escape(slug)}/([^"/?]+)"', html)


def get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def flat(pages: list[list[str]]) -> list[str]:
    return [code for page in pages for code in page]


def walk(client, url: str, slug: str) -> list[list[str]]:
    """Follow the "next page" links from url to the end; the codes of each page."""
    pages = []
    while url:
        html = get(client, url)
        pages.append(codes_on(html, slug))
        found = re.search(r'id="gallery-next" href="([^"]+)"', html)
        url = found.group(1).replace("&amp;", "&") if found else None
        assert len(pages) < 100
    return pages


@pytest.fixture
def gallery(voting_contest):
    return f"/gallery/{voting_contest.slug}"


def test_gallery_is_not_found_before_it_opens(app_ctx, client, contest, make_public_entries):
    make_public_entries(1)
    contest.status = ContestStatus.PUBLISHED
    contest.voting_open_at = utcnow() + timedelta(days=30)
    contest.voting_close_at = utcnow() + timedelta(days=35)
    db.session.commit()
    assert client.get(f"/gallery/{contest.slug}").status_code == 404
    assert client.get("/gallery/no-such-contest").status_code == 404


def test_gallery_shows_only_accepted_entries(app_ctx, client, make_public_entries, voting_contest, gallery):
    shown, rejected, withdrawn = make_public_entries(3)
    rejected.status = EntryStatus.REJECTED
    withdrawn.status, withdrawn.withdrawn_at = EntryStatus.WITHDRAWN, utcnow()
    db.session.commit()
    assert codes_on(get(client, gallery), voting_contest.slug) == [shown.code]
    assert client.get("/gallery").headers["Location"].endswith(gallery)


def test_gallery_filters_by_category_kind_and_honour(
    app_ctx, client, make_public_entries, voting_contest, video, gallery
):
    photo_entry, finalist, winner = make_public_entries(3)
    film = make_public_entries(1, category=video, kind=EntryKind.VIDEO)[0]
    finalist.honour, winner.honour = EntryHonour.FINALIST, EntryHonour.PRIZE
    db.session.commit()
    slug = voting_contest.slug
    assert codes_on(get(client, f"{gallery}?category={video.id}"), slug) == [film.code]
    assert codes_on(get(client, f"{gallery}?kind=video"), slug) == [film.code]
    assert sorted(codes_on(get(client, f"{gallery}?kind=single_photo"), slug)) == sorted(
        [photo_entry.code, finalist.code, winner.code]
    )
    assert sorted(codes_on(get(client, f"{gallery}?show=finalists"), slug)) == sorted([finalist.code, winner.code])
    assert codes_on(get(client, f"{gallery}?show=winners"), slug) == [winner.code]
    assert len(codes_on(get(client, f"{gallery}?kind=bogus&show=bogus&category=x"), slug)) == 4


def test_search_ignores_diacritics_and_case(app_ctx, client, make_public_entries, voting_contest, gallery):
    by_place, by_title, other = make_public_entries(3)
    by_place.place = "Thị xã Thái Hòa, Nghệ An"
    by_title.place, by_title.title_vi, by_title.title_en = "Huế", "Mùa lúa chín", "Harvest in NGHỆ AN"
    other.place = "Đà Nẵng"
    db.session.commit()
    slug = voting_contest.slug
    assert sorted(codes_on(get(client, f"{gallery}?q=nghe+an"), slug)) == sorted([by_place.code, by_title.code])
    assert codes_on(get(client, f"{gallery}?q=MUA+LUA"), slug) == [by_title.code]
    assert codes_on(get(client, f"{gallery}?q=da+nang"), slug) == [other.code]
    assert codes_on(get(client, f"{gallery}?q=50%25_"), slug) == []


def test_authors_stay_hidden_and_unsearchable_until_public(
    app_ctx, client, make_public_entries, voting_contest, gallery
):
    entry = make_public_entries(1)[0]
    entry.credit_name = "Hoàng Văn Độc Nhất"
    db.session.commit()
    slug = voting_contest.slug
    assert "Hoàng Văn Độc Nhất" not in get(client, gallery)
    assert "Hoàng Văn Độc Nhất" not in get(client, f"{gallery}/{entry.code}")
    assert codes_on(get(client, f"{gallery}?q=doc+nhat"), slug) == []
    voting_contest.shows_authors_before_results = True
    db.session.commit()
    assert "Hoàng Văn Độc Nhất" in get(client, gallery)
    assert "Hoàng Văn Độc Nhất" in get(client, f"{gallery}/{entry.code}")
    assert codes_on(get(client, f"{gallery}?q=doc+nhat"), slug) == [entry.code]


def give_votes(entries: list[Entry], counts: list[int]) -> None:
    for entry, n in zip(entries, counts, strict=True):
        db.session.add(EntryVoteCount(entry_id=entry.id, contest_id=entry.contest_id, valid_votes=n, voided_votes=0))
    db.session.commit()


def test_hidden_counts_leak_through_neither_text_nor_order(
    app_ctx, client, make_public_entries, voting_contest, gallery
):
    entries = make_public_entries(12)
    give_votes(entries, [7919 + 1000 * n for n in range(12)])
    slug = voting_contest.slug
    fair = get(client, gallery)
    assert 'value="votes"' not in fair
    assert not re.search(r"\d+ (phiếu|votes?)", fair)
    assert "7919" not in fair and "18919" not in get(client, f"{gallery}/{entries[-1].code}")
    assert codes_on(get(client, f"{gallery}?sort=votes"), slug) == codes_on(fair, slug)
    voting_contest.vote_counts_visible = True
    db.session.commit()
    shown = get(client, f"{gallery}?sort=votes")
    assert 'value="votes"' in shown
    assert codes_on(shown, slug) == [e.code for e in reversed(entries)]
    assert "18919" in get(client, f"{gallery}/{entries[-1].code}").replace(".", "").replace(",", "")


def test_fair_order_is_stable_per_visitor_and_differs_between_visitors(
    app, app_ctx, client, make_public_entries, voting_contest, gallery
):
    make_public_entries(services.PAGE_SIZE + 6)
    slug = voting_contest.slug
    first = walk(client, gallery, slug)
    assert [len(page) for page in first] == [services.PAGE_SIZE, 6]
    assert walk(client, gallery, slug) == first
    others = [walk(app.test_client(), gallery, slug) for _ in range(3)]
    assert all(sorted(flat(o)) == sorted(flat(first)) for o in others)
    assert any(o[0] != first[0] for o in others)
    assert client.get_cookie("gallery_seed").same_site == "Lax"


@pytest.mark.parametrize("sort", ["fair", "newest", "votes"])
def test_keyset_pages_show_every_entry_exactly_once(
    app_ctx, client, make_public_entries, voting_contest, gallery, sort
):
    entries = make_public_entries(2 * services.PAGE_SIZE + 5)
    give_votes(entries, [n % 4 for n in range(len(entries))])  # many ties: the id breaks them
    voting_contest.vote_counts_visible = True
    db.session.commit()
    pages = walk(client, f"{gallery}?sort={sort}", voting_contest.slug)
    seen = flat(pages)
    assert [len(page) for page in pages] == [services.PAGE_SIZE, services.PAGE_SIZE, 5]
    assert sorted(seen) == sorted(e.code for e in entries)
    if sort == "newest":
        assert seen == [e.code for e in sorted(entries, key=lambda e: e.id, reverse=True)]


def test_fair_key_in_sql_matches_python(app_ctx, make_public_entries, voting_contest):
    make_public_entries(20)
    rows = db.session.execute(select(Entry.id, fair_key_sql("a" * 32)).order_by(Entry.id)).all()
    assert [key for _, key in rows] == [fair_key(entry_id, "a" * 32) for entry_id, _ in rows]
    assert len({key for _, key in rows}) == len(rows)


def test_gallery_query_count_does_not_grow_with_entries(
    app_ctx, client, make_public_entries, voting_contest, gallery, count_queries, tmp_path
):
    counts = []
    for n in (5, 45):
        for entry in make_public_entries(n):
            give_derivatives(entry, tmp_path, ("w480.webp", "w1280.webp"))
        voting_contest.vote_counts_visible = True
        db.session.commit()
        db.session.expire_all()
        with count_queries() as counter:
            get(client, f"{gallery}?sort=votes")
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_entry_page_has_open_graph_tags_with_absolute_image(
    app_ctx, client, make_public_entries, voting_contest, gallery, tmp_path
):
    entry = make_public_entries(1)[0]
    give_derivatives(entry, tmp_path)
    html = get(client, f"{gallery}/{entry.code}")
    asset_id = entry.files[0].asset_id
    assert f'<meta property="og:image" content="http://localhost/media/{asset_id}/social.jpg">' in html
    assert '<meta property="og:image:width" content="1200">' in html
    assert f'<meta property="og:url" content="http://localhost{gallery}/{entry.code}">' in html
    assert '<meta property="og:locale" content="vi_VN">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert f"/media/{asset_id}/w2560.jpg 2560w" in html
    facebook = client.get(f"{gallery}/{entry.code}/share/facebook")
    assert facebook.status_code == 303
    assert facebook.headers["Location"].startswith("https://www.facebook.com/sharer/sharer.php?u=http%3A%2F%2F")
    assert client.get(f"{gallery}/{entry.code}/share/myspace").status_code == 404


def test_rejected_entry_page_is_not_found(app_ctx, client, make_public_entries, voting_contest, gallery):
    entry = make_public_entries(1)[0]
    entry.status = EntryStatus.REJECTED
    db.session.commit()
    assert client.get(f"{gallery}/{entry.code}").status_code == 404
    assert client.get(f"{gallery}/{entry.code}/share/zalo").status_code == 404


def test_gallery_web_copies_are_public_only_while_the_gallery_is_open(
    app_ctx, client, make_public_entries, voting_contest, tmp_path
):
    entry = make_public_entries(1)[0]
    give_derivatives(entry, tmp_path, ("w480.webp",))
    url = f"/media/{entry.files[0].asset_id}/w480.webp"
    response = client.get(url)
    assert response.status_code == 200
    response.close()
    voting_contest.voting_open_at = utcnow() + timedelta(days=1)
    voting_contest.results_at = utcnow() + timedelta(days=30)
    db.session.commit()
    assert client.get(url).status_code == 404


def test_share_clicks_are_counted_and_the_copy_beacon_needs_csrf(
    app_ctx, client, make_public_entries, voting_contest, gallery
):
    entry = make_public_entries(1)[0]
    html = get(client, f"{gallery}/{entry.code}")
    assert 'id="vote-box"' in html  # the vote button partial, voting being open
    assert client.get(f"{gallery}/{entry.code}/share/zalo").headers["Location"].startswith(
        "https://sp.zalo.me/share_to?url=http%3A%2F%2Flocalhost%2Fgallery%2F"
    )
    assert client.post(f"{gallery}/{entry.code}/shared").status_code == 400
    token = re.search(r'data-csrf="([^"]+)"', html).group(1)
    assert client.post(f"{gallery}/{entry.code}/shared", data={"csrf_token": token}).status_code == 204
    shares = db.session.scalars(
        select(ReachCount.count).where(ReachCount.event == ReachEvent.SHARE, ReachCount.entry_id == entry.id)
    ).all()
    assert sum(shares) == 2


# ---------------------------------------------------------------------------- the fair order's decks


@pytest.fixture
def kept_decks(app, monkeypatch):
    """Decks kept a minute, as in production (a fresh cache for this test)."""
    monkeypatch.setitem(app.config, "GALLERY_ORDER_CACHE_SECONDS", 60)
    app.extensions.pop("gallery_decks", None)
    yield
    app.extensions.pop("gallery_decks", None)


def first_page_ids(contest, seed: str) -> list[int]:
    page = services.gallery_page(contest, services.GalleryQuery(), seed, utcnow())
    return [card.id for card in page.cards]


def test_every_entry_gets_the_same_share_of_first_pages(app, app_ctx, make_public_entries, voting_contest, kept_decks):
    """3,000 visitors over 60 entries: each entry is on ~1,200 first pages (24 / 60 of them)."""
    entries = make_public_entries(60)
    shown = {e.id: 0 for e in entries}
    with app.test_request_context():
        for n in range(3000):
            for entry_id in first_page_ids(voting_contest, f"{n:032x}"):
                shown[entry_id] += 1
    expected = 3000 * services.PAGE_SIZE / len(entries)
    assert sum(shown.values()) == 3000 * services.PAGE_SIZE
    # binomial(3000, 0.4): sd 27; the bounds are ±10 %, over 4 sd, for the least and most shown entries
    assert 0.9 * expected < min(shown.values()) <= max(shown.values()) < 1.1 * expected


def test_a_kept_deck_drops_a_rejected_entry_at_once_and_takes_new_ones_when_rebuilt(
    app, app_ctx, client, make_public_entries, voting_contest, gallery, kept_decks
):
    entries = make_public_entries(5)
    slug = voting_contest.slug
    assert sorted(codes_on(get(client, gallery), slug)) == sorted(e.code for e in entries)
    entries[0].status = EntryStatus.REJECTED
    db.session.commit()
    assert entries[0].code not in codes_on(get(client, gallery), slug)  # the page re-checks every filter
    (late,) = make_public_entries(1)
    assert late.code not in codes_on(get(client, gallery), slug)  # the deck is less than a minute old
    for deck in app.extensions["gallery_decks"][0].values():
        object.__setattr__(deck, "built_at", deck.built_at - 61)
    assert late.code in codes_on(get(client, gallery), slug)


def test_a_walk_whose_entry_left_starts_over_and_a_moved_one_is_found(
    app, app_ctx, client, make_public_entries, voting_contest, gallery
):
    entries = make_public_entries(services.PAGE_SIZE + 3)
    slug = voting_contest.slug
    html = get(client, gallery)
    following = re.search(r'id="gallery-next" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    last_shown = next(e for e in entries if e.code == codes_on(html, slug)[-1])
    rest = codes_on(get(client, following), slug)
    assert len(rest) == 3
    make_public_entries(2)  # the deck changes: the walk goes on from its entry's new place, not from the start
    goes_on = codes_on(get(client, following), slug)
    first_of_walk = next(e.code for e in entries if f".{e.id}" == following[following.rindex(".") :])
    # (its new place may be the end of the walk: then nothing is left, which is not starting over either)
    assert last_shown.code not in goes_on and first_of_walk not in goes_on[:1]
    last_shown.status = EntryStatus.REJECTED
    db.session.commit()
    again = codes_on(get(client, following), slug)  # gone: the walk starts over from its first card
    assert len(again) == services.PAGE_SIZE and again[0] == first_of_walk


def test_a_deep_fair_page_costs_what_the_first_costs(
    app_ctx, client, make_public_entries, voting_contest, gallery, count_queries, kept_decks
):
    make_public_entries(3 * services.PAGE_SIZE)
    pages, url, counts = 0, gallery, []
    while url:
        with count_queries() as counter:
            html = get(client, url)
        counts.append(counter.count)
        found = re.search(r'id="gallery-next" href="([^"]+)"', html)
        url = found.group(1).replace("&amp;", "&") if found else None
        pages += 1
    assert pages == 3 and counts[1] == counts[2] <= counts[0]  # the first page also built the deck
