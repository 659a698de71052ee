"""API: resumable uploads speaking the tus 1.0 protocol (core, creation, termination, expiration).

Why tus: it is an open standard with clients for browsers and phones, and its model (create,
ask the offset, append from there) is exactly what a dropped mobile connection needs.
Chunks go through the app rather than straight to S3 with presigned part URLs, so the
server can refuse a file as soon as it breaks a limit and check its first bytes; each
chunk becomes one part of a storage multipart upload, so any web process can take the
next chunk and no file is ever held in memory.

Besides tus headers, POST and GET answer JSON for the pages' own uploader.
"""

from __future__ import annotations

import base64
import binascii

from flask import current_app, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_smorest import Blueprint

from app.api.common import csrf_protected, verified_required
from app.api.schemas import ApiErrorSchema, UploadSchema
from app.contest.services import media_rules_for_category
from app.core.errors import ValidationFailed
from app.extensions import db
from app.media import services
from app.media.models import Upload, UploadState

TUS_VERSION = "1.0.0"
TUS_EXTENSIONS = "creation,termination,expiration"

blp = Blueprint("uploads", __name__, url_prefix="/uploads", description="Resumable uploads (tus 1.0).")

UPLOAD_HEADERS_DOC = {
    "parameters": [
        {"in": "header", "name": "Tus-Resumable", "schema": {"type": "string", "example": TUS_VERSION}},
    ]
}


def parse_metadata(header: str) -> dict[str, str]:
    """Decode tus Upload-Metadata: comma-separated 'key base64value' pairs."""
    values: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in (header or "").split(","))):
        key, _, encoded = item.partition(" ")
        try:
            values[key] = base64.b64decode(encoded, validate=True).decode("utf-8") if encoded else ""
        except (binascii.Error, UnicodeDecodeError) as error:
            raise _invalid("Upload-Metadata", _l("Metadata values must be base64-encoded UTF-8.")) from error
    return values


def _invalid(field: str, message) -> ValidationFailed:
    return ValidationFailed({field: [message]})


def _int_header(name: str) -> int:
    raw = request.headers.get(name, "")
    if not raw.isdigit():
        raise _invalid(name, _l("%(header)s must be a non-negative whole number.", header=name))
    return int(raw)


def _tus_headers(upload: Upload | None = None) -> dict[str, str]:
    headers = {"Tus-Resumable": TUS_VERSION, "Cache-Control": "no-store"}
    if upload is not None:
        headers["Upload-Offset"] = str(upload.received_bytes)
        headers["Upload-Length"] = str(upload.declared_length)
        headers["Upload-Expires"] = upload.expires_at.strftime("%a, %d %b %Y %H:%M:%S GMT")
    return headers


def _status(upload: Upload) -> dict:
    return {
        "id": upload.id,
        "offset": upload.received_bytes,
        "length": upload.declared_length,
        "state": upload.state.value,
        "asset_id": upload.asset_id,
        "filename": upload.original_filename,
        "expires_at": upload.expires_at,
        "chunk_size": current_app.config["UPLOAD_CHUNK_BYTES"],
    }


@blp.route("", methods=["OPTIONS"])
@blp.doc(summary="tus capabilities")
@blp.response(204)
def capabilities():
    """Tell tus clients the version, extensions and size limit this server supports."""
    return "", 204, {
        "Tus-Resumable": TUS_VERSION,
        "Tus-Version": TUS_VERSION,
        "Tus-Extension": TUS_EXTENSIONS,
        "Tus-Max-Size": str(current_app.config["UPLOAD_MAX_BYTES"]),
    }


