"""The pure entry rules: ages, local dates of EXIF times, editing software and authenticity flags.

No Flask and no database here, so the suite's table reset is switched off for this module.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from app.entries.rules import (
    CreationWindow,
    age_on,
    capture_date,
    editing_software,
    is_within,
    local_date,
    photo_flags,
)

TZ = "Asia/Ho_Chi_Minh"
WINDOW = CreationWindow(date(2023, 1, 1), date(2025, 10, 1), TZ)


@pytest.fixture(autouse=True)
def clean_state():
    """Overrides the suite's database reset: these rules know nothing of Flask or the database."""
    yield


# ---------------------------------------------------------------------------- age_on


def test_age_on_the_15th_birthday_is_15():
    """The birthday itself counts: born 1 Oct 2010, one is 15 on 1 Oct 2025."""
    assert age_on(date(2010, 10, 1), date(2025, 10, 1)) == 15


def test_age_the_day_before_the_15th_birthday_is_14():
    """Until the birthday, the year is not complete."""
    assert age_on(date(2010, 10, 1), date(2025, 9, 30)) == 14


def test_age_counts_a_birthday_earlier_in_the_year_and_a_later_month():
    """Month and day are compared together: a later day in an earlier month is not yet the birthday."""
    assert age_on(date(2010, 3, 31), date(2025, 4, 1)) == 15
    assert age_on(date(2010, 4, 2), date(2025, 4, 1)) == 14


def test_born_on_29_february_has_the_birthday_on_1_march_in_common_years():
    """In a year without 29 February the birthday is reached on 1 March, not on 28 February."""
    born = date(2008, 2, 29)
    assert age_on(born, date(2023, 2, 28)) == 14
    assert age_on(born, date(2023, 3, 1)) == 15


def test_born_on_29_february_has_the_birthday_on_29_february_in_leap_years():
    born = date(2008, 2, 29)
    assert age_on(born, date(2024, 2, 28)) == 15
    assert age_on(born, date(2024, 2, 29)) == 16


# ---------------------------------------------------------------------------- dates


def test_local_date_is_the_calendar_date_in_the_contest_timezone():
    """17:00 UTC is midnight in Vietnam (UTC+7): the local date has already moved on."""
    assert local_date(datetime(2025, 9, 30, 16, 59, 59, tzinfo=UTC), TZ) == date(2025, 9, 30)
    assert local_date(datetime(2025, 9, 30, 17, 0, tzinfo=UTC), TZ) == date(2025, 10, 1)


def test_is_within_is_inclusive_and_open_ends_are_unbounded():
    assert is_within(date(2023, 1, 1), date(2023, 1, 1), date(2025, 10, 1))
    assert is_within(date(2025, 10, 1), date(2023, 1, 1), date(2025, 10, 1))
    assert not is_within(date(2022, 12, 31), date(2023, 1, 1), date(2025, 10, 1))
    assert not is_within(date(2025, 10, 2), date(2023, 1, 1), date(2025, 10, 1))
    assert is_within(date(1900, 1, 1), None, date(2025, 10, 1))
    assert is_within(date(2999, 1, 1), date(2023, 1, 1), None)


def test_capture_date_with_an_offset_is_converted_into_the_contest_timezone():
    """A photo taken 30 Sep 23:30 in UTC was taken on 1 Oct in Vietnam."""
    assert capture_date("2025-09-30T23:30:00+00:00", TZ) == date(2025, 10, 1)
    assert capture_date("2025-10-01T06:30:00+09:00", TZ) == date(2025, 10, 1)  # 04:30 in Vietnam
    assert capture_date("2025-10-01T06:30:00-05:00", TZ) == date(2025, 10, 1)  # 18:30 in Vietnam
    assert capture_date("2025-10-01T20:00:00-05:00", TZ) == date(2025, 10, 2)  # 08:00 next day


def test_capture_date_without_zone_is_taken_as_local_camera_time():
    """Camera clocks keep local time: a naive 23:30 stays on its own date, it is not shifted from UTC."""
    assert capture_date("2025-09-30T23:30:00", TZ) == date(2025, 9, 30)
    assert capture_date("2025-10-01T00:10:00", TZ) == date(2025, 10, 1)


