"""API: the caller's media assets and where their processing stands."""

from __future__ import annotations

from flask import url_for
from flask_login import current_user
from flask_smorest import Blueprint

from app.api.common import verified_required
from app.api.schemas import ApiErrorSchema, MediaAssetSchema
from app.media import services
from app.media.models import MediaAsset, ProcessingState

blp = Blueprint("media_api", __name__, url_prefix="/media", description="Uploaded media and their processing.")


def asset_view(asset: MediaAsset) -> dict:
    """An asset as the API shows it to its owner: state, reason, web copies."""
    ready = asset.state == ProcessingState.READY
    return {
        "id": asset.id,
        "kind": asset.kind.value,
        "state": asset.state.value,
        "filename": asset.original_filename,
        "message": services.asset_message(asset),
        "width": asset.width,
        "height": asset.height,
        "duration_s": asset.duration_s,
        "placeholder": asset.placeholder,
        "captured_on": asset.captured_on,
        "created_at": asset.created_at,
        "derivatives": [
            {
                "name": d.name,
                "url": url_for("media.derivative", asset_id=asset.id, name=d.name),
                "width": d.width,
                "height": d.height,
                "content_type": d.file.content_type,
            }
            for d in (asset.derivatives if ready else [])
        ],
    }


@blp.get("")
@verified_required(blp)
@blp.response(200, MediaAssetSchema(many=True))
def list_media():
    """The caller's uploaded files, newest first."""
    return [asset_view(asset) for asset in services.list_assets(current_user)]


@blp.get("/<asset_id>")
@verified_required(blp)
@blp.response(200, MediaAssetSchema)
@blp.alt_response(404, schema=ApiErrorSchema, description="No such file.")
def get_media(asset_id: str):
    """One of the caller's files: poll this to follow its processing."""
    return asset_view(services.get_asset(asset_id, current_user))
