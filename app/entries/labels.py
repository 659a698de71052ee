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

# Why organisers refuse an entry: the entrant reads the text (in their own language) with any note.
REASON_TEMPLATES = {
    "not_in_area": _l("The work was not made in Nghệ An."),
    "outside_creation_window": _l("The work was not made within the dates the rules allow."),
    "not_own_work": _l("The work does not appear to be the entrant's own."),
    "technical_quality": _l("The technical quality is too low for the contest."),
    "file_rules": _l("The files do not meet the contest's file rules."),
    "manipulated": _l("The photo has been altered beyond what the rules allow."),
    "inappropriate_content": _l("The content is not appropriate for the contest."),
    "duplicate": _l("The same work has already been entered."),
    "other": _l("The work does not meet the contest rules."),
}