@pytest.mark.parametrize("value", [None, "", "not a date", "2025:09:30 23:30:00"])
def test_capture_date_of_missing_or_unreadable_time_is_none(value):
    assert capture_date(value, TZ) is None


# ---------------------------------------------------------------------------- editing software


@pytest.mark.parametrize(
    "software",
    [
        "Adobe Photoshop 25.0 (Windows)",
        "Adobe Photoshop 25.0",
        "Snapseed",
        "Lightroom",
        "Adobe Lightroom Classic 13.0",
        "GIMP 2.10.36",
        "Capture One 23 Macintosh",
    ],
)
def test_editing_programs_are_recognised(software):
    """Editing programs, whatever their case or version, are named."""
    assert editing_software({"software": software}) == software


@pytest.mark.parametrize(
    "software",
    ["Ver.1.10", "HDR+ 1.0.540104767zd", "17.4.1", "Firmware Version 1.2.0", "G998BXXU5EWA3", "", None],
)
def test_camera_and_phone_firmware_is_not_editing_software(software):
    """Cameras and phones write their firmware in Software; that is not editing."""
    assert editing_software({"software": software}) is None


def test_no_software_tag_is_not_editing():
    assert editing_software({}) is None


# ---------------------------------------------------------------------------- photo_flags


def codes(flags: list[dict]) -> list[str]:
    return [flag["code"] for flag in flags]


def test_clean_photo_gets_no_flags():
    """Capture time inside the creation window and camera firmware: nothing to check."""
    exif = {"captured_at": "2025-04-30T08:15:00+07:00", "software": "Ver.1.10"}
    assert photo_flags(exif, WINDOW) == []


@pytest.mark.parametrize("exif", [{}, {"captured_at": None, "software": None}, {"captured_at": "garbage"}])
def test_photo_without_capture_time_is_flagged(exif):
    """Messaging apps strip EXIF: the organiser is told the capture time is missing."""
    assert photo_flags(exif, WINDOW) == [{"code": "no_capture_time"}]


def test_photo_captured_before_the_window_is_flagged_with_its_local_date():
    exif = {"captured_at": "2022-12-31T16:59:00+00:00"}  # 23:59 on 31 Dec 2022 in Vietnam
    assert photo_flags(exif, WINDOW) == [{"code": "captured_outside_window", "captured_on": "2022-12-31"}]


def test_photo_captured_after_the_window_is_flagged():
    exif = {"captured_at": "2025-10-02T00:00:00"}
    assert photo_flags(exif, WINDOW) == [{"code": "captured_outside_window", "captured_on": "2025-10-02"}]


def test_window_edges_are_judged_in_the_contest_timezone():
    """17:30 UTC on 31 Dec 2022 is 1 Jan 2023 in Vietnam: inside the window, so no flag."""
    assert photo_flags({"captured_at": "2022-12-31T17:30:00+00:00"}, WINDOW) == []
    assert photo_flags({"captured_at": "2025-10-01T16:59:00+00:00"}, WINDOW) == []
    assert codes(photo_flags({"captured_at": "2025-10-01T17:00:00+00:00"}, WINDOW)) == ["captured_outside_window"]


def test_photo_from_editing_software_is_flagged_with_the_program():
    exif = {"captured_at": "2025-04-30T08:15:00+07:00", "software": "Adobe Photoshop 25.0 (Windows)"}
    assert photo_flags(exif, WINDOW) == [{"code": "editing_software", "software": "Adobe Photoshop 25.0 (Windows)"}]


def test_flags_add_up():
    """A photo can have several reasons to look closer; each is listed."""
    exif = {"captured_at": None, "software": "Snapseed"}
    assert codes(photo_flags(exif, WINDOW)) == ["no_capture_time", "editing_software"]


def test_open_window_never_flags_the_date():
    exif = {"captured_at": "1999-01-01T00:00:00"}
    assert photo_flags(exif, CreationWindow(None, None, TZ)) == []
