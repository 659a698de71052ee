"""Organisers' changes to contests: settings, status, current contest, clones, categories,
prizes and staff. Each function validates, applies, writes one audit record and flushes.

Dates are edited as calendar days in the contest's timezone: a window opens at the start
of its first local day and closes at the end (24:00) of its last one.
"""

from app.contest.settings.categories import (
    FORMATS_BY_MEDIA,
    CategorySettings,
    category_settings_of,
    category_settings_problems,
    save_category,
)
from app.contest.settings.contests import (
    ContestSettings,
    ContestStateRefused,
    clone_contest,
    contest_settings_problems,
    make_contest_current,
    set_contest_status,
    settings_of,
    update_contest,
)
from app.contest.settings.prizes import PrizeSettings, delete_prize, prize_settings_problems, save_prize
from app.contest.settings.staff import StaffRefused, active_entry_count, add_staff_member, remove_staff_member

__all__ = [
    "FORMATS_BY_MEDIA",
    "CategorySettings",
    "ContestSettings",
    "ContestStateRefused",
    "PrizeSettings",
    "StaffRefused",
    "active_entry_count",
    "add_staff_member",
    "category_settings_of",
    "category_settings_problems",
    "clone_contest",
    "contest_settings_problems",
    "delete_prize",
    "make_contest_current",
    "prize_settings_problems",
    "remove_staff_member",
    "save_category",
    "save_prize",
    "set_contest_status",
    "settings_of",
    "update_contest",
]
