"""API: the caller's own entries, their status and the processing of their files.

The entry pages poll this to update without reloading. Entering and changing works
goes through the pages for now; they call the same services.
"""

from __future__ import annotations

from flask_login import current_user
from flask_smorest import Blueprint

from app.api.common import verified_required
from app.api.schemas import ApiErrorSchema, EntrySchema
from app.core.i18n import localized
from app.entries import services
from app.entries.labels import FILE_STATE_LABELS, REFUSED_STEP_LABELS, STATUS_LABELS, STEP_LABELS
from app.entries.models import Entry
from app.entries.pages import thumbnail

blp = Blueprint("entries_api", __name__, url_prefix="/entries", description="The caller's entries.")


def _step_label(entry: Entry, step: services.Step) -> str:
    if step.key == "decision" and step.state == "failed":
        return str(REFUSED_STEP_LABELS[entry.status.value])
    return str(STEP_LABELS[step.key])


def entry_view(entry: Entry) -> dict:
    """An entry as its entrant sees it: never the organisers' authenticity flags."""
    progress = [services.file_progress(f) for f in entry.files]
    refused = entry.status.value in ("rejected", "disqualified")
    return {
        "code": entry.code,
        "kind": entry.kind.value,
        "status": entry.status.value,
        "status_label": str(STATUS_LABELS[entry.status.value]),
        "title_vi": entry.title_vi,
        "title_en": entry.title_en,
        "category": localized(entry.category, "name"),
        "needs_attention": services.needs_attention(entry),
        "decision_reason": entry.decision_reason if refused else None,
        "submitted_at": entry.submitted_at,
        "thumbnail": thumbnail(entry.files[0].asset) if entry.files else None,
        "steps": [
            {"key": s.key, "state": s.state, "label": _step_label(entry, s)} for s in services.entry_steps(entry)
        ],
        "files": [
            {
                "position": p.position,
                "asset_id": p.asset_id,
                "filename": p.filename,
                "state": p.state,
                "state_label": str(FILE_STATE_LABELS[p.state]),
                "message": p.message,
                "caption_vi": f.caption_vi,
                "caption_en": f.caption_en,
            }
            for p, f in zip(progress, entry.files, strict=True)
        ],
    }


@blp.get("")
@verified_required(blp)
@blp.response(200, EntrySchema(many=True))
def list_entries():
    """The caller's entries, newest first."""
    return [entry_view(entry) for entry in services.list_own_entries(current_user)]


@blp.get("/<code>")
@verified_required(blp)
@blp.response(200, EntrySchema)
@blp.alt_response(404, schema=ApiErrorSchema, description="No such entry of yours.")
def get_entry(code: str):
    """One of the caller's entries by its code; another entrant's code answers 404."""
    return entry_view(services.get_own_entry(code, current_user))