@blp.post("")
@verified_required(blp)
@csrf_protected(blp, also="Missing or malformed Upload-Length or Upload-Metadata.")
@blp.doc(
    parameters=[
        {"in": "header", "name": "Upload-Length", "required": True, "schema": {"type": "integer", "minimum": 1}},
        {
            "in": "header",
            "name": "Upload-Metadata",
            "required": True,
            "description": "tus metadata: 'filename <b64>,filetype <b64>,category <b64 category id>'",
            "schema": {"type": "string"},
        },
    ]
)
@blp.response(201, UploadSchema)
@blp.alt_response(404, schema=ApiErrorSchema, description="Unknown category or no contest open.")
@blp.alt_response(422, schema=ApiErrorSchema, description="The file is refused (size, type).")
@blp.alt_response(503, schema=ApiErrorSchema, description="Storage temporarily unavailable.")
def create_upload():
    """Open an upload for a file of Upload-Length bytes meant for a contest category."""
    length = _int_header("Upload-Length")
    metadata = parse_metadata(request.headers.get("Upload-Metadata", ""))
    if not metadata.get("category"):
        raise _invalid("Upload-Metadata", _l("Upload-Metadata must name the category (key 'category')."))
    rules = media_rules_for_category(metadata["category"])
    upload = services.start_upload(
        current_user, metadata.get("filename", ""), metadata.get("filetype", ""), length, rules
    )
    db.session.commit()
    location = url_for("uploads.upload_status", upload_id=upload.id)
    return _status(upload), 201, {**_tus_headers(upload), "Location": location}


@blp.route("/<upload_id>", methods=["HEAD"])
@verified_required(blp)
@blp.doc(summary="Upload offset (tus)")
@blp.response(200)
@blp.alt_response(404, schema=ApiErrorSchema, description="No such upload.")
def upload_offset(upload_id: str):
    """How many bytes the server holds, so a client resumes from there."""
    upload = services.get_upload(upload_id, current_user)
    if upload.state == UploadState.ABORTED:
        raise services.UploadNotFound()
    return "", 200, _tus_headers(upload)


@blp.get("/<upload_id>")
@verified_required(blp)
@blp.response(200, UploadSchema)
@blp.alt_response(404, schema=ApiErrorSchema, description="No such upload.")
def upload_status(upload_id: str):
    """The upload's progress and, once complete, the id of the media asset it became."""
    upload = services.get_upload(upload_id, current_user)
    return _status(upload), 200, _tus_headers(upload)


@blp.route("/<upload_id>", methods=["PATCH"])
@verified_required(blp)
@csrf_protected(blp, also="Wrong content type, chunk too small or connection dropped mid-chunk.")
@blp.doc(
    parameters=[
        {"in": "header", "name": "Upload-Offset", "required": True, "schema": {"type": "integer", "minimum": 0}},
    ],
    requestBody={
        "required": True,
        "content": {"application/offset+octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    },
)
@blp.response(204)
@blp.alt_response(404, schema=ApiErrorSchema, description="No such upload.")
@blp.alt_response(409, schema=ApiErrorSchema, description="Upload-Offset is not where the upload stands.")
@blp.alt_response(411, schema=ApiErrorSchema, description="Content-Length is required.")
@blp.alt_response(413, schema=ApiErrorSchema, description="Chunk larger than allowed.")
@blp.alt_response(422, schema=ApiErrorSchema, description="The file is refused (size, type).")
@blp.alt_response(503, schema=ApiErrorSchema, description="Storage temporarily unavailable.")
def append_chunk(upload_id: str):
    """Append one chunk at Upload-Offset; the last chunk completes the upload.

    Two commits on purpose: the first makes the chunk's reservation visible to other
    processes before the (slow) body is read, the second records the stored part.
    """
    upload = services.get_upload(upload_id, current_user)
    if request.mimetype != "application/offset+octet-stream":
        raise _invalid("Content-Type", _l("Content-Type must be application/offset+octet-stream."))
    offset = _int_header("Upload-Offset")
    length = request.content_length
    if length is None:
        raise _invalid("Content-Length", _l("Content-Length is required."))
    services.claim_chunk(upload, offset, length)
    db.session.commit()
    try:
        services.store_chunk(upload, request.stream, length)
    finally:
        db.session.commit()  # keep the released lease (or the refusal's abort) either way
    return "", 204, _tus_headers(upload)


@blp.route("/<upload_id>", methods=["DELETE"])
@verified_required(blp)
@csrf_protected(blp)
@blp.response(204)
@blp.alt_response(404, schema=ApiErrorSchema, description="No such upload.")
def terminate_upload(upload_id: str):
    """Cancel an upload and free what storage holds of it (tus termination)."""
    upload = services.get_upload(upload_id, current_user)
    services.abort_upload(upload)
    db.session.commit()
    return "", 204, _tus_headers()
