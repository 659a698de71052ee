"""Pure entry rules: ages, the contest's calendar, and what a photo's metadata suggests.

No Flask, no database: these take plain values so the edge cases (a birthday today,
the last minute before the deadline, a camera clock without a timezone) are tested
directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from app.core.timeutil import to_local

# Programs that edit pictures, as they name themselves in EXIF Software. Cameras and phones
# write their firmware there ("Ver.1.10", "HDR+ 1.0", "17.4.1"), which is not editing.
EDITING_SOFTWARE = re.compile(
    r"photoshop|lightroom|gimp|snapseed|capture one|affinity|luminar|skylum|pixelmator|darktable|"
    r"rawtherapee|dxo|picsart|vsco|meitu|facetune|remini|canva|fotor|photoscape|paint\.net|"
    r"photodirector|polarr|afterlight|airbrush|topaz|on1 photo|acdsee|corel|krita|inkscape|"
    r"picasa|photos? editor",
    re.IGNORECASE,
)


def age_on(birth_date: date, day: date) -> int:
    """Completed years of age on `day`: the birthday itself counts (born 29 Feb: 1 Mar)."""
    had_birthday = (day.month, day.day) >= (birth_date.month, birth_date.day)
    return day.year - birth_date.year - (0 if had_birthday else 1)


def local_date(moment: datetime, tz_name: str) -> date:
    """The calendar date of a UTC instant in the contest's timezone."""
    return to_local(moment, tz_name).date()


def is_within(day: date, start: date | None, end: date | None) -> bool:
    """Whether a date lies in an inclusive window whose ends may be open."""
    return (start is None or day >= start) and (end is None or day <= end)


def capture_date(captured_at: str | None, tz_name: str) -> date | None:
    """The local date a photo was taken, from EXIF's ISO time; a time without zone is local."""
    if not captured_at:
        return None
    try:
        moment = datetime.fromisoformat(captured_at)
    except ValueError:
        return None
    if moment.tzinfo is None:  # camera clocks keep local time
        return moment.date()
    return local_date(moment, tz_name)


def editing_software(exif: dict) -> str | None:
    """The editing program EXIF names, if any."""
    software = exif.get("software") or ""
    return software if EDITING_SOFTWARE.search(software) else None


@dataclass(frozen=True)
class CreationWindow:
    """When works must have been made, in the contest's timezone."""

    start: date | None
    end: date | None
    tz_name: str


def photo_flags(exif: dict, window: CreationWindow) -> list[dict]:
    """Authenticity triage for one photo: reasons an organiser may want a closer look.

    Flags never refuse an entry: missing metadata is common (messaging apps strip it)
    and light editing is allowed; they only point organisers at what to check.
    """
    flags: list[dict] = []
    taken = capture_date(exif.get("captured_at"), window.tz_name)
    if taken is None:
        flags.append({"code": "no_capture_time"})
    elif not is_within(taken, window.start, window.end):
        flags.append({"code": "captured_outside_window", "captured_on": taken.isoformat()})
    software = editing_software(exif)
    if software:
        flags.append({"code": "editing_software", "software": software})
    return flags
