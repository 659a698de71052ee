"""Organisers' forms for contests, categories, prizes and staff: input types only; the rules
live in app/contest/settings.py and come back as field errors."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.contest.labels import FORMAT_LABELS
from app.contest.models import StaffRole
from app.contest.settings import (
    FORMATS_BY_MEDIA,
    CategorySettings,
    ContestSettings,
    PrizeSettings,
)

VOTE_POLICY_LABELS = {
    "per_entry_per_day": _l("Each voter may vote for each entry, up to the daily number of votes per entry"),
    "total_per_day": _l("Each voter has the daily number of votes in total, for any entries"),
}
STAFF_ROLE_LABELS = {"jury": _l("Jury"), "secretariat": _l("Secretariat")}


def _choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _text(label, max_length: int) -> StringField:
    return StringField(label, validators=[Length(max=max_length)])


def _whole(label) -> IntegerField:
    return IntegerField(label, validators=[Optional()])


class ContestForm(FlaskForm):
    """Every setting of a contest."""

    slug = _text(_l("Address (slug)"), 80)
    entry_code_prefix = _text(_l("Entry code prefix"), 12)
    name_vi = _text(_l("Name (Vietnamese)"), 200)
    name_en = _text(_l("Name (English)"), 200)
    tagline_vi = _text(_l("Tagline (Vietnamese)"), 300)
    tagline_en = _text(_l("Tagline (English)"), 300)
    description_vi = TextAreaField(_l("Description (Vietnamese)"))
    description_en = TextAreaField(_l("Description (English)"))
    eligibility_vi = TextAreaField(_l("Who may enter (Vietnamese)"))
    eligibility_en = TextAreaField(_l("Who may enter (English)"))
    rules_vi = TextAreaField(_l("Rules (Vietnamese)"))
    rules_en = TextAreaField(_l("Rules (English)"))
    organiser_vi = _text(_l("Organiser (Vietnamese)"), 300)
    organiser_en = _text(_l("Organiser (English)"), 300)
    rules_version = _text(_l("Rules version"), 40)
    timezone = _text(_l("Timezone"), 64)
    submissions_open_on = DateField(_l("Submissions open on"), validators=[Optional()])
    submissions_close_on = DateField(_l("Last day of submissions"), validators=[Optional()])
    voting_open_on = DateField(_l("Public voting opens on"), validators=[Optional()])
    voting_close_on = DateField(_l("Last day of public voting"), validators=[Optional()])
    results_on = DateField(_l("Results announced on"), validators=[Optional()])
    work_created_from = DateField(_l("Works made from"), validators=[Optional()])
    work_created_until = DateField(_l("Works made until"), validators=[Optional()])
    min_entrant_age = _whole(_l("Minimum age of entrants"))
    vote_policy = SelectField(_l("Voting rule"), choices=_choices(VOTE_POLICY_LABELS.items()), validate_choice=False)
    votes_per_day = _whole(_l("Votes per day"))
    vote_counts_visible = BooleanField(_l("Show vote counts while voting is open"))

    def fill(self, settings: ContestSettings) -> None:
        """Put a contest's current settings in the fields."""
        for name, value in vars(settings).items():
            getattr(self, name).data = value

    def settings(self) -> ContestSettings:
        """The fields as the service takes them."""
        values = {name: getattr(self, name).data for name in ContestSettings.__dataclass_fields__}
        for name, value in values.items():
            if getattr(self, name).type in ("StringField", "TextAreaField", "SelectField"):
                values[name] = value or ""
        values["vote_counts_visible"] = bool(values["vote_counts_visible"])
        return ContestSettings(**values)


class CloneForm(FlaskForm):
    """The new identity of a copied contest."""

    slug = _text(_l("Address (slug) of the copy"), 80)
    entry_code_prefix = _text(_l("Entry code prefix of the copy"), 12)
    name_vi = _text(_l("Name of the copy (Vietnamese)"), 200)
    name_en = _text(_l("Name of the copy (English)"), 200)


