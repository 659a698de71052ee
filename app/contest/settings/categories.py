"""Categories: names, the kinds of entry they take and their file rules."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from flask_babel import lazy_gettext as _l

from app.audit.services import record_decision
from app.auth.models import User
from app.contest.models import (
    Category,
    Contest,
    MediaType,
)
from app.contest.settings.common import (
    LETTER_RE,
    MB,
    REQUIRED,
    SLUG_RE,
    add_problem,
    apply_changes,
    normalise_prefix,
    normalise_slug,
    raise_if_problems,
)
from app.extensions import db

FORMATS_BY_MEDIA = {MediaType.PHOTO: ("jpeg", "png", "heic"), MediaType.VIDEO: ("mp4", "mov")}


# ---------------------------------------------------------------------------- categories


@dataclass(frozen=True)
class CategorySettings:
    """A category's names, entry kinds and file rules as an organiser edits them (sizes in MB)."""

    slug: str
    code_letter: str
    name_vi: str
    name_en: str
    media_type: str
    series_code_letter: str = ""
    description_vi: str = ""
    description_en: str = ""
    position: int | None = 0
    allows_single_photo: bool = False
    allows_photo_series: bool = False
    allows_video: bool = False
    series_min_photos: int | None = 2
    series_max_photos: int | None = 10
    allowed_formats: tuple[str, ...] = field(default_factory=tuple)
    min_long_edge_px: int | None = None
    min_mb: float | None = None
    max_mb: float | None = None
    max_video_seconds: int | None = None
    max_entries_per_entrant: int | None = None


def category_settings_of(category: Category) -> CategorySettings:
    """A category's current settings, to fill the form."""
    return CategorySettings(
        **{
            name: getattr(category, name)
            for name in (
                "slug",
                "code_letter",
                "name_vi",
                "name_en",
                "description_vi",
                "description_en",
                "position",
                "allows_single_photo",
                "allows_photo_series",
                "allows_video",
                "series_min_photos",
                "series_max_photos",
                "min_long_edge_px",
                "max_video_seconds",
                "max_entries_per_entrant",
            )
        },
        media_type=category.media_type.value,
        series_code_letter=category.series_code_letter or "",
        allowed_formats=tuple(category.allowed_formats or ()),
        min_mb=_megabytes(category.min_bytes),
        max_mb=_megabytes(category.max_bytes),
    )


def _megabytes(size: int | None) -> float | int | None:
    if size is None:
        return None
    return size // MB if size % MB == 0 else round(size / MB, 3)


def _bytes(mb: float | None) -> int | None:
    return None if mb is None else round(float(mb) * MB)


def _category_identity_problems(problems: dict, s: CategorySettings, contest: Contest, category: Category | None):
    if not s.slug:
        add_problem(problems, "slug", REQUIRED)
    elif len(s.slug) > 40 or not SLUG_RE.match(s.slug):
        add_problem(problems, "slug", _l("Use lower-case letters, digits and single hyphens only (at most 40)."))
    for name in ("name_vi", "name_en"):
        if not getattr(s, name):
            add_problem(problems, name, REQUIRED)
        elif len(getattr(s, name)) > 120:
            add_problem(problems, name, _l("At most %(n)d characters.", n=120))
    others = [c for c in contest.categories if category is None or c.id != category.id]
    if s.slug and any(c.slug == s.slug for c in others):
        add_problem(problems, "slug", _l("Another category of this contest already uses this address."))
    _code_letter_problems(problems, s, others)


def _code_letter_problems(problems: dict, s: CategorySettings, others: list[Category]) -> None:
    """Code letters well formed, the series one distinct, neither used by another category (codes share counters)."""
    used_letters = {c.code_letter for c in others} | {c.series_code_letter for c in others if c.series_code_letter}
    if not LETTER_RE.match(s.code_letter):
        add_problem(problems, "code_letter", _l("Use 1 to 4 capital letters or digits."))
    elif s.code_letter in used_letters:
        add_problem(problems, "code_letter", _l("Another category of this contest already uses this code letter."))
    if s.series_code_letter:
        if not LETTER_RE.match(s.series_code_letter):
            add_problem(problems, "series_code_letter", _l("Use 1 to 4 capital letters or digits."))
        elif s.series_code_letter == s.code_letter:
            add_problem(problems, "series_code_letter", _l("The series letter must differ from the category letter."))
        elif s.series_code_letter in used_letters:
            add_problem(
                problems, "series_code_letter", _l("Another category of this contest already uses this code letter.")
            )


def _positive(problems: dict, name: str, value, message) -> None:
    if value is not None and value <= 0:
        add_problem(problems, name, message)


