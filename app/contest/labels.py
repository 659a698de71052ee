"""Translated labels for contest enums and milestones, shared by pages and mail."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

PHASE_LABELS = {
    "upcoming": _l("Opening soon"),
    "submissions_open": _l("Open for entries"),
    "judging": _l("Judging in progress"),
    "voting": _l("Public voting"),
    "results": _l("Results announced"),
}

MILESTONE_LABELS = {
    "submissions_open": _l("Submissions open"),
    "submissions_close": _l("Submissions close"),
    "voting_open": _l("Public voting opens"),
    "voting_close": _l("Public voting closes"),
    "results": _l("Results announced"),
}

NEXT_DEADLINE_LABELS = {
    "submissions_open": _l("Submissions open %(when)s"),
    "submissions_close": _l("Submissions close %(when)s"),
    "voting_open": _l("Voting opens %(when)s"),
    "voting_close": _l("Voting closes %(when)s"),
    "results": _l("Results %(when)s"),
}

MEDIA_TYPE_LABELS = {"photo": _l("Photo"), "video": _l("Video")}
FORMAT_LABELS = {"jpeg": "JPEG (.jpg)", "png": "PNG", "heic": "HEIC", "mp4": "MP4", "mov": "MOV"}

PROCESSING_STATE_LABELS = {
    "pending": _l("Waiting to be processed"),
    "processing": _l("Processing"),
    "ready": _l("Ready"),
    "rejected": _l("Refused"),
    "failed": _l("Processing failed"),
}