class CheckboxesField(SelectMultipleField):
    """Several choices shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CategoryForm(FlaskForm):
    """A category's names, entry kinds and file rules."""

    name_vi = _text(_l("Name (Vietnamese)"), 120)
    name_en = _text(_l("Name (English)"), 120)
    description_vi = TextAreaField(_l("Description (Vietnamese)"))
    description_en = TextAreaField(_l("Description (English)"))
    slug = _text(_l("Address (slug)"), 40)
    code_letter = _text(_l("Code letter in entry codes"), 4)
    series_code_letter = _text(_l("Code letter for photo series (optional)"), 4)
    position = _whole(_l("Position in lists"))
    media_type = SelectField(
        _l("Media type"), choices=_choices([("photo", _l("Photo")), ("video", _l("Video"))]), validate_choice=False
    )
    allows_single_photo = BooleanField(_l("Takes single photos"))
    allows_photo_series = BooleanField(_l("Takes photo series"))
    allows_video = BooleanField(_l("Takes videos"))
    series_min_photos = _whole(_l("Fewest photos in a series"))
    series_max_photos = _whole(_l("Most photos in a series"))
    allowed_formats = CheckboxesField(
        _l("Allowed file formats"),
        choices=_choices((f, FORMAT_LABELS[f]) for formats in FORMATS_BY_MEDIA.values() for f in formats),
        validate_choice=False,
    )
    min_long_edge_px = _whole(_l("Long edge at least (pixels)"))
    min_mb = DecimalField(_l("File at least (MB)"), places=None, validators=[Optional()])
    max_mb = DecimalField(_l("File at most (MB)"), places=None, validators=[Optional()])
    max_video_seconds = _whole(_l("Video at most (seconds)"))
    max_entries_per_entrant = _whole(_l("Entries per person at most (empty: no limit)"))

    def fill(self, settings: CategorySettings) -> None:
        """Put a category's current settings in the fields."""
        for name, value in vars(settings).items():
            getattr(self, name).data = list(value) if name == "allowed_formats" else value

    def settings(self) -> CategorySettings:
        """The fields as the service takes them."""
        values = {name: getattr(self, name).data for name in CategorySettings.__dataclass_fields__}
        for name in ("slug", "code_letter", "series_code_letter", "name_vi", "name_en", "description_vi"):
            values[name] = values[name] or ""
        values["description_en"] = values["description_en"] or ""
        values["media_type"] = values["media_type"] or ""
        values["allowed_formats"] = tuple(values["allowed_formats"] or ())
        for name in ("min_mb", "max_mb"):
            values[name] = float(values[name]) if values[name] is not None else None
        for name in ("allows_single_photo", "allows_photo_series", "allows_video"):
            values[name] = bool(values[name])
        return CategorySettings(**values)


class PrizeForm(FlaskForm):
    """A prize: rank, names, category (or the whole contest), how many, how much."""

    rank = _whole(_l("Rank (1 is the first prize)"))
    name_vi = _text(_l("Name (Vietnamese)"), 120)
    name_en = _text(_l("Name (English)"), 120)
    category_id = SelectField(_l("Category"), validate_choice=False)
    quantity = _whole(_l("How many of this prize"))
    cash_amount_vnd = _whole(_l("Cash amount (VND, optional)"))

    def set_categories(self, categories, locale: str) -> None:
        """The contest's categories as choices, after a "whole contest" choice."""
        self.category_id.choices = _choices(
            [("", _l("The whole contest"))]
            + [(str(c.id), c.name_vi if locale == "vi" else c.name_en) for c in categories]
        )

    def fill(self, prize) -> None:
        """Put a prize's values in the fields."""
        for name in ("rank", "name_vi", "name_en", "quantity", "cash_amount_vnd"):
            getattr(self, name).data = getattr(prize, name)
        self.category_id.data = str(prize.category_id) if prize.category_id else ""

    def settings(self) -> PrizeSettings:
        """The fields as the service takes them; an unknown category id becomes an error there."""
        raw = (self.category_id.data or "").strip()
        return PrizeSettings(
            rank=self.rank.data,
            name_vi=self.name_vi.data or "",
            name_en=self.name_en.data or "",
            category_id=int(raw) if raw.isdigit() else (-1 if raw else None),
            quantity=self.quantity.data,
            cash_amount_vnd=self.cash_amount_vnd.data,
        )


class StaffForm(FlaskForm):
    """Put a person on a contest's jury or secretariat."""

    contest_id = SelectField(_l("Contest"), coerce=int, validate_choice=True)
    role = SelectField(_l("Role"), choices=_choices(STAFF_ROLE_LABELS.items()))

    def set_contests(self, contests, locale: str) -> None:
        """Every contest as a choice, newest first."""
        self.contest_id.choices = _choices((c.id, c.name_vi if locale == "vi" else c.name_en) for c in contests)

    def staff_role(self) -> StaffRole:
        """The chosen role."""
        return StaffRole(self.role.data)


class ConfirmForm(FlaskForm):
    """A one-button action: the CSRF token is its only field."""
