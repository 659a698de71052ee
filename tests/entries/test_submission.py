"""Entering a work: field validation, file checks, codes, the stored entry and the confirmation mail.

Every refusal is followed by a check that nothing was stored, no asset was claimed and no
mail was sent (after rolling back, as the views do).
"""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.core.errors import ValidationFailed
from app.core.timeutil import utcnow
from app.entries.models import TITLE_MAX, Entry, EntryKind, EntryStatus
from app.entries.rules import local_date
from app.entries.services import EntryLocked, FileChoice, submit_entry, update_entry, withdraw_entry
from app.extensions import db
from app.media.models import MediaAsset, MediaKind, ProcessingState
from tests.entries.conftest import MB, category_of, choices, make_declarations, make_details, submit

SINGLE = EntryKind.SINGLE_PHOTO
SERIES = EntryKind.PHOTO_SERIES
VIDEO = EntryKind.VIDEO
DECLARATIONS = {"declared_own_work", "declared_made_in_area", "declared_consent", "declared_licence"}


def refused_fields(entrant, category, kind, *assets, **kwargs) -> set[str]:
    """The fields named by the ValidationFailed that submit_entry must raise."""
    with pytest.raises(ValidationFailed) as caught:
        submit(entrant, category, kind, *assets, **kwargs)
    assert all(caught.value.errors.values()), "every named field carries a message"
    return set(caught.value.errors)


def reloaded(entry: Entry) -> Entry:
    """The entry as the database has it, not as the session remembers it."""
    db.session.expire_all()
    return db.session.get(Entry, entry.id)


# ---------------------------------------------------------------------------- declarations


def test_all_four_declarations_missing_names_each_of_them(photo, entrant, make_asset, assert_nothing_stored):
    """Every unticked declaration is named, so the form can mark each box."""
    asset = make_asset(entrant)
    fields = refused_fields(
        entrant,
        photo,
        SINGLE,
        asset,
        declarations=make_declarations(own_work=False, made_in_area=False, consent=False, licence=False),
    )
    assert fields == DECLARATIONS
    assert_nothing_stored(asset)


@pytest.mark.parametrize(
    ("attribute", "field"),
    [
        ("own_work", "declared_own_work"),
        ("made_in_area", "declared_made_in_area"),
        ("consent", "declared_consent"),
        ("licence", "declared_licence"),
    ],
)
def test_each_declaration_is_required_on_its_own(photo, entrant, make_asset, assert_nothing_stored, attribute, field):
    asset = make_asset(entrant)
    fields = refused_fields(entrant, photo, SINGLE, asset, declarations=make_declarations(**{attribute: False}))
    assert fields == {field}
    assert_nothing_stored(asset)


# ---------------------------------------------------------------------------- text fields


@pytest.mark.parametrize("title", ["", "   ", "\t \n ", "\u200b\x07"])
def test_empty_or_blank_title_is_refused(photo, entrant, make_asset, assert_nothing_stored, title):
    """A title of spaces (or invisible characters) is no title."""
    asset = make_asset(entrant)
    assert refused_fields(entrant, photo, SINGLE, asset, details=make_details(title_vi=title)) == {"title_vi"}
    assert_nothing_stored(asset)


def test_title_of_151_characters_is_refused(photo, entrant, make_asset, assert_nothing_stored):
    asset = make_asset(entrant)
    details = make_details(title_vi="Đ" * (TITLE_MAX + 1))
    assert refused_fields(entrant, photo, SINGLE, asset, details=details) == {"title_vi"}
    assert_nothing_stored(asset)


def test_english_title_of_151_characters_is_refused(photo, entrant, make_asset, assert_nothing_stored):
    asset = make_asset(entrant)
    details = make_details(title_en="x" * (TITLE_MAX + 1))
    assert refused_fields(entrant, photo, SINGLE, asset, details=details) == {"title_en"}
    assert_nothing_stored(asset)


