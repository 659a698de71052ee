"""Categories and prizes: the table's rules as friendly messages, audited changes; cloning a contest."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select

from app.contest import settings
from app.contest.models import Category, Contest, ContestStatus, MediaType, Prize, StaffMembership, StaffRole
from app.core.errors import ValidationFailed
from app.core.timeutil import end_of_local_day, start_of_local_day, to_local
from app.entries.models import Entry
from app.extensions import db
from tests.admin_settings.conftest import audit_records, post_form, vi

MB = 1024 * 1024


def category_form(**overrides) -> dict:
    data = {
        "name_vi": "Ảnh đời thường",
        "name_en": "Everyday life",
        "slug": "everyday",
        "code_letter": "C",
        "series_code_letter": "D",
        "position": "3",
        "media_type": "photo",
        "allows_single_photo": "y",
        "allows_photo_series": "y",
        "series_min_photos": "3",
        "series_max_photos": "8",
        "allowed_formats": ["jpeg", "heic"],
        "min_long_edge_px": "2000",
        "min_mb": "1.5",
        "max_mb": "40",
        "max_entries_per_entrant": "5",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def photo_settings(contest, **changes) -> settings.CategorySettings:
    photo = next(c for c in contest.categories if c.slug == "photo")
    return replace(settings.category_settings_of(photo), **changes)


# ---------------------------------------------------------------------------- categories


def test_adding_a_category_through_the_page_saves_its_rules(as_admin, contest):
    path = f"/admin/contests/{contest.id}/categories/new"
    response = post_form(as_admin, path, category_form())
    assert response.status_code == 302
    category = db.session.scalar(select(Category).where(Category.contest_id == contest.id, Category.slug == "everyday"))
    assert (category.code_letter, category.series_code_letter, category.media_type) == ("C", "D", MediaType.PHOTO)
    assert category.allowed_formats == ["jpeg", "heic"]
    assert (category.min_bytes, category.max_bytes) == (int(1.5 * MB), 40 * MB)
    assert (category.series_min_photos, category.series_max_photos, category.max_entries_per_entrant) == (3, 8, 5)
    [record] = audit_records("category.create")
    assert record.after["slug"] == "everyday" and record.before == {}


def test_editing_a_category_audits_only_what_changed(as_admin, contest, photo):
    path = f"/admin/contests/{contest.id}/categories/{photo.id}/edit"
    html = as_admin.get(path).get_data(as_text=True)
    assert 'value="3000"' in html and 'value="50"' in html  # long edge and max MB filled in
    data = {**category_form(), **_filled(photo), "max_mb": "60"}
    response = post_form(as_admin, path, data)
    assert response.status_code == 302
    [record] = audit_records("category.update")
    assert record.before == {"max_bytes": 50 * MB}
    assert record.after == {"max_bytes": 60 * MB}


def _filled(category: Category) -> dict:
    """The form fields as the edit page fills them for a category."""
    s = settings.category_settings_of(category)
    data = {}
    for name, value in vars(s).items():
        if isinstance(value, bool):
            data[name] = "y" if value else None
        elif name == "allowed_formats":
            data[name] = list(value)
        else:
            data[name] = "" if value is None else str(value)
    return {k: v for k, v in data.items() if v is not None} | {
        k: None for k, v in vars(s).items() if isinstance(v, bool) and not v
    }


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"series_min_photos": 5, "series_max_photos": 4},
            "series_max_photos",
            "The maximum must not be below the minimum.",
        ),
        ({"series_min_photos": 1}, "series_min_photos", "A series has at least 2 photos."),
        ({"series_code_letter": "A"}, "series_code_letter", "The series letter must differ from the category letter."),
        ({"code_letter": "V"}, "code_letter", "Another category of this contest already uses this code letter."),
        ({"slug": "video"}, "slug", "Another category of this contest already uses this address."),
        ({"allows_video": True}, "allows_video", "A photo category cannot take videos."),
        (
            {"allows_single_photo": False, "allows_photo_series": False},
            "allows_single_photo",
            "Choose at least one kind of entry.",
        ),
        ({"allowed_formats": ("mp4",)}, "allowed_formats", "Choose formats that suit the category's media type."),
        ({"allowed_formats": ()}, "allowed_formats", "Choose at least one file format."),
        ({"min_mb": 10.0, "max_mb": 5.0}, "max_mb", "The maximum must not be below the minimum."),
        ({"min_long_edge_px": 0}, "min_long_edge_px", "Enter a number above 0, or leave it empty."),
        ({"max_entries_per_entrant": 0}, "max_entries_per_entrant", "Enter a number above 0, or leave it empty."),
        ({"code_letter": "a-b"}, "code_letter", "Use 1 to 4 capital letters or digits."),
    ],
)
def test_category_rules_are_refused_with_friendly_messages(app_ctx, contest, photo, admin, changes, field, message):
    with pytest.raises(ValidationFailed) as refused:
        settings.save_category(contest, photo, photo_settings(contest, **changes), admin)
    assert vi(message) in [str(m) for m in refused.value.errors[field]]


def test_a_refused_category_page_shows_the_message_and_changes_nothing(as_admin, contest, photo):
    path = f"/admin/contests/{contest.id}/categories/{photo.id}/edit"
    data = {**_filled(photo), "series_min_photos": "6", "series_max_photos": "3", "name_en": "Changed"}
    response = post_form(as_admin, path, data)
    assert response.status_code == 422
    assert vi("The maximum must not be below the minimum.") in response.get_data(as_text=True)
    db.session.expire_all()
    saved = db.session.get(Category, photo.id)
    assert (saved.name_en, saved.series_min_photos, saved.series_max_photos) == ("Photo", 2, 10)


def test_a_video_category_takes_no_photos(app_ctx, contest, video, admin):
    changed = replace(settings.category_settings_of(video), allows_single_photo=True)
    with pytest.raises(ValidationFailed) as refused:
        settings.save_category(contest, video, changed, admin)
    assert vi("A video category cannot take photos.") in [str(m) for m in refused.value.errors["allows_single_photo"]]


# ---------------------------------------------------------------------------- prizes


def test_prizes_can_be_added_edited_and_removed_with_audit(as_admin, contest, photo):
    new = f"/admin/contests/{contest.id}/prizes/new"
    data = {"category_id": "", "rank": "1", "name_vi": "Giải bình chọn", "name_en": "Public choice", "quantity": "2"}
    assert post_form(as_admin, new, data | {"cash_amount_vnd": "5000000"}).status_code == 302
    prize = db.session.scalar(select(Prize).where(Prize.name_en == "Public choice"))
    assert (prize.category_id, prize.quantity, prize.cash_amount_vnd) == (None, 2, 5_000_000)
    edit = f"/admin/contests/{contest.id}/prizes/{prize.id}/edit"
    assert post_form(as_admin, edit, data | {"quantity": "3", "cash_amount_vnd": "5000000"}).status_code == 302
    [update] = audit_records("prize.update")
    assert (update.before, update.after) == ({"quantity": 2}, {"quantity": 3})
    page = f"/admin/contests/{contest.id}/categories"
    assert post_form(as_admin, f"/admin/contests/{contest.id}/prizes/{prize.id}/delete", page=page).status_code == 302
    db.session.expire_all()
    assert db.session.get(Prize, prize.id) is None
    [deleted] = audit_records("prize.delete")
    assert deleted.before["name_en"] == "Public choice"


def test_a_second_prize_of_the_same_rank_in_a_category_is_refused(as_admin, contest, photo):
    data = {"category_id": str(photo.id), "rank": "1", "name_vi": "Nhất", "name_en": "First", "quantity": "1"}
    response = post_form(as_admin, f"/admin/contests/{contest.id}/prizes/new", data)
    assert response.status_code == 422
    assert vi("This category already has a prize of this rank.") in response.get_data(as_text=True)


def test_a_prize_cannot_point_at_another_contests_category(app_ctx, contest, admin, make_other_contest):
    other = make_other_contest()
    foreign = other.categories[0]
    with pytest.raises(ValidationFailed) as refused:
        settings.save_prize(contest, None, settings.PrizeSettings(4, "Tư", "Fourth", foreign.id), admin)
    assert "category_id" in refused.value.errors


# ---------------------------------------------------------------------------- cloning


def test_clone_copies_categories_and_prizes_as_a_draft_one_year_later(
    as_admin, contest, photo, entrant, make_entry, make_staff, make_person
):
    make_entry(entrant, photo)
    make_staff(contest, make_person(email="juror@example.com"), StaffRole.JURY)
    contest.submissions_open_at = start_of_local_day(date(2025, 7, 15), contest.timezone)
    contest.submissions_close_at = end_of_local_day(date(2025, 10, 1), contest.timezone)
    db.session.commit()
    data = {"slug": "happy-nghe-an-2026", "entry_code_prefix": "hna26", "name_vi": "NAHP 2026", "name_en": "HNA 2026"}
    response = post_form(as_admin, f"/admin/contests/{contest.id}/clone", data)
    assert response.status_code == 302
    copy = db.session.scalar(select(Contest).where(Contest.slug == "happy-nghe-an-2026"))
    assert copy.status == ContestStatus.DRAFT and copy.is_current is False
    assert copy.entry_code_prefix == "HNA26"
    assert to_local(copy.submissions_open_at, copy.timezone).replace(tzinfo=None).isoformat() == "2026-07-15T00:00:00"
    assert copy.submissions_close_at == end_of_local_day(date(2026, 10, 1), copy.timezone)
    assert copy.work_created_until == date(2026, 10, 1)
    assert [(c.slug, c.code_letter, c.allowed_formats) for c in copy.categories] == [
        (c.slug, c.code_letter, c.allowed_formats) for c in contest.categories
    ]
    assert sorted((p.rank, p.name_en, p.category.slug) for p in copy.prizes) == sorted(
        (p.rank, p.name_en, p.category.slug) for p in contest.prizes
    )
    assert all(p.category.contest_id == copy.id for p in copy.prizes)
    assert db.session.scalar(select(func.count(Entry.id)).where(Entry.contest_id == copy.id)) == 0
    assert db.session.scalar(select(func.count(StaffMembership.id)).where(StaffMembership.contest_id == copy.id)) == 0
    assert db.session.get(Contest, contest.id).is_current is True
    [record] = audit_records("contest.clone")
    assert record.before == {"source_id": contest.id, "source_slug": contest.slug}


def test_clone_refuses_a_taken_slug_and_a_bad_prefix(as_admin, contest):
    data = {"slug": contest.slug, "entry_code_prefix": "X", "name_vi": "A", "name_en": "B"}
    response = post_form(as_admin, f"/admin/contests/{contest.id}/clone", data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert vi("Another contest already uses this address.") in html
    assert vi("Use 2 to 12 letters or digits, e.g. HNA26.") in html
    assert db.session.scalar(select(func.count(Contest.id))) == 1


def test_clone_moves_29_february_to_the_28th(app_ctx, contest, admin):
    contest.work_created_from = date(2024, 2, 29)
    db.session.commit()
    copy = settings.clone_contest(contest, "copy-2026", "Bản sao", "Copy", "CP26", admin)
    assert copy.work_created_from == date(2025, 2, 28)
