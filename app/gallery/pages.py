"""What the gallery, entry and wall pages show, assembled from services so the views stay a few lines each."""

from __future__ import annotations

import io
import secrets
from datetime import datetime
from urllib.parse import quote

import segno
from flask import Response, current_app, make_response, url_for
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict

from app.contest.models import Contest
from app.core.i18n import current_locale, localized
from app.entries.labels import KIND_LABELS
from app.entries.models import Entry, EntryKind
from app.gallery import services
from app.gallery.services.browsing import Card, GalleryQuery, GallerySort, HonourFilter, parse_cursor
from app.media.models import MediaAsset, ProcessingState

SEED_COOKIE = "gallery_seed"
SEED_MAX_AGE = 90 * 24 * 3600
CARD_SIZES = "(min-width: 64em) 23vw, (min-width: 40em) 31vw, 48vw"
LARGE_SIZES = "(min-width: 80em) 1280px, 100vw"
SORT_LABELS = {
    GallerySort.FAIR: _l("Random (fair)"),
    GallerySort.NEWEST: _l("Newest"),
    GallerySort.MOST_VOTED: _l("Most voted"),
}
HONOUR_LABELS = {HonourFilter.FINALISTS: _l("Finalists"), HonourFilter.WINNERS: _l("Winners")}
SHARE_TARGETS = {
    "facebook": "https://www.facebook.com/sharer/sharer.php?u={url}",
    "zalo": "https://sp.zalo.me/share_to?url={url}",
    "x": "https://twitter.com/intent/tweet?url={url}",
}


def visitor_seed(cookie: str | None) -> tuple[str, bool]:
    """The visitor's shuffle seed from their cookie, or a fresh one (True: set the cookie)."""
    if cookie and len(cookie) == 32 and all(ch in "0123456789abcdef" for ch in cookie):
        return cookie, False
    return secrets.token_hex(16), True


def make_response_with_seed(body: str, new_seed: str | None) -> Response:
    """The page as a response, setting the visitor's shuffle seed cookie when it is new (SameSite=Lax)."""
    response = make_response(body)
    if new_seed is not None:
        response.set_cookie(
            SEED_COOKIE,
            new_seed,
            max_age=SEED_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        )
    return response


def parse_gallery_query(contest: Contest, args: MultiDict, now: datetime) -> GalleryQuery:
    """The filters, sort, search and cursor from the query string; unknown values are ignored."""
    category_ids = {str(category.id): category.id for category in contest.categories}
    sorts = {sort.value: sort for sort in available_sorts(contest, now)}
    sort = sorts.get(args.get("sort", ""), GallerySort.FAIR)
    return GalleryQuery(
        category_id=category_ids.get(args.get("category", "")),
        kind=EntryKind(args["kind"]) if args.get("kind") in EntryKind._value2member_map_ else None,
        honour=HonourFilter(args["show"]) if args.get("show") in HonourFilter._value2member_map_ else None,
        text=args.get("q", "").strip()[: services.SEARCH_MAX],
        sort=sort,
        after=parse_cursor(args.get("after")),
    )


def available_sorts(contest: Contest, now: datetime) -> list[GallerySort]:
    """The sorts offered: "most voted" only while counts are public."""
    sorts = [GallerySort.FAIR, GallerySort.NEWEST]
    if services.counts_are_public(contest, now):
        sorts.append(GallerySort.MOST_VOTED)
    return sorts


def _derivative_url(asset: MediaAsset, name: str, external: bool = False) -> str:
    return url_for("media.derivative", asset_id=asset.id, name=name, _external=external)


def picture(asset: MediaAsset, names: tuple[str, ...], sizes: str) -> dict | None:
    """An <img>'s src, srcset, width, height and blurhash from the asset's web copies; None until processed."""
    if asset.state != ProcessingState.READY:
        return None
    found = [d for d in (asset.derivative(name) for name in names) if d is not None]
    if not found:
        found = [d for d in (asset.derivative(name) for name in ("poster.jpg",)) if d is not None]
    if not found:
        return None
    first = found[0]
    return {
        "src": _derivative_url(asset, first.name),
        "srcset": ", ".join(f"{_derivative_url(asset, d.name)} {d.width}w" for d in found),
        "sizes": sizes,
        "width": first.width,
        "height": first.height,
        "full": _derivative_url(asset, found[-1].name),
        "placeholder": asset.placeholder or "",
    }


def card_picture(card: Card, media_url: str) -> dict | None:
    """The thumbnail of a card in every card size; media_url has "ASSET" and "NAME" to fill in."""
    if not card.thumbnails:
        return None
    base = media_url.replace("ASSET", card.asset_id)
    urls = [(base.replace("NAME", name), width) for name, width, _ in card.thumbnails]
    _, width, height = card.thumbnails[0]
    return {
        "src": urls[0][0],
        "srcset": ", ".join(f"{url} {w}w" for url, w in urls),
        "sizes": CARD_SIZES,
        "width": width,
        "height": height,
        "placeholder": card.placeholder,
    }


