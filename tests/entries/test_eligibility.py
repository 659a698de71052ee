"""Who may enter and when, checked through submit_entry as the views and the API call it.

Deadlines and birthdays are judged in the contest's timezone (Asia/Ho_Chi_Minh, UTC+7), so
these tests use `now` values a second either side of local midnight.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.contest.models import Contest, StaffRole
from app.core.errors import ValidationFailed
from app.entries.models import Entry, EntryCodeCounter, EntryKind, EntryStatus
from app.entries.services import (
    EmailNotVerified,
    EntryLimitReached,
    KindNotAccepted,
    StaffCannotEnter,
    SubmissionsClosed,
    SubmissionsNotOpen,
    TooYoung,
    update_entry,
    withdraw_entry,
)
from app.extensions import db
from app.media.models import MediaAsset, MediaKind
from tests.entries.conftest import category_of, choices, count, make_details, submit

SINGLE = EntryKind.SINGLE_PHOTO
# The real window: 15 Jul 2025 00:00 to 1 Oct 2025 24:00 in Vietnam.
OPEN = datetime(2025, 7, 14, 17, 0, tzinfo=UTC)
CLOSE = datetime(2025, 10, 1, 17, 0, tzinfo=UTC)
SECOND = timedelta(seconds=1)


@pytest.fixture
def dated_photo(dated_contest):
    """The photo category of the contest with its real 2025 window."""
    return category_of(dated_contest, "photo")


# ---------------------------------------------------------------------------- the submission window


def test_the_deadline_is_24h00_vietnam_time_which_is_17h00_utc_the_same_day(dated_contest):
    """ "Until the end of 1 October (24:00 Vietnam time)" is stored as 1 Oct 17:00 UTC, on every database."""
    db.session.expire_all()
    stored = db.session.get(Contest, dated_contest.id)
    assert stored.submissions_close_at == CLOSE
    assert stored.submissions_open_at == OPEN


def test_one_second_before_the_close_is_accepted(dated_photo, entrant, make_asset):
    """The last second of 1 October, Vietnam time, still takes entries."""
    entry = submit(entrant, dated_photo, SINGLE, make_asset(entrant), now=CLOSE - SECOND)
    db.session.commit()
    assert entry.status == EntryStatus.RECEIVED
    assert entry.submitted_at == CLOSE - SECOND


@pytest.mark.parametrize("after", [timedelta(0), SECOND, timedelta(hours=6, minutes=59)])
def test_at_and_after_the_close_is_refused(dated_photo, entrant, make_asset, assert_nothing_stored, after):
    """From 24:00 Vietnam time on, nothing is taken, although it is still 1 October in UTC until 24:00 UTC."""
    asset = make_asset(entrant)
    with pytest.raises(SubmissionsClosed):
        submit(entrant, dated_photo, SINGLE, asset, now=CLOSE + after)
    assert_nothing_stored(asset)


def test_before_the_opening_is_refused(dated_photo, entrant, make_asset, assert_nothing_stored):
    """23:59:59 on 14 July, Vietnam time, is too early."""
    asset = make_asset(entrant)
    with pytest.raises(SubmissionsNotOpen):
        submit(entrant, dated_photo, SINGLE, asset, now=OPEN - SECOND)
    assert_nothing_stored(asset)


def test_the_opening_instant_is_accepted(dated_photo, entrant, make_asset):
    """Entries are taken from 00:00 on 15 July, Vietnam time (17:00 UTC on 14 July)."""
    entry = submit(entrant, dated_photo, SINGLE, make_asset(entrant), now=OPEN)
    db.session.commit()
    assert entry.id is not None


def test_withdrawing_and_editing_end_at_the_deadline(dated_photo, entrant, make_asset):
    """After 24:00 Vietnam time an entry can be neither withdrawn nor changed; a second before, it can."""
    entry = submit(entrant, dated_photo, SINGLE, make_asset(entrant), now=CLOSE - timedelta(hours=1))
    db.session.commit()
    with pytest.raises(SubmissionsClosed):
        withdraw_entry(entry, now=CLOSE)
    with pytest.raises(SubmissionsClosed):
        update_entry(entry, entrant, make_details(title_vi="Đổi tên"), choices(*[f.asset for f in entry.files]), CLOSE)
    db.session.rollback()
    withdraw_entry(entry, now=CLOSE - SECOND)
    db.session.commit()
    assert entry.status == EntryStatus.WITHDRAWN


# ---------------------------------------------------------------------------- age


@pytest.fixture
def turns_15_on_1_october(make_entrant):
    """An entrant born on 1 Oct 2010: 15 from 1 Oct 2025, which starts at 30 Sep 17:00 UTC."""
    return make_entrant(email="young@example.com", birth_date=date(2010, 10, 1))


def test_entrant_may_enter_from_the_first_second_of_the_15th_birthday_local_time(
    dated_photo, turns_15_on_1_october, make_asset
):
    """At 00:00 on 1 October in Vietnam it is still 30 September in UTC: the local date is what counts."""
    entrant = turns_15_on_1_october
    entry = submit(entrant, dated_photo, SINGLE, make_asset(entrant), now=datetime(2025, 9, 30, 17, 0, tzinfo=UTC))
    db.session.commit()
    assert entry.entrant_id == entrant.id


def test_entrant_is_too_young_the_last_second_before_the_15th_birthday(
    dated_photo, turns_15_on_1_october, make_asset, assert_nothing_stored
):
    """23:59:59 on 30 September in Vietnam: still 14."""
    entrant = turns_15_on_1_october
    asset = make_asset(entrant)
    with pytest.raises(TooYoung):
        submit(entrant, dated_photo, SINGLE, asset, now=datetime(2025, 9, 30, 16, 59, 59, tzinfo=UTC))
    assert_nothing_stored(asset)


def test_minimum_age_is_the_contests_own(dated_contest, dated_photo, turns_15_on_1_october, make_asset):
    """The age limit is read from the contest row, not fixed at 15."""
    dated_contest.min_entrant_age = 16
    db.session.commit()
    entrant = turns_15_on_1_october
    with pytest.raises(TooYoung):
        submit(entrant, dated_photo, SINGLE, make_asset(entrant), now=CLOSE - SECOND)


# ---------------------------------------------------------------------------- who may enter


def test_unverified_email_is_refused(photo, make_entrant, make_asset, assert_nothing_stored):
    """Only entrants who confirmed their email address may enter."""
    entrant = make_entrant(email_verified_at=None)
    asset = make_asset(entrant)
    with pytest.raises(EmailNotVerified):
        submit(entrant, photo, SINGLE, asset)
    assert_nothing_stored(asset)


@pytest.mark.parametrize("role", [StaffRole.JURY, StaffRole.SECRETARIAT])
def test_jury_and_secretariat_of_the_contest_may_not_enter(
    contest, photo, entrant, make_staff, make_asset, assert_nothing_stored, role
):
    """Members of this contest's jury and secretariat are refused."""
    make_staff(contest, entrant, role)
    asset = make_asset(entrant)
    with pytest.raises(StaffCannotEnter):
        submit(entrant, photo, SINGLE, asset)
    assert_nothing_stored(asset)


