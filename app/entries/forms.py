"""The entry form: input types and presence only; the rules live in the services.

The chosen files are not WTForms fields: they are repeated `file` inputs (asset ids,
in the order shown) with `caption_vi-<id>` / `caption_en-<id>` beside them, read by
`chosen_files()`, because the uploader adds rows to the page as uploads finish.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional

from app.entries.places import NGHE_AN_UNITS
from app.entries.services import Declarations, EntryDetails, FileChoice


class EntryTextForm(FlaskForm):
    """What the entrant writes about a work; shared by entering and editing."""

    title_vi = StringField(_l("Title in Vietnamese"))
    title_en = StringField(_l("Title in English (optional, recommended)"))
    story = TextAreaField(_l("The story behind the work (optional)"))
    place = StringField(_l("Where it was made"))
    place_unit = SelectField(_l("District, town or city (optional)"), validate_choice=False)
    made_on = DateField(_l("When it was made"), validators=[Optional()])
    credit_name = StringField(_l("Credit as"))
    is_group = BooleanField(_l("This work is by a group of authors"))
    members = TextAreaField(_l("Members of the group, one name per line"))

    def set_place_choices(self, locale: str) -> None:
        """District choices in the reader's language, with an empty first choice."""
        self.place_unit.choices = [SelectChoice("", _l("— not specified —"))] + [
            SelectChoice(code, name_vi if locale == "vi" else name_en) for code, name_vi, name_en in NGHE_AN_UNITS
        ]

    def details(self) -> EntryDetails:
        """The form's text as the services take it."""
        return EntryDetails(
            title_vi=self.title_vi.data or "",
            title_en=self.title_en.data or "",
            story=self.story.data or "",
            place=self.place.data or "",
            place_unit=self.place_unit.data or None,
            made_on=self.made_on.data,
            credit_name=self.credit_name.data or "",
            is_group=bool(self.is_group.data),
            members=tuple((self.members.data or "").splitlines()),
        )


class EnterForm(EntryTextForm):
    """Entering a new work: the text plus the declarations the rules require."""

    declared_own_work = BooleanField(_l("This is my own (or my group's) work and I hold its copyright."))
    declared_made_in_area = BooleanField(
        _l("It was made where and when the rules require, and truthfully shows real life.")
    )
    declared_consent = BooleanField(_l("People who can be recognised in it agreed to appear."))
    declared_licence = BooleanField(_l("I grant the organisers the licence to use it stated in the rules."))

    def declarations(self) -> Declarations:
        """The ticked declarations."""
        return Declarations(
            own_work=bool(self.declared_own_work.data),
            made_in_area=bool(self.declared_made_in_area.data),
            consent=bool(self.declared_consent.data),
            licence=bool(self.declared_licence.data),
        )


class ConfirmForm(FlaskForm):
    """A bare form for a one-button action (withdraw): the CSRF token is its only field."""


def chosen_files(data: MultiDict) -> list[FileChoice]:
    """The files ticked on the page, in page order, with their captions."""
    return [
        FileChoice(
            asset_id=asset_id,
            caption_vi=data.get(f"caption_vi-{asset_id}", ""),
            caption_en=data.get(f"caption_en-{asset_id}", ""),
        )
        for asset_id in dict.fromkeys(data.getlist("file"))
    ]
