"""Translated labels for jury enums, shared by the juror, chair, admin and public pages."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ROUND_KIND_LABELS = {
    "selection": _l("Selection (yes / no)"),
    "scoring": _l("Scoring on criteria"),
}

ROUND_STATUS_LABELS = {
    "draft": _l("Draft"),
    "open": _l("Open for judging"),
    "closed": _l("Closed"),
    "finalised": _l("Finalised"),
}

COMMENT_MODE_LABELS = {
    "none": _l("No comments"),
    "per_entry": _l("One comment per entry"),
    "per_criterion": _l("A comment per criterion"),
}

ASSIGNMENT_MODE_LABELS = {
    "all": _l("Every juror judges every entry"),
    "balanced": _l("A set number of jurors per entry, loads balanced"),
}

VERDICT_LABELS = {
    "yes": _l("Yes"),
    "maybe": _l("Maybe"),
    "no": _l("No"),
}

METHOD_LABELS = {
    "mean": _l("Mean weighted score"),
    "trimmed": _l("Trimmed mean"),
    "zscore": _l("Standardised mean (z-score)"),
    "yes_votes": _l("Number of yes votes"),
}