def test_staff_of_another_contest_may_enter(photo, entrant, make_staff, make_other_contest, make_asset):
    """Serving on another contest's jury does not bar one from this contest."""
    make_staff(make_other_contest(), entrant, StaffRole.JURY)
    entry = submit(entrant, photo, SINGLE, make_asset(entrant))
    db.session.commit()
    assert entry.code == "HNA25-A-0001"


# ---------------------------------------------------------------------------- limits and kinds


def test_per_entrant_limit_refuses_one_too_many_until_one_is_withdrawn(photo, entrant, make_asset, make_entry, outbox):
    """With a limit of 2 a third entry is refused; a withdrawn entry stops counting."""
    photo.max_entries_per_entrant = 2
    db.session.commit()
    first = make_entry(entrant, photo)
    make_entry(entrant, photo)

    third = make_asset(entrant)
    with pytest.raises(EntryLimitReached):
        submit(entrant, photo, SINGLE, third)
    db.session.rollback()
    assert count(Entry) == 2
    assert db.session.get(MediaAsset, third.id).claimed_at is None
    assert db.session.scalar(select(EntryCodeCounter.last_number)) == 2
    assert len(outbox()) == 2, "one confirmation per accepted entry, none for the refusal"

    withdraw_entry(first)
    db.session.commit()
    entry = submit(entrant, photo, SINGLE, third)
    db.session.commit()
    assert entry.code == "HNA25-A-0003"


