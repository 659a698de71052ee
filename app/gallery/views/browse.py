"""The public gallery: the grid of accepted entries, an entry's page and its share links.

Views of the gallery and of entry pages, and share clicks (through our redirect, or the copy-link
beacon), are counted by the reach statistics.

Registering `is_gallery_asset` with the media pages makes the web copies of entries in an open gallery
public; originals never are.
"""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from app.contest.services import get_current_contest
from app.core.timeutil import utcnow
from app.extensions import db
from app.gallery import bp, pages, services
from app.gallery.models import ReachEvent
from app.gallery.views.reach import record_view
from app.media.views import publish_derivatives_when

publish_derivatives_when(services.is_gallery_asset)


@bp.get("/gallery")
def current_gallery():
    """The current contest's gallery."""
    contest = get_current_contest()
    if contest is None:
        abort(404)
    return redirect(url_for("gallery.gallery", slug=contest.slug))


@bp.get("/gallery/<slug>")
def gallery(slug: str):
    """One page of cards with filters, sorts and search; no JavaScript needed."""
    now = utcnow()
    contest = services.require_open_gallery(slug, now)
    seed, is_new_seed = pages.visitor_seed(request.cookies.get(pages.SEED_COOKIE))
    query = pages.parse_gallery_query(contest, request.args, now)
    body = render_template("gallery/index.html", **pages.gallery_context(contest, query, seed, now))
    record_view(contest)
    return pages.make_response_with_seed(body, seed if is_new_seed else None)


@bp.get("/gallery/<slug>/<code>")
def entry_page(slug: str, code: str):
    """An entry: large picture with lightbox, series, video, story, vote button, share links, Open Graph."""
    now = utcnow()
    contest = services.require_open_gallery(slug, now)
    entry = services.public_entry(contest, code)
    vote_state = services.vote_state(contest, entry, current_user, now)
    record_view(contest, entry)
    return render_template("gallery/entry.html", **pages.entry_context(contest, entry, now, vote_state))


@bp.get("/gallery/<slug>/<code>/share/<network>")
def share(slug: str, code: str, network: str):
    """Count a share click, then send the visitor on to the network's share page."""
    contest = services.require_open_gallery(slug)
    entry = services.public_entry(contest, code)
    target = pages.share_target(network, pages.entry_url(contest, entry))
    if target is None:
        abort(404)
    services.record_reach(contest, ReachEvent.SHARE, entry=entry)
    db.session.commit()
    return redirect(target, code=303)


@bp.post("/gallery/<slug>/<code>/shared")
def shared(slug: str, code: str):
    """The copy-link button's beacon (CSRF-checked form post): count the share, nothing to show."""
    contest = services.require_open_gallery(slug)
    entry = services.public_entry(contest, code)
    services.record_reach(contest, ReachEvent.SHARE, entry=entry)
    db.session.commit()
    return "", 204