def test_title_of_exactly_150_characters_is_accepted(photo, entrant, make_asset):
    """The limit is 150 characters (not bytes): 150 Vietnamese letters fit."""
    entry = submit(entrant, photo, SINGLE, make_asset(entrant), details=make_details(title_vi="Đ" * TITLE_MAX))
    db.session.commit()
    assert reloaded(entry).title_vi == "Đ" * TITLE_MAX


def test_missing_credit_name_is_refused(photo, entrant, make_asset, assert_nothing_stored):
    asset = make_asset(entrant)
    assert refused_fields(entrant, photo, SINGLE, asset, details=make_details(credit_name="  ")) == {"credit_name"}
    assert_nothing_stored(asset)


def test_unknown_district_is_refused(photo, entrant, make_asset, assert_nothing_stored):
    asset = make_asset(entrant)
    details = make_details(place_unit="not-a-district")
    assert refused_fields(entrant, photo, SINGLE, asset, details=details) == {"place_unit"}
    assert_nothing_stored(asset)


# ---------------------------------------------------------------------------- when the work was made


@pytest.mark.parametrize("made_on", [date(2022, 12, 31), date(2025, 10, 2), None])
def test_made_on_outside_the_creation_window_or_missing_is_refused(
    photo, entrant, make_asset, assert_nothing_stored, made_on
):
    """Works must be made between 1 Jan 2023 and 1 Oct 2025 (inclusive)."""
    asset = make_asset(entrant)
    assert refused_fields(entrant, photo, SINGLE, asset, details=make_details(made_on=made_on)) == {"made_on"}
    assert_nothing_stored(asset)


@pytest.mark.parametrize("made_on", [date(2023, 1, 1), date(2025, 10, 1)])
def test_made_on_the_first_and_last_day_of_the_window_is_accepted(photo, entrant, make_asset, made_on):
    entry = submit(entrant, photo, SINGLE, make_asset(entrant), details=make_details(made_on=made_on))
    db.session.commit()
    assert reloaded(entry).made_on == made_on


def test_made_on_in_the_future_is_refused(contest, photo, entrant, make_asset, assert_nothing_stored):
    """Even with no end to the creation window, a work cannot be made tomorrow."""
    contest.work_created_until = None
    db.session.commit()
    now = utcnow()
    tomorrow = local_date(now, contest.timezone) + timedelta(days=1)
    asset = make_asset(entrant)
    fields = refused_fields(entrant, photo, SINGLE, asset, details=make_details(made_on=tomorrow), now=now)
    assert fields == {"made_on"}
    assert_nothing_stored(asset)


def test_today_is_judged_in_the_contest_timezone(dated_contest, entrant, make_asset):
    """At 00:30 on 1 Oct in Vietnam (30 Sep in UTC), a work made on 1 Oct is not in the future; 2 Oct is."""
    dated_contest.work_created_until = None
    db.session.commit()
    photo = category_of(dated_contest, "photo")
    now = datetime(2025, 9, 30, 17, 30, tzinfo=UTC)
    tomorrow = refused_fields(
        entrant, photo, SINGLE, make_asset(entrant), details=make_details(made_on=date(2025, 10, 2)), now=now
    )
    assert tomorrow == {"made_on"}
    db.session.rollback()
    entry = submit(
        entrant, photo, SINGLE, make_asset(entrant), details=make_details(made_on=date(2025, 10, 1)), now=now
    )
    db.session.commit()
    assert entry.made_on == date(2025, 10, 1)


# ---------------------------------------------------------------------------- groups of authors


@pytest.mark.parametrize("members", [("Nguyễn Văn An",), ("Nguyễn Văn An", "   "), ()])
def test_group_with_fewer_than_two_named_members_is_refused(photo, entrant, make_asset, assert_nothing_stored, members):
    """A group names at least two people; blank lines do not count as members."""
    asset = make_asset(entrant)
    details = make_details(is_group=True, members=members)
    assert refused_fields(entrant, photo, SINGLE, asset, details=details) == {"members"}
    assert_nothing_stored(asset)


