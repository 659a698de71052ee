"""Serving web derivatives (the upload pages belong to the features that claim media)."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, current_app, redirect, send_file
from flask_login import current_user

from app.auth.models import Role
from app.extensions import db
from app.media import bp, services
from app.media.models import MediaAsset, ProcessingState, StoredFile

# Rules of other features (media knows nothing of contests) that make an asset's web copies public,
# e.g. the jury's "won a prize in published results"; each takes an asset id.
_public_rules: list[Callable[[str], bool]] = []


def publish_derivatives_when(rule: Callable[[str], bool]) -> Callable[[str], bool]:
    """Register a rule (asset id → bool; it may look at current_user) that lets the visitor see web copies."""
    if rule not in _public_rules:
        _public_rules.append(rule)
    return rule


def can_view_derivatives(asset: MediaAsset) -> bool:
    """Owners and staff see web copies; everyone does once a registered rule makes them public."""
    if current_user.is_authenticated and (asset.owner_id == current_user.id or current_user.has_role(Role.MODERATOR)):
        return True
    return any(rule(asset.id) for rule in _public_rules)


@bp.get("/media/<asset_id>/<name>")
def derivative(asset_id: str, name: str):
    """A web copy: straight from disk, via the proxy (X-Accel-Redirect), or a presigned URL."""
    asset = db.session.get(MediaAsset, asset_id)
    if asset is None or asset.state != ProcessingState.READY or asset.derivative(name) is None:
        abort(404)
    if not can_view_derivatives(asset):
        abort(404)  # not 403: do not confirm that the id exists
    return send_stored(asset.derivative(name).file)


def send_stored(stored: StoredFile, *, blind: bool = False):
    """Send a stored web copy: straight from disk, via the proxy (X-Accel-Redirect), or a presigned URL.

    blind (the jury's copies): the browser learns neither where the file lives (its key names the asset)
    nor when it was made, so there is no redirect and no Last-Modified; the app streams the bytes itself.
    """
    storage = services.current_storage()
    url = None if blind else storage.public_url(stored.key, content_type=stored.content_type, immutable=True)
    if url:
        return redirect(url, code=302)
    path = storage.local_path(stored.key)
    accel_prefix = None if blind else current_app.config.get("MEDIA_ACCEL_REDIRECT_PREFIX")
    if accel_prefix:
        response = current_app.response_class(status=200, mimetype=stored.content_type)
        response.headers["X-Accel-Redirect"] = f"{accel_prefix.rstrip('/')}/{stored.key}"
    else:
        source = path if path is not None else storage.open(stored.key)
        response = send_file(source, mimetype=stored.content_type, conditional=True, etag=stored.sha256 or True)
    if blind:
        response.headers.pop("Last-Modified", None)
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
