"""Request and response schemas of the API (types only: the rules live in the services)."""

from __future__ import annotations

from marshmallow import Schema, fields

from app.contest.services import contest_phase


class StrictSchema(Schema):
    """Refuses unknown fields so typos in clients surface as errors."""


class Text(fields.String):
    """Input text the database can store and the hashers can encode.

    JSON may carry NUL characters (PostgreSQL refuses them in text) and lone UTF-16
    surrogates such as "\\ud800" (not encodable as UTF-8): both are refused as not text.
    """

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if not is_storable_text(text):
            raise self.make_error("invalid")
        return text


def is_storable_text(text: str) -> bool:
    """False when the text has a NUL character or a lone surrogate."""
    return "\x00" not in text and not any("\ud800" <= ch <= "\udfff" for ch in text)


class MessageSchema(Schema):
    """A plain acknowledgement with a translated message."""

    message = fields.String(required=True)


class ApiErrorDetailSchema(Schema):
    status = fields.Integer(required=True)
    code = fields.String(required=True)
    message = fields.String(required=True)
    fields = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))


class ApiErrorSchema(Schema):
    """The single error shape of the API."""

    error = fields.Nested(ApiErrorDetailSchema, required=True)


class CsrfSchema(Schema):
    csrf_token = fields.String(required=True)


class RegisterSchema(StrictSchema):
    full_name = Text(required=True)
    email = Text(required=True)
    password = Text(required=True, load_only=True)
    birth_date = fields.Date(required=True)
    nationality = Text(required=True)
    phone = Text(load_default=None, allow_none=True)
    accepts_privacy_notice = fields.Boolean(required=True)
    locale = Text(load_default="vi")


class VerifySchema(StrictSchema):
    email = Text(required=True)
    code = Text(required=True)


class LoginSchema(StrictSchema):
    email = Text(required=True)
    password = Text(required=True, load_only=True)
    remember = fields.Boolean(load_default=False)


class MeSchema(Schema):
    id = fields.Integer()
    email = fields.String()
    full_name = fields.String()
    nationality = fields.String()
    phone = fields.String(allow_none=True)
    locale = fields.String()
    is_verified = fields.Boolean()
    roles = fields.Function(
        lambda user: sorted(user.role_names), metadata={"type": "array", "items": {"type": "string"}}
    )


class CategorySchema(Schema):
    id = fields.Integer(metadata={"description": "Pass as 'category' in an upload's Upload-Metadata."})
    slug = fields.String()
    code_letter = fields.String()
    name_vi = fields.String()
    name_en = fields.String()
    description_vi = fields.String()
    description_en = fields.String()
    media_type = fields.String()
    allows_single_photo = fields.Boolean()
    allows_photo_series = fields.Boolean()
    allows_video = fields.Boolean()
    series_min_photos = fields.Integer()
    series_max_photos = fields.Integer()
    allowed_formats = fields.List(fields.String())
    min_long_edge_px = fields.Integer(allow_none=True)
    min_bytes = fields.Integer(allow_none=True)
    max_bytes = fields.Integer(allow_none=True)
    max_video_seconds = fields.Integer(allow_none=True)
    max_entries_per_entrant = fields.Integer(allow_none=True)


class PrizeSchema(Schema):
    category = fields.Function(lambda prize: prize.category.slug if prize.category else None)
    rank = fields.Integer()
    name_vi = fields.String()
    name_en = fields.String()
    quantity = fields.Integer()
    cash_amount_vnd = fields.Integer(allow_none=True)


class ContestSchema(Schema):
    slug = fields.String()
    name_vi = fields.String()
    name_en = fields.String()
    description_vi = fields.String()
    description_en = fields.String()
    eligibility_vi = fields.String()
    eligibility_en = fields.String()
    rules_vi = fields.String()
    rules_en = fields.String()
    rules_version = fields.String()
    timezone = fields.String()
    status = fields.String()
    phase = fields.Function(lambda contest: contest_phase(contest).value, metadata={"type": "string"})
    submissions_open_at = fields.DateTime()
    submissions_close_at = fields.DateTime()
    voting_open_at = fields.DateTime(allow_none=True)
    voting_close_at = fields.DateTime(allow_none=True)
    results_at = fields.DateTime(allow_none=True)
    work_created_from = fields.Date(allow_none=True)
    work_created_until = fields.Date(allow_none=True)
    min_entrant_age = fields.Integer()
    categories = fields.List(fields.Nested(CategorySchema))
    prizes = fields.List(fields.Nested(PrizeSchema))


class UploadSchema(Schema):
    """A resumable upload's progress."""

    id = fields.String()
    offset = fields.Integer()
    length = fields.Integer()
    state = fields.String()
    asset_id = fields.String(allow_none=True)
    filename = fields.String()
    expires_at = fields.DateTime()
    chunk_size = fields.Integer()


class DerivativeSchema(Schema):
    """One web copy of a media asset."""

    name = fields.String()
    url = fields.String()
    width = fields.Integer()
    height = fields.Integer()
    content_type = fields.String()


class MediaAssetSchema(Schema):
    """An uploaded file and where processing stands."""

    id = fields.String()
    kind = fields.String()
    state = fields.String()
    filename = fields.String()
    message = fields.String(allow_none=True)
    width = fields.Integer(allow_none=True)
    height = fields.Integer(allow_none=True)
    duration_s = fields.Float(allow_none=True)
    placeholder = fields.String(allow_none=True)
    captured_on = fields.Date(
        allow_none=True, metadata={"description": "The day the photo was taken, from its EXIF, if known."}
    )
    derivatives = fields.List(fields.Nested(DerivativeSchema))
    created_at = fields.DateTime()


class ThumbnailSchema(Schema):
    """A small picture to show in lists."""

    url = fields.String()
    width = fields.Integer()
    height = fields.Integer()


class EntryStepSchema(Schema):
    """One step of an entry's timeline."""

    key = fields.String(metadata={"description": "uploaded, processing, received, under_review, decision, ..."})
    state = fields.String(metadata={"description": "done, current, failed or todo"})
    label = fields.String()


class EntryFileSchema(Schema):
    """One file of an entry and where its processing stands."""

    position = fields.Integer()
    asset_id = fields.String()
    filename = fields.String()
    state = fields.String(metadata={"description": "pending, processing, ready, rejected, failed or problem"})
    state_label = fields.String()
    message = fields.String(allow_none=True)
    caption_vi = fields.String()
    caption_en = fields.String()


class EntrySchema(Schema):
    """One of the caller's entries as its entrant sees it."""

    code = fields.String(metadata={"example": "HNA25-A-0123"})
    kind = fields.String()
    status = fields.String()
    status_label = fields.String()
    title_vi = fields.String()
    title_en = fields.String()
    category = fields.String()
    needs_attention = fields.Boolean()
    decision_reason = fields.String(allow_none=True)
    submitted_at = fields.DateTime()
    thumbnail = fields.Nested(ThumbnailSchema, allow_none=True)
    steps = fields.List(fields.Nested(EntryStepSchema))
    files = fields.List(fields.Nested(EntryFileSchema))