def test_group_of_two_is_stored_with_its_members_in_order(photo, entrant, make_asset):
    details = make_details(is_group=True, members=("  Nguyễn Văn An ", "", "Lê Thị Hoa"))
    entry = submit(entrant, photo, SINGLE, make_asset(entrant), details=details)
    db.session.commit()
    entry = reloaded(entry)
    assert entry.is_group
    assert [(m.position, m.name) for m in entry.members] == [(1, "Nguyễn Văn An"), (2, "Lê Thị Hoa")]


# ---------------------------------------------------------------------------- files


@pytest.mark.parametrize("how_many", [1, 11])
def test_series_of_one_or_eleven_photos_is_refused(photo, entrant, make_asset, assert_nothing_stored, how_many):
    """A series has 2 to 10 photos."""
    assets = [make_asset(entrant) for _ in range(how_many)]
    assert refused_fields(entrant, photo, SERIES, *assets) == {"files"}
    assert_nothing_stored(*assets)


@pytest.mark.parametrize("how_many", [2, 10])
def test_series_of_two_or_ten_photos_is_accepted(photo, entrant, make_asset, how_many):
    assets = [make_asset(entrant) for _ in range(how_many)]
    entry = submit(entrant, photo, SERIES, *assets)
    db.session.commit()
    assert [f.asset_id for f in reloaded(entry).files] == [a.id for a in assets]


@pytest.mark.parametrize("how_many", [0, 2])
def test_single_photo_takes_exactly_one_file(photo, entrant, make_asset, assert_nothing_stored, how_many):
    assets = [make_asset(entrant) for _ in range(how_many)]
    assert refused_fields(entrant, photo, SINGLE, *assets) == {"files"}
    assert_nothing_stored(*assets)


@pytest.mark.parametrize(
    "facts",
    [
        dict(width=2000, height=1500),  # long edge below 3000 px
        dict(width=1500, height=2999),
        dict(size=3 * MB - 1),  # file below 3 MB
        dict(size=50 * MB + 1),  # file above 50 MB
        dict(format="png"),  # the category takes JPEG only
    ],
)
def test_processed_photo_breaking_the_category_rules_is_refused(
    photo, entrant, make_asset, assert_nothing_stored, facts
):
    """A photo uploaded (and processed) under other rules is judged again against this category's."""
    asset = make_asset(entrant, **facts)
    assert refused_fields(entrant, photo, SINGLE, asset) == {"files"}
    assert_nothing_stored(asset)


def test_portrait_photo_is_judged_by_its_long_edge(photo, entrant, make_asset):
    """2000 × 3000 px has a 3000 px long edge: enough."""
    entry = submit(entrant, photo, SINGLE, make_asset(entrant, width=2000, height=3000))
    db.session.commit()
    assert entry.status == EntryStatus.RECEIVED


@pytest.mark.parametrize("facts", [dict(duration_s=300.5), dict(format="mov"), dict(size=200 * MB + 1)])
def test_processed_video_breaking_the_category_rules_is_refused(
    video, entrant, make_asset, assert_nothing_stored, facts
):
    asset = make_asset(entrant, MediaKind.VIDEO, **facts)
    assert refused_fields(entrant, video, VIDEO, asset) == {"files"}
    assert_nothing_stored(asset)


def test_asset_of_another_user_is_refused_and_left_untouched(
    photo, entrant, make_entrant, make_asset, assert_nothing_stored
):
    """Someone else's upload id cannot be entered; their upload stays theirs and unclaimed."""
    theirs = make_asset(make_entrant())
    assert refused_fields(entrant, photo, SINGLE, theirs) == {"files"}
    assert_nothing_stored(theirs)
    assert db.session.get(MediaAsset, theirs.id).owner_id != entrant.id