def gallery_context(contest: Contest, query: GalleryQuery, seed: str, now: datetime) -> dict:
    """The gallery page: one page of cards, the filters and sorts on offer, the link to the next page."""
    page = services.gallery_page(contest, query, seed, now)
    media_url = url_for("media.derivative", asset_id="ASSET", name="NAME")
    base_args = {
        "category": query.category_id,
        "kind": query.kind.value if query.kind else None,
        "show": query.honour.value if query.honour else None,
        "q": query.text or None,
        "sort": query.sort.value if query.sort is not GallerySort.FAIR else None,
    }
    base_args = {name: value for name, value in base_args.items() if value}
    next_url = (
        url_for("gallery.gallery", slug=contest.slug, after=page.next_cursor, **base_args)
        if page.next_cursor
        else None
    )
    return {
        "contest": contest,
        "query": query,
        "page": page,
        "cards": [(card, card_picture(card, media_url)) for card in page.cards],
        "show_authors": page.shows_authors,
        "show_counts": page.shows_counts,
        "sorts": [(sort.value, SORT_LABELS[sort]) for sort in available_sorts(contest, now)],
        "honours": [(honour.value, HONOUR_LABELS[honour]) for honour in HonourFilter],
        "kinds": [(kind.value, KIND_LABELS[kind.value]) for kind in EntryKind],
        "is_first_page": query.after is None,
        "entry_base": url_for("gallery.gallery", slug=contest.slug),
        "honour_badges": {"prize": _l("Prize"), "finalist": _l("Finalist")},
        "next_url": next_url,
        "first_url": url_for("gallery.gallery", slug=contest.slug, **base_args),
    }


def entry_url(contest: Contest, entry: Entry) -> str:
    """The entry page's absolute URL (for sharing, Open Graph and the wall's QR code)."""
    return url_for("gallery.entry_page", slug=contest.slug, code=entry.code, _external=True)


def _series(entry: Entry) -> list[dict]:
    return [
        {
            "picture": picture(f.asset, ("w480.webp", "w1280.webp", "w2560.jpg"), LARGE_SIZES),
            "caption": (f.caption_en if current_locale() == "en" else "") or f.caption_vi,
        }
        for f in entry.files
    ]


def _video(entry: Entry) -> dict | None:
    if entry.kind != EntryKind.VIDEO or not entry.files:
        return None
    asset = entry.files[0].asset
    video, poster = asset.derivative("720p.mp4"), asset.derivative("poster.jpg")
    if video is None:
        return None
    return {
        "src": _derivative_url(asset, video.name),
        "poster": _derivative_url(asset, poster.name) if poster else "",
        "width": video.width,
        "height": video.height,
    }


def _social_image(entry: Entry) -> dict | None:
    asset = entry.files[0].asset if entry.files else None
    social = asset.derivative("social.jpg") if asset is not None else None
    if social is None:
        return None
    return {"url": _derivative_url(asset, social.name, external=True), "width": social.width, "height": social.height}


def entry_context(contest: Contest, entry: Entry, now: datetime, vote_state=None) -> dict:
    """The entry page: pictures or video, words, share links, Open Graph data and the vote button's state."""
    show_counts = services.counts_are_public(contest, now)
    valid, voided = services.entry_votes(entry)
    url = entry_url(contest, entry)
    title = localized(entry, "title")
    return {
        "contest": contest,
        "entry": entry,
        "title": title,
        "series": _series(entry),
        "video": _video(entry),
        "show_authors": services.authors_are_public(contest, now),
        "show_counts": show_counts,
        "valid_votes": valid if show_counts else None,
        "voided_votes": voided,
        "vote_state": vote_state,
        "entry_url": url,
        "share_links": {
            network: url_for("gallery.share", slug=contest.slug, code=entry.code, network=network)
            for network in SHARE_TARGETS
        },
        "og": {
            "title": title,
            "description": (entry.story or entry.place or localized(contest, "name"))[:200],
            "image": _social_image(entry),
            "url": url,
            "locale": "en_US" if current_locale() == "en" else "vi_VN",
            "alternate": "vi_VN" if current_locale() == "en" else "en_US",
        },
    }


def share_target(network: str, url: str) -> str | None:
    """The share URL of a network for a page, or None for a network we do not offer."""
    template = SHARE_TARGETS.get(network)
    return template.format(url=quote(url, safe="")) if template else None


def qr_svg(url: str) -> str:
    """An inline <svg> QR code for a URL (medium error correction, a quiet zone of 2 modules)."""
    code = segno.make(url, error="m", micro=False)
    return code.svg_inline(scale=1, border=2, dark="#000", light="#fff", omitsize=True)


def qr_svg_file(url: str) -> bytes:
    """The same QR code as a standalone SVG document."""
    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="svg", scale=4, border=2, dark="#000", light="#fff")
    return out.getvalue()


def wall_slide(contest: Contest, entry: Entry, show_authors: bool) -> dict:
    """One slide of the display wall: the large picture, title, author when public, entry URL and its QR code."""
    image = picture(entry.files[0].asset, ("w1280.webp", "w2560.jpg"), "100vw") if entry.files else None
    url = entry_url(contest, entry)
    return {
        "code": entry.code,
        "title": localized(entry, "title"),
        "author": entry.credit_name if show_authors else None,
        "image": image["full"] if image else None,
        "width": image["width"] if image else None,
        "height": image["height"] if image else None,
        "url": url,
        "qr": url_for("gallery.wall_qr", slug=contest.slug, code=entry.code),
    }


def wall_context(contest: Contest, show: str | None, seconds: int, now: datetime) -> dict:
    """The display wall: every slide, the first one's QR inline, and the playlist's address."""
    show_authors = services.authors_are_public(contest, now)
    slides = [wall_slide(contest, entry, show_authors) for entry in services.wall_entries(contest, show)]
    return {
        "contest": contest,
        "slides": slides,
        "first_qr": qr_svg(slides[0]["url"]) if slides else "",
        "seconds": seconds,
        "playlist_url": url_for("gallery.wall_playlist", slug=contest.slug, show=show or None),
    }