def _kind_problems(problems: dict, s: CategorySettings, media: MediaType) -> None:
    """Some kind of entry, and only kinds that suit the media type."""
    if not (s.allows_single_photo or s.allows_photo_series or s.allows_video):
        add_problem(problems, "allows_single_photo", _l("Choose at least one kind of entry."))
    if media == MediaType.PHOTO and s.allows_video:
        add_problem(problems, "allows_video", _l("A photo category cannot take videos."))
    if media == MediaType.VIDEO and (s.allows_single_photo or s.allows_photo_series):
        add_problem(problems, "allows_single_photo", _l("A video category cannot take photos."))


def category_settings_problems(s: CategorySettings, contest: Contest, category: Category | None) -> dict[str, list]:
    """Every broken rule of a category's settings, by field (the table's constraints, in words)."""
    problems: dict[str, list] = {}
    _category_identity_problems(problems, s, contest, category)
    if s.media_type not in {m.value for m in MediaType}:
        add_problem(problems, "media_type", _l("Choose photo or video."))
        return problems
    media = MediaType(s.media_type)
    _kind_problems(problems, s, media)
    if s.series_min_photos is None or s.series_min_photos < 2:
        add_problem(problems, "series_min_photos", _l("A series has at least 2 photos."))
    elif s.series_max_photos is None or s.series_max_photos < s.series_min_photos:
        add_problem(problems, "series_max_photos", _l("The maximum must not be below the minimum."))
    allowed = FORMATS_BY_MEDIA[media]
    if not s.allowed_formats:
        add_problem(problems, "allowed_formats", _l("Choose at least one file format."))
    elif any(f not in allowed for f in s.allowed_formats):
        add_problem(problems, "allowed_formats", _l("Choose formats that suit the category's media type."))
    _positive(problems, "min_long_edge_px", s.min_long_edge_px, _l("Enter a number above 0, or leave it empty."))
    if s.min_mb is not None and s.min_mb < 0:
        add_problem(problems, "min_mb", _l("Enter 0 or more, or leave it empty."))
    _positive(problems, "max_mb", s.max_mb, _l("Enter a number above 0, or leave it empty."))
    if s.max_mb is not None and s.min_mb is not None and s.max_mb > 0 and s.max_mb < s.min_mb:
        add_problem(problems, "max_mb", _l("The maximum must not be below the minimum."))
    _positive(problems, "max_video_seconds", s.max_video_seconds, _l("Enter a number above 0, or leave it empty."))
    _positive(
        problems, "max_entries_per_entrant", s.max_entries_per_entrant, _l("Enter a number above 0, or leave it empty.")
    )
    return problems


def _category_values(s: CategorySettings) -> dict:
    return dict(
        slug=s.slug,
        code_letter=s.code_letter,
        series_code_letter=s.series_code_letter or None,
        name_vi=s.name_vi,
        name_en=s.name_en,
        description_vi=s.description_vi,
        description_en=s.description_en,
        position=s.position or 0,
        media_type=MediaType(s.media_type),
        allows_single_photo=bool(s.allows_single_photo),
        allows_photo_series=bool(s.allows_photo_series),
        allows_video=bool(s.allows_video),
        series_min_photos=s.series_min_photos,
        series_max_photos=s.series_max_photos,
        allowed_formats=[f for f in FORMATS_BY_MEDIA[MediaType(s.media_type)] if f in s.allowed_formats],
        min_long_edge_px=s.min_long_edge_px,
        min_bytes=_bytes(s.min_mb),
        max_bytes=_bytes(s.max_mb),
        max_video_seconds=s.max_video_seconds,
        max_entries_per_entrant=s.max_entries_per_entrant,
    )


def _normalised_category(s: CategorySettings) -> CategorySettings:
    values = asdict(s)
    for name, value in values.items():
        if isinstance(value, str):
            values[name] = value.strip()
    values["slug"] = normalise_slug(s.slug)
    values["code_letter"] = normalise_prefix(s.code_letter)
    values["series_code_letter"] = normalise_prefix(s.series_code_letter)
    values["allowed_formats"] = tuple(s.allowed_formats)
    return CategorySettings(**values)


def save_category(contest: Contest, category: Category | None, settings: CategorySettings, actor: User) -> Category:
    """Create a category (category None) or change one; audited as category.create / category.update."""
    settings = _normalised_category(settings)
    raise_if_problems(category_settings_problems(settings, contest, category))
    action = "category.update"
    if category is None:
        category = Category(contest=contest, media_type=MediaType(settings.media_type), allowed_formats=[])
        db.session.add(category)
        action = "category.create"
    before, after = apply_changes(category, _category_values(settings))
    db.session.flush()
    if action == "category.create":
        before = {}
    if after:
        record_decision(actor, action, "category", category.id, before=before, after=after, contest_id=contest.id)
    return category