@pytest.mark.parametrize("asset_id", ["0" * 32, "not-an-id", "'; DROP TABLE entries; --"])
def test_unknown_asset_id_is_refused(photo, entrant, assert_nothing_stored, asset_id):
    with pytest.raises(ValidationFailed) as caught:
        submit_entry(entrant, photo, SINGLE, make_details(), make_declarations(), [FileChoice(asset_id)])
    assert set(caught.value.errors) == {"files"}
    assert_nothing_stored()


@pytest.mark.parametrize("state", [ProcessingState.REJECTED, ProcessingState.FAILED])
def test_rejected_or_failed_asset_is_refused(photo, entrant, make_asset, assert_nothing_stored, state):
    """A file processing refused (or could not process) cannot be entered."""
    asset = make_asset(entrant, state=state)
    assert refused_fields(entrant, photo, SINGLE, asset) == {"files"}
    assert_nothing_stored(asset)


@pytest.mark.parametrize("state", [ProcessingState.READY, ProcessingState.PENDING])
@pytest.mark.parametrize(
    ("slug", "kind", "media"),
    [("photo", SINGLE, MediaKind.VIDEO), ("photo", SERIES, MediaKind.VIDEO), ("video", VIDEO, MediaKind.PHOTO)],
)
def test_file_of_the_wrong_kind_is_refused(
    contest, entrant, make_asset, assert_nothing_stored, slug, kind, media, state
):
    """A video cannot be a photo entry's file, nor a photo a video's, even before processing judged it."""
    assets = [make_asset(entrant, media, state=state) for _ in range(2 if kind == SERIES else 1)]
    assert refused_fields(entrant, category_of(contest, slug), kind, *assets) == {"files"}
    assert_nothing_stored(*assets)


def test_same_asset_chosen_twice_is_refused(photo, entrant, make_asset, assert_nothing_stored):
    asset = make_asset(entrant)
    assert refused_fields(entrant, photo, SERIES, asset, asset) == {"files"}
    assert_nothing_stored(asset)


def test_asset_already_in_another_entry_is_refused(photo, entrant, make_asset, make_entry):
    """An upload belongs to at most one entry."""
    asset = make_asset(entrant)
    make_entry(entrant, photo, SINGLE, asset)
    assert refused_fields(entrant, photo, SINGLE, asset) == {"files"}
    db.session.rollback()
    assert db.session.scalar(select(Entry.code)) == "HNA25-A-0001"


def test_every_problem_is_reported_at_once(photo, entrant, make_asset, assert_nothing_stored):
    """The entrant sees all field errors in one go, not one per attempt."""
    asset = make_asset(entrant, width=1000, height=800)
    fields = refused_fields(
        entrant,
        photo,
        SINGLE,
        asset,
        details=make_details(title_vi="", credit_name="", made_on=date(2020, 1, 1)),
        declarations=make_declarations(consent=False),
    )
    assert fields == {"title_vi", "credit_name", "made_on", "declared_consent", "files"}
    assert_nothing_stored(asset)


# ---------------------------------------------------------------------------- codes


def test_codes_are_numbered_per_letter(photo, video, entrant, make_asset, make_entry):
    """Single photos are A, photo series B (the category's series letter), videos V; each counts on its own."""
    single = make_entry(entrant, photo, SINGLE)
    series = make_entry(entrant, photo, SERIES, make_asset(entrant), make_asset(entrant))
    film = make_entry(entrant, video, VIDEO)
    another = make_entry(entrant, photo, SINGLE)
    assert [single.code, series.code, film.code, another.code] == [
        "HNA25-A-0001",
        "HNA25-B-0001",
        "HNA25-V-0001",
        "HNA25-A-0002",
    ]


def test_series_use_the_category_letter_when_it_sets_no_series_letter(photo, entrant, make_asset, make_entry):
    photo.series_code_letter = None
    db.session.commit()
    series = make_entry(entrant, photo, SERIES, make_asset(entrant), make_asset(entrant))
    single = make_entry(entrant, photo, SINGLE)
    assert [series.code, single.code] == ["HNA25-A-0001", "HNA25-A-0002"]


