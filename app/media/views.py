"""Serving web derivatives (the upload pages belong to the features that claim media)."""

from __future__ import annotations

from flask import abort, current_app, redirect, send_file
from flask_login import current_user

from app.auth.models import Role
from app.extensions import db
from app.media import bp, services
from app.media.models import MediaAsset, ProcessingState


def can_view_derivatives(asset: MediaAsset) -> bool:
    """Owners and staff see web copies; features that publish media widen this later."""
    return current_user.is_authenticated and (
        asset.owner_id == current_user.id or current_user.has_role(Role.MODERATOR)
    )


@bp.get("/media/<asset_id>/<name>")
def derivative(asset_id: str, name: str):
    """A web copy: straight from disk, via the proxy (X-Accel-Redirect), or a presigned URL."""
    asset = db.session.get(MediaAsset, asset_id)
    if asset is None or asset.state != ProcessingState.READY or asset.derivative(name) is None:
        abort(404)
    if not can_view_derivatives(asset):
        abort(404)  # not 403: do not confirm that the id exists
    stored = asset.derivative(name).file
    storage = services.current_storage()
    url = storage.public_url(stored.key, content_type=stored.content_type, immutable=True)
    if url:
        return redirect(url, code=302)
    path = storage.local_path(stored.key)
    accel_prefix = current_app.config.get("MEDIA_ACCEL_REDIRECT_PREFIX")
    if accel_prefix:
        response = current_app.response_class(status=200, mimetype=stored.content_type)
        response.headers["X-Accel-Redirect"] = f"{accel_prefix.rstrip('/')}/{stored.key}"
    else:
        response = send_file(path, mimetype=stored.content_type, conditional=True, etag=stored.sha256 or True)
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
