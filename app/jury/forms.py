"""Forms for running rounds: a round's settings and criteria, its jurors, the chair, conflicts, lifecycle reasons
and advancement. Cross-field rules (scale ends, dates, a criterion for a scoring round) are checked here, on the
fields they concern, because the round services take already-validated settings."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    FieldList,
    FloatField,
    Form,
    FormField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from app.core.timeutil import to_local
from app.jury.labels import ASSIGNMENT_MODE_LABELS, COMMENT_MODE_LABELS, METHOD_LABELS, ROUND_KIND_LABELS
from app.jury.models import AdvanceMethod, AssignmentMode, CommentMode, RoundKind
from app.jury.services import CriterionData, RoundSettings

CRITERION_ROWS = 6  # blank rows offered on the round form (no script adds more)
SCALE_CEILING = 1000  # the highest score any scale may reach (a database check)
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
REQUIRED = _l("This field is required.")


def _choices(labels: dict) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


class CheckboxesField(SelectMultipleField):
    """Several choices shown as a list of checkboxes."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _number(text: str | None) -> float | None:
    """A finite number typed with a point or a comma, or None."""
    try:
        value = float((text or "").strip().replace(",", "."))
    except ValueError:
        return None
    return value if math.isfinite(value) else None


class CriterionRow(Form):
    """One criterion line of the round form; a line left blank is ignored."""

    name_vi = StringField(_l("Criterion (Vietnamese)"), validators=[Length(max=120)])
    name_en = StringField(_l("Criterion (English)"), validators=[Length(max=120)])
    weight = StringField(_l("Weight"), validators=[Length(max=20)])  # parsed here: a blank line must stay blank

    def is_blank(self) -> bool:
        """Nothing typed on this line."""
        names = (self.name_vi.data or "").strip() or (self.name_en.data or "").strip()
        return not names and not (self.weight.data or "").strip()

    def validate_name_vi(self, field) -> None:
        if not self.is_blank() and not (field.data or "").strip():
            raise ValidationError(REQUIRED)

    def validate_name_en(self, field) -> None:
        if not self.is_blank() and not (field.data or "").strip():
            raise ValidationError(REQUIRED)

    def validate_weight(self, field) -> None:
        if self.is_blank():
            return
        if not (field.data or "").strip():
            raise ValidationError(REQUIRED)
        weight = _number(field.data)
        if weight is None:
            raise ValidationError(_l("Enter a number, e.g. 0.4."))
        if weight <= 0:
            raise ValidationError(_l("A weight must be above zero."))

    def criterion(self) -> CriterionData:
        """The line as the service takes it."""
        return CriterionData(self.name_vi.data.strip(), self.name_en.data.strip(), _number(self.weight.data))


class RoundForm(FlaskForm):
    """Everything an organiser sets on a draft round; dates and times are local to the contest's timezone."""

    name_vi = StringField(_l("Name (Vietnamese)"), validators=[DataRequired(REQUIRED), Length(max=120)])
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(REQUIRED), Length(max=120)])
    kind = SelectField(_l("Kind of round"), choices=_choices(ROUND_KIND_LABELS))
    opens_at = DateTimeLocalField(_l("Opens at (optional)"), format=DATETIME_FORMATS, validators=[Optional()])
    closes_at = DateTimeLocalField(_l("Closes at (optional)"), format=DATETIME_FORMATS, validators=[Optional()])
    scale_min = FloatField(_l("Lowest score"), validators=[InputRequired(REQUIRED), NumberRange(min=0)])
    scale_max = FloatField(_l("Highest score"), validators=[InputRequired(REQUIRED), NumberRange(max=SCALE_CEILING)])
    scale_step = FloatField(_l("Step"), validators=[InputRequired(REQUIRED)])
    comment_mode = SelectField(_l("Comments"), choices=_choices(COMMENT_MODE_LABELS))
    min_yes = IntegerField(_l("Yes votes needed to advance"), validators=[InputRequired(REQUIRED), NumberRange(min=1)])
    allows_maybe = BooleanField(_l("Offer “maybe” besides yes and no"))
    assignment_mode = SelectField(_l("Who judges what"), choices=_choices(ASSIGNMENT_MODE_LABELS))
    jurors_per_entry = IntegerField(_l("Jurors per entry"), validators=[Optional(), NumberRange(min=1)])
    trim_proportion = FloatField(
        _l("Share of scores trimmed at each end"), validators=[InputRequired(REQUIRED), NumberRange(min=0)]
    )
    trim_min_jurors = IntegerField(
        _l("Trim only with at least this many jurors"), validators=[InputRequired(REQUIRED), NumberRange(min=1)]
    )
    criteria = FieldList(FormField(CriterionRow), min_entries=CRITERION_ROWS, max_entries=CRITERION_ROWS)

    def validate_scale_max(self, field) -> None:
        if field.data is not None and self.scale_min.data is not None and field.data <= self.scale_min.data:
            raise ValidationError(_l("The highest score must be above the lowest."))

    def validate_scale_step(self, field) -> None:
        if field.data is None:
            return
        if field.data <= 0:
            raise ValidationError(_l("The step must be above zero."))
        low, high = self.scale_min.data, self.scale_max.data
        if low is not None and high is not None and high > low and field.data > high - low:
            raise ValidationError(_l("The step cannot be larger than the scale."))

    def validate_closes_at(self, field) -> None:
        if field.data and self.opens_at.data and field.data <= self.opens_at.data:
            raise ValidationError(_l("The round must close after it opens."))

    def validate(self, extra_validators=None) -> bool:
        """The field checks, then: a balanced assignment needs its number of jurors per entry."""
        valid = super().validate(extra_validators)
        if self.assignment_mode.data == AssignmentMode.BALANCED.value and self.jurors_per_entry.data is None:
            if not self.jurors_per_entry.errors:
                self.jurors_per_entry.errors.append(_l("Say how many jurors judge each entry."))
            valid = False
        return valid

    def validate_trim_proportion(self, field) -> None:
        if field.data is not None and field.data >= 0.5:
            raise ValidationError(_l("Trim less than half of the scores at each end."))

    def validate_criteria(self, field) -> None:
        if self.kind.data == RoundKind.SCORING.value and all(row.form.is_blank() for row in field.entries):
            raise ValidationError(_l("A scoring round needs at least one criterion."))

    def fill(self, settings: RoundSettings, tz_name: str) -> None:
        """Put a round's settings in the fields, its dates as local times."""
        for name in RoundSettings.__dataclass_fields__:
            if name in ("criteria", "opens_at", "closes_at", "kind", "comment_mode", "assignment_mode"):
                continue
            getattr(self, name).data = getattr(settings, name)
        self.kind.data = settings.kind.value
        self.comment_mode.data = settings.comment_mode.value
        self.assignment_mode.data = settings.assignment_mode.value
        for name in ("opens_at", "closes_at"):
            moment = getattr(settings, name)
            getattr(self, name).data = to_local(moment, tz_name).replace(tzinfo=None) if moment else None
        for row, criterion in zip(self.criteria.entries, settings.criteria, strict=False):
            row.form.name_vi.data, row.form.name_en.data = criterion.name_vi, criterion.name_en
            row.form.weight.data = f"{criterion.weight:g}"

    def settings(self, tz_name: str) -> RoundSettings:
        """The fields as the service takes them; local dates become UTC instants."""
        kind = RoundKind(self.kind.data)
        assignment = AssignmentMode(self.assignment_mode.data)
        return RoundSettings(
            name_vi=self.name_vi.data.strip(),
            name_en=self.name_en.data.strip(),
            kind=kind,
            opens_at=_utc(self.opens_at.data, tz_name),
            closes_at=_utc(self.closes_at.data, tz_name),
            scale_min=self.scale_min.data,
            scale_max=self.scale_max.data,
            scale_step=self.scale_step.data,
            comment_mode=CommentMode(self.comment_mode.data),
            min_yes=self.min_yes.data,
            allows_maybe=bool(self.allows_maybe.data),
            assignment_mode=assignment,
            jurors_per_entry=self.jurors_per_entry.data if assignment is AssignmentMode.BALANCED else None,
            trim_proportion=self.trim_proportion.data,
            trim_min_jurors=self.trim_min_jurors.data,
            criteria=tuple(row.form.criterion() for row in self.criteria.entries if not row.form.is_blank()),
        )


