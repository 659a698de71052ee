"""The display wall: a full-screen slideshow of winners (or finalists) for unattended public screens.

The page carries its playlist; wall.js advances it, reloads the playlist every few minutes and the
page once a day. QR codes are SVG made on the server (segno) and cached by the screens for a long time.
"""

from __future__ import annotations

from flask import current_app, jsonify, render_template, request

from app.core.timeutil import utcnow
from app.gallery import bp, pages, services

SECONDS_DEFAULT = 12
SECONDS_RANGE = (4, 600)


def _seconds() -> int:
    """?seconds= within a sane range, or the default."""
    value = request.args.get("seconds", type=int)
    if value is None:
        return SECONDS_DEFAULT
    return max(SECONDS_RANGE[0], min(SECONDS_RANGE[1], value))


def _show() -> str | None:
    return services.HonourFilter.FINALISTS.value if request.args.get("show") == "finalists" else None


@bp.get("/wall/<slug>")
def wall(slug: str):
    """The slideshow page (dark, full screen, no cursor)."""
    now = utcnow()
    contest = services.require_open_gallery(slug, now)
    return render_template("gallery/wall.html", **pages.wall_context(contest, _show(), _seconds(), now))


@bp.get("/wall/<slug>/playlist.json")
def wall_playlist(slug: str):
    """The slides as JSON, reloaded by the wall every few minutes."""
    now = utcnow()
    contest = services.require_open_gallery(slug, now)
    context = pages.wall_context(contest, _show(), _seconds(), now)
    response = jsonify({"slides": context["slides"], "generated_at": now.isoformat()})
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/wall/<slug>/qr/<code>.svg")
def wall_qr(slug: str, code: str):
    """The QR code of an entry page's address, as SVG, cached for a day."""
    contest = services.require_open_gallery(slug)
    entry = services.public_entry(contest, code)
    response = current_app.response_class(pages.qr_svg_file(pages.entry_url(contest, entry)), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
