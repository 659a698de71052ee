"""Translated labels for entry kinds, statuses, timeline steps and authenticity flags."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.entries.models import EntryKind

KIND_SLUGS = {"photo": EntryKind.SINGLE_PHOTO, "series": EntryKind.PHOTO_SERIES, "video": EntryKind.VIDEO}
SLUG_OF_KIND = {kind: slug for slug, kind in KIND_SLUGS.items()}

KIND_LABELS = {
    "single_photo": _l("Single photo"),
    "photo_series": _l("Photo series"),
    "video": _l("Video"),
}
KIND_HELP = {
    "single_photo": _l("One photo, judged on its own."),
    "photo_series": _l("Several photos telling one story, judged together as one work."),
    "video": _l("One video file."),
}

STATUS_LABELS = {
    "submitted": _l("Processing files"),
    "received": _l("Received"),
    "under_review": _l("Under review"),
    "accepted": _l("Accepted"),
    "rejected": _l("Not accepted"),
    "disqualified": _l("Disqualified"),
    "withdrawn": _l("Withdrawn"),
}

STEP_LABELS = {
    "uploaded": _l("Uploaded"),
    "processing": _l("Processing"),
    "received": _l("Received"),
    "under_review": _l("Under review"),
    "decision": _l("Accepted"),
    "finalist": _l("Finalist"),
    "prize": _l("Prize"),
    "withdrawn": _l("Withdrawn"),
}
REFUSED_STEP_LABELS = {"rejected": _l("Not accepted"), "disqualified": _l("Disqualified")}

FILE_STATE_LABELS = {
    "pending": _l("Waiting to be processed"),
    "processing": _l("Processing"),
    "ready": _l("Ready"),
    "rejected": _l("Refused"),
    "failed": _l("Processing failed"),
    "problem": _l("Needs replacing"),
}

FLAG_LABELS = {
    "no_capture_time": _l("No capture time in the photo's metadata"),
    "captured_outside_window": _l("Taken on %(captured_on)s, outside the creation window"),
    "editing_software": _l("Metadata names editing software: %(software)s"),
}