def _utc(local: datetime | None, tz_name: str) -> datetime | None:
    return local.replace(tzinfo=ZoneInfo(tz_name)).astimezone(UTC) if local else None


class RoundJurorsForm(FlaskForm):
    """The round's jurors, ticked from the contest's jury."""

    jurors = CheckboxesField(_l("Jurors of this round"), coerce=int)


class ChairForm(FlaskForm):
    """Who chairs the contest's jury."""

    chair = SelectField(_l("Jury chair"), coerce=int)


class ConflictLinkForm(FlaskForm):
    """A juror linked to an entrant: the juror will judge none of the entrant's entries."""

    juror = SelectField(_l("Juror"), coerce=int)
    entrant_email = StringField(
        _l("Entrant's email"), validators=[DataRequired(REQUIRED), Email(_l("Enter a valid email address."))]
    )
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(REQUIRED), Length(max=1000)])


class ReasonForm(FlaskForm):
    """A lifecycle step that needs a reason (reopening a round)."""

    reason = TextAreaField(_l("Reason"), validators=[DataRequired(REQUIRED), Length(max=1000)])


class JurorReasonForm(FlaskForm):
    """A step about one juror that needs a reason (reopening their scores, their dropping out)."""

    juror = SelectField(_l("Juror"), coerce=int)
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(REQUIRED), Length(max=1000)])


class AdvanceForm(FlaskForm):
    """How entries go on: a method, and either the top N or a threshold (yes votes for a selection round).

    The preview reads it from the query string without CSRF (it changes nothing); the confirmation posts it.
    """

    method = SelectField(_l("Method"), choices=_choices(METHOD_LABELS))
    top_n = IntegerField(_l("Top N entries"), validators=[Optional(), NumberRange(min=1)])
    threshold = FloatField(_l("Or: at least this score (yes votes in a selection round)"), validators=[Optional()])

    def set_kind(self, kind: RoundKind) -> None:
        """Only the methods that fit the round's kind."""
        allowed = [AdvanceMethod.YES_VOTES] if kind is RoundKind.SELECTION else list(AdvanceMethod)[:3]
        self.method.choices = [SelectChoice(m.value, METHOD_LABELS[m.value]) for m in allowed]

    def validate(self, extra_validators=None) -> bool:
        """The field checks, then: exactly one of top N and threshold (a selection round takes only a threshold)."""
        valid = super().validate(extra_validators)
        if self.threshold.errors or self.top_n.errors:
            return False
        if self.method.data == AdvanceMethod.YES_VOTES.value:
            problem = _l("A selection round advances by the number of yes votes.") if self.top_n.data else None
        elif (self.top_n.data is None) == (self.threshold.data is None):
            problem = _l("Give either a number of entries or a score threshold.")
        else:
            problem = None
        if problem:
            self.threshold.errors.append(problem)
        return valid and not problem

    def choice(self) -> tuple[AdvanceMethod, int | None, float | None]:
        """(method, top N, threshold) as the service takes them."""
        return AdvanceMethod(self.method.data), self.top_n.data, self.threshold.data