def test_a_withdrawn_entrys_code_is_never_handed_out_again(photo, entrant, make_entry):
    """Codes are read out on the phone and printed: one code, one entry, forever."""
    first = make_entry(entrant, photo)
    withdraw_entry(first)
    db.session.commit()
    second = make_entry(entrant, photo)
    assert (first.code, second.code) == ("HNA25-A-0001", "HNA25-A-0002")
    assert reloaded(first).status == EntryStatus.WITHDRAWN


def test_a_refused_entry_uses_up_no_number(photo, entrant, make_asset, make_entry):
    refused_fields(entrant, photo, SINGLE, make_asset(entrant), details=make_details(title_vi=""))
    db.session.rollback()
    assert make_entry(entrant, photo).code == "HNA25-A-0001"


# ---------------------------------------------------------------------------- the stored entry


def test_entry_is_stored_as_entered_with_text_cleaned(photo, entrant, make_asset):
    """Text is trimmed and NFC-normalised, files keep their order and captions, uploads are claimed."""
    now = utcnow()
    first, second = make_asset(entrant), make_asset(entrant)
    decomposed = unicodedata.normalize("NFD", "Bình minh trên sông Lam")
    entry = submit_entry(
        entrant,
        photo,
        SERIES,
        make_details(title_vi=f"  {decomposed}\x07 ", place=" Cửa Lò "),
        make_declarations(),
        [FileChoice(second.id, caption_vi=" Thuyền ra khơi "), FileChoice(first.id, caption_en="Nets")],
        now=now,
    )
    db.session.commit()
    entry = reloaded(entry)
    assert entry.title_vi == "Bình minh trên sông Lam"
    assert entry.place == "Cửa Lò"
    assert entry.entrant_id == entrant.id and entry.contest_id == photo.contest_id and entry.category_id == photo.id
    assert entry.kind == SERIES
    assert [(f.position, f.asset_id, f.caption_vi, f.caption_en) for f in entry.files] == [
        (1, second.id, "Thuyền ra khơi", ""),
        (2, first.id, "", "Nets"),
    ]
    assert all(f.asset.claimed_at == now for f in entry.files)
    assert entry.submitted_at == now and entry.updated_at == now
    assert entry.declared_own_work and entry.declared_made_in_area and entry.declared_consent
    assert entry.declared_licence
    assert entry.withdrawn_at is None


def test_rules_version_in_force_is_recorded(contest, photo, entrant, make_entry):
    """What the entrant agreed to is kept with the entry, even if the rules change later."""
    entry = make_entry(entrant, photo)
    contest.rules_version = "2025-08-01"
    db.session.commit()
    assert reloaded(entry).rules_version == "2025-07-15"
    assert make_entry(entrant, photo).rules_version == "2025-08-01"


def test_entry_whose_files_are_all_processed_is_received_at_once(photo, entrant, make_asset):
    now = utcnow()
    entry = submit(entrant, photo, SERIES, make_asset(entrant), make_asset(entrant), now=now)
    db.session.commit()
    entry = reloaded(entry)
    assert entry.status == EntryStatus.RECEIVED
    assert entry.received_at == now


@pytest.mark.parametrize("state", [ProcessingState.PENDING, ProcessingState.PROCESSING])
def test_entry_with_a_file_still_processing_stays_submitted(photo, entrant, make_asset, state):
    """Until every file is processed the entry is only submitted."""
    entry = submit(entrant, photo, SERIES, make_asset(entrant), make_asset(entrant, state=state, sha256=None))
    db.session.commit()
    entry = reloaded(entry)
    assert entry.status == EntryStatus.SUBMITTED
    assert entry.received_at is None
    assert all(f.problem_code is None for f in entry.files)