def test_limit_counts_only_the_entrants_own_entries_in_that_category(photo, video, entrant, make_entrant, make_entry):
    """Other people's entries and one's entries in other categories do not use up the limit."""
    photo.max_entries_per_entrant = 1
    db.session.commit()
    make_entry(make_entrant(), photo)
    make_entry(entrant, video, EntryKind.VIDEO)
    entry = make_entry(entrant, photo)
    assert entry.status == EntryStatus.RECEIVED


def test_no_limit_when_the_category_sets_none(photo, entrant, make_entry):
    assert photo.max_entries_per_entrant is None
    for _ in range(3):
        make_entry(entrant, photo)
    assert count(Entry) == 3


@pytest.mark.parametrize(
    ("slug", "kind", "media"),
    [
        ("photo", EntryKind.VIDEO, MediaKind.VIDEO),
        ("video", EntryKind.SINGLE_PHOTO, MediaKind.PHOTO),
        ("video", EntryKind.PHOTO_SERIES, MediaKind.PHOTO),
    ],
)
def test_kind_the_category_does_not_take_is_refused(
    contest, entrant, make_asset, assert_nothing_stored, slug, kind, media
):
    """A video in the photo category, or photos in the video category, are refused."""
    asset = make_asset(entrant, media)
    with pytest.raises(KindNotAccepted):
        submit(entrant, category_of(contest, slug), kind, asset)
    assert_nothing_stored(asset)


def test_series_are_refused_when_the_category_stops_taking_them(photo, entrant, make_asset, assert_nothing_stored):
    photo.allows_photo_series = False
    db.session.commit()
    assets = [make_asset(entrant), make_asset(entrant)]
    with pytest.raises(KindNotAccepted):
        submit(entrant, photo, EntryKind.PHOTO_SERIES, *assets)
    assert_nothing_stored(*assets)


# ---------------------------------------------------------------------------- the same file twice


def test_same_file_in_another_active_entry_of_the_contest_is_refused_until_withdrawn(
    photo, entrant, make_entrant, make_asset, make_entry
):
    """Identical bytes (same SHA-256) may be entered once per contest; a withdrawn entry frees them."""
    sha = "ab" * 32
    first = make_entry(entrant, photo, SINGLE, make_asset(entrant, sha256=sha))
    other = make_entrant()
    copy = make_asset(other, sha256=sha)

    with pytest.raises(ValidationFailed) as caught:
        submit(other, photo, SINGLE, copy)
    assert list(caught.value.errors) == ["files"]
    db.session.rollback()
    assert count(Entry) == 1
    assert db.session.get(MediaAsset, copy.id).claimed_at is None

    withdraw_entry(first)
    db.session.commit()
    entry = submit(other, photo, SINGLE, copy)
    db.session.commit()
    assert entry.files[0].asset_id == copy.id


def test_same_file_may_be_entered_in_a_different_contest(photo, entrant, make_asset, make_entry, make_other_contest):
    """The duplicate rule is per contest: the same bytes may be entered elsewhere."""
    sha = "cd" * 32
    make_entry(entrant, photo, SINGLE, make_asset(entrant, sha256=sha))
    elsewhere = category_of(make_other_contest(), "photo")
    entry = submit(entrant, elsewhere, SINGLE, make_asset(entrant, sha256=sha))
    db.session.commit()
    assert entry.code == "OTH26-A-0001"
    assert count(Entry) == 2


def test_same_bytes_twice_in_one_series_is_refused(photo, entrant, make_asset, assert_nothing_stored):
    """Two uploads of one photo cannot make a series of two."""
    sha = "ef" * 32
    assets = [make_asset(entrant, sha256=sha), make_asset(entrant, sha256=sha)]
    with pytest.raises(ValidationFailed) as caught:
        submit(entrant, photo, EntryKind.PHOTO_SERIES, *assets)
    assert list(caught.value.errors) == ["files"]
    assert_nothing_stored(*assets)