def test_flags_of_already_processed_photos_are_recorded_at_submission(photo, entrant, make_asset):
    """Authenticity triage names the photo it concerns; a clean photo adds nothing."""
    clean = make_asset(entrant)
    edited = make_asset(entrant, exif={"captured_at": "2025-04-30T08:15:00", "software": "Snapseed"})
    entry = submit(entrant, photo, SERIES, clean, edited)
    db.session.commit()
    assert reloaded(entry).authenticity_flags == [{"code": "editing_software", "software": "Snapseed", "position": 2}]


# ---------------------------------------------------------------------------- changing an entry


def test_updating_a_groups_members_replaces_them_in_order(photo, entrant, make_asset):
    """New names take the old positions (1, 2, …) without clashing with the names they replace."""
    asset = make_asset(entrant)
    entry = submit(entrant, photo, SINGLE, asset, details=make_details(is_group=True, members=("An", "Bình")))
    db.session.commit()
    update_entry(entry, entrant, make_details(is_group=True, members=("Chi", "Dũng", "Hoa")), choices(asset))
    db.session.commit()
    assert [(m.position, m.name) for m in reloaded(entry).members] == [(1, "Chi"), (2, "Dũng"), (3, "Hoa")]


def test_refused_update_changes_nothing(photo, entrant, make_asset, outbox):
    asset, other = make_asset(entrant), make_asset(entrant)
    entry = submit(entrant, photo, SINGLE, asset)
    db.session.commit()
    with pytest.raises(ValidationFailed) as caught:
        update_entry(entry, entrant, make_details(title_vi=" "), choices(other))
    assert set(caught.value.errors) == {"title_vi"}
    db.session.rollback()
    entry = reloaded(entry)
    assert entry.title_vi == "Bình minh trên sông Lam"
    assert [f.asset_id for f in entry.files] == [asset.id]
    assert db.session.get(MediaAsset, other.id).claimed_at is None
    assert len(outbox()) == 1, "only the confirmation of the original submission"


def test_withdrawn_entry_can_no_longer_be_changed_or_withdrawn(photo, entrant, make_asset):
    asset = make_asset(entrant)
    entry = submit(entrant, photo, SINGLE, asset)
    db.session.commit()
    withdraw_entry(entry)
    db.session.commit()
    with pytest.raises(EntryLocked):
        update_entry(entry, entrant, make_details(title_vi="Đổi tên"), choices(asset))
    with pytest.raises(EntryLocked):
        withdraw_entry(entry)


def test_entry_decided_on_can_no_longer_be_changed(photo, entrant, make_asset):
    """Once organisers accepted (or rejected) an entry, its entrant cannot change it."""
    asset = make_asset(entrant)
    entry = submit(entrant, photo, SINGLE, asset)
    entry.status = EntryStatus.ACCEPTED
    db.session.commit()
    with pytest.raises(EntryLocked):
        update_entry(entry, entrant, make_details(title_vi="Đổi tên"), choices(asset))


# ---------------------------------------------------------------------------- the confirmation mail


def test_confirmation_mail_goes_to_the_entrant_with_the_code_after_commit(photo, entrant, make_asset, outbox):
    entry = submit(entrant, photo, SINGLE, make_asset(entrant))
    assert outbox() == [], "nothing is sent before the entry is committed"
    db.session.commit()
    mails = outbox()
    assert len(mails) == 1
    assert mails[0]["to"] == "entrant@example.com"
    assert "HNA25-A-0001" in mails[0]["subject"]
    assert "HNA25-A-0001" in mails[0]["body"]
    assert f"/my-entries/{entry.code}" in mails[0]["body"]


def test_no_mail_when_the_entry_is_rolled_back(photo, entrant, make_asset, outbox):
    """A request that fails after submit_entry (and rolls back) sends no confirmation."""
    submit(entrant, photo, SINGLE, make_asset(entrant))
    db.session.rollback()
    db.session.commit()
    assert outbox() == []
