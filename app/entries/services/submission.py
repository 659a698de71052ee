"""Entering a work, changing it and withdrawing it, with every rule checked here.

Views and the API call these same functions, so a rule holds whichever way an entry
arrives. They flush and never commit; the caller commits once, and the confirmation
mail goes out only after that commit.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime

from flask import url_for
from flask_babel import format_date
from flask_babel import lazy_gettext as _l

from app.auth.models import User
from app.contest.models import Category, Contest
from app.core.errors import ValidationFailed
from app.core.mail import send_mail_after_commit
from app.core.timeutil import utcnow
from app.entries.labels import KIND_LABELS
from app.entries.models import (
    CAPTION_MAX,
    CREDIT_MAX,
    EDITABLE_STATUSES,
    GROUP_MAX_MEMBERS,
    MEMBER_NAME_MAX,
    PLACE_MAX,
    STORY_MAX,
    TITLE_MAX,
    Entry,
    EntryKind,
    EntryMember,
    EntryStatus,
)
from app.entries.places import UNIT_CODES
from app.entries.rules import is_within, local_date
from app.entries.services import eligibility
from app.entries.services.codes import allocate_code
from app.entries.services.errors import EntryLocked, KindNotAccepted
from app.entries.services.files import check_files, claim_files
from app.entries.services.processing import entries_repeating, refresh_entry
from app.extensions import db


@dataclass(frozen=True)
class EntryDetails:
    """What the entrant writes about the work."""

    title_vi: str
    title_en: str = ""
    story: str = ""
    place: str = ""
    place_unit: str | None = None
    made_on: date | None = None
    credit_name: str = ""
    is_group: bool = False
    members: tuple[str, ...] = ()


@dataclass(frozen=True)
class Declarations:
    """The four statements every entrant must make, as the rules word them."""

    own_work: bool = False
    made_in_area: bool = False
    consent: bool = False
    licence: bool = False


@dataclass(frozen=True)
class FileChoice:
    """One uploaded file chosen for the entry, in order, with its captions."""

    asset_id: str
    caption_vi: str = ""
    caption_en: str = ""


@dataclass
class _Errors:
    """Field errors collected so the entrant sees every problem at once."""

    by_field: dict[str, list] = field(default_factory=dict)

    def add(self, name: str, message) -> None:
        self.by_field.setdefault(name, []).append(message)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationFailed(self.by_field)


KIND_ALLOWED = {
    EntryKind.SINGLE_PHOTO: lambda c: c.allows_single_photo,
    EntryKind.PHOTO_SERIES: lambda c: c.allows_photo_series,
    EntryKind.VIDEO: lambda c: c.allows_video,
}


def accepted_kinds(category: Category) -> list[EntryKind]:
    """The kinds of work a category takes, in a fixed order."""
    return [kind for kind, allowed in KIND_ALLOWED.items() if allowed(category)]


def clean_text(value: str | None) -> str:
    """Trimmed, NFC-normalised text without control characters (newlines kept)."""
    value = unicodedata.normalize("NFC", value or "")
    return "".join(ch for ch in value if ch in "\n\t" or unicodedata.category(ch)[0] != "C").strip()


def _check_length(errors: _Errors, name: str, value: str, limit: int) -> None:
    if len(value) > limit:
        errors.add(name, _l("At most %(max)d characters (now %(count)d).", max=limit, count=len(value)))


def _clean_details(details: EntryDetails) -> EntryDetails:
    members = tuple(clean_text(name) for name in details.members if clean_text(name)) if details.is_group else ()
    return EntryDetails(
        title_vi=clean_text(details.title_vi),
        title_en=clean_text(details.title_en),
        story=clean_text(details.story),
        place=clean_text(details.place),
        place_unit=details.place_unit or None,
        made_on=details.made_on,
        credit_name=clean_text(details.credit_name),
        is_group=details.is_group,
        members=members,
    )


def validate_details(details: EntryDetails, contest: Contest, now: datetime, errors: _Errors) -> None:
    """Titles, story, place, date and authors each within their limits."""
    if not details.title_vi:
        errors.add("title_vi", _l("Give the work a title in Vietnamese."))
    for name, limit in (("title_vi", TITLE_MAX), ("title_en", TITLE_MAX), ("story", STORY_MAX), ("place", PLACE_MAX)):
        _check_length(errors, name, getattr(details, name), limit)
    if details.place_unit is not None and details.place_unit not in UNIT_CODES:
        errors.add("place_unit", _l("Choose a district from the list, or leave it empty."))
    _validate_made_on(details.made_on, contest, now, errors)
    if not details.credit_name:
        errors.add("credit_name", _l("Say how the author should be credited."))
    _check_length(errors, "credit_name", details.credit_name, CREDIT_MAX)
    if details.is_group:
        _validate_members(details.members, errors)


def _validate_made_on(made_on: date | None, contest: Contest, now: datetime, errors: _Errors) -> None:
    if made_on is None:
        errors.add("made_on", _l("Say when the work was made."))
    elif made_on > local_date(now, contest.timezone):
        errors.add("made_on", _l("This date is in the future."))
    elif not is_within(made_on, contest.work_created_from, contest.work_created_until):
        errors.add("made_on", _creation_window_message(contest))


def _creation_window_message(contest: Contest):
    start = format_date(contest.work_created_from, "short") if contest.work_created_from else None
    end = format_date(contest.work_created_until, "short") if contest.work_created_until else None
    if start and end:
        return _l("Works must have been made between %(start)s and %(end)s.", start=start, end=end)
    if start:
        return _l("Works must have been made on or after %(start)s.", start=start)
    return _l("Works must have been made on or before %(end)s.", end=end)


def _validate_members(members: tuple[str, ...], errors: _Errors) -> None:
    if len(members) < 2:
        errors.add("members", _l("A group names at least two members, one per line."))
    if len(members) > GROUP_MAX_MEMBERS:
        errors.add("members", _l("A group has at most %(max)d members.", max=GROUP_MAX_MEMBERS))
    if any(len(name) > MEMBER_NAME_MAX for name in members):
        errors.add("members", _l("Each name has at most %(max)d characters.", max=MEMBER_NAME_MAX))


DECLARATION_FIELDS = {
    "declared_own_work": "own_work",
    "declared_made_in_area": "made_in_area",
    "declared_consent": "consent",
    "declared_licence": "licence",
}


def validate_declarations(declarations: Declarations, errors: _Errors) -> None:
    """Every declaration must be made; an unticked box is named."""
    for field_name, attribute in DECLARATION_FIELDS.items():
        if not getattr(declarations, attribute):
            errors.add(field_name, _l("You must confirm this to enter."))


def _clean_files(files: list[FileChoice], errors: _Errors) -> list[FileChoice]:
    cleaned = [
        FileChoice(str(f.asset_id), clean_text(f.caption_vi), clean_text(f.caption_en)) for f in files
    ]
    if any(len(f.caption_vi) > CAPTION_MAX or len(f.caption_en) > CAPTION_MAX for f in cleaned):
        errors.add("files", _l("Captions have at most %(max)d characters.", max=CAPTION_MAX))
    return cleaned


def submit_entry(
    entrant: User,
    category: Category,
    kind: EntryKind,
    details: EntryDetails,
    declarations: Declarations,
    files: list[FileChoice],
    now: datetime | None = None,
) -> Entry:
    """Enter a work; raises a domain error, with nothing stored, if any rule is broken."""
    now = now or utcnow()
    contest = category.contest
    eligibility.check_may_enter(contest, entrant, now)
    if kind not in accepted_kinds(category):
        raise KindNotAccepted(field="kind")
    eligibility.lock_entrant(entrant)
    eligibility.check_entry_limit(category, entrant)
    errors = _Errors()
    details = _clean_details(details)
    validate_details(details, contest, now, errors)
    validate_declarations(declarations, errors)
    files = _clean_files(files, errors)
    assets = check_files(entrant, category, kind, [f.asset_id for f in files], errors, entry=None)
    errors.raise_if_any()
    entry = Entry(
        contest=contest,
        category=category,
        entrant=entrant,
        kind=kind,
        code=allocate_code(contest, category, kind),
        status=EntryStatus.SUBMITTED,
        declared_own_work=True,
        declared_made_in_area=True,
        declared_consent=True,
        declared_licence=True,
        rules_version=contest.rules_version,
        authenticity_flags=[],
        submitted_at=now,
        updated_at=now,
    )
    _apply_details(entry, details)
    db.session.add(entry)
    claim_files(entry, files, assets, now)
    refresh_entry(entry, now)
    _send_received_mail(entry)
    return entry


def _apply_details(entry: Entry, details: EntryDetails) -> None:
    entry.title_vi = details.title_vi
    entry.title_en = details.title_en
    entry.story = details.story
    entry.place = details.place
    entry.place_unit = details.place_unit
    entry.made_on = details.made_on
    entry.credit_name = details.credit_name
    entry.is_group = details.is_group
    entry.members = [EntryMember(position=n, name=name) for n, name in enumerate(details.members, start=1)]


def check_editable(entry: Entry, now: datetime) -> None:
    """Entrants may change or withdraw an entry until the deadline, while nobody has decided on it."""
    eligibility.check_submissions_open(entry.contest, now)
    if entry.status not in EDITABLE_STATUSES:
        raise EntryLocked()


def update_entry(
    entry: Entry, entrant: User, details: EntryDetails, files: list[FileChoice], now: datetime | None = None
) -> Entry:
    """Change the text, order, captions or files of one's own entry before the deadline."""
    now = now or utcnow()
    check_editable(entry, now)
    errors = _Errors()
    details = _clean_details(details)
    validate_details(details, entry.contest, now, errors)
    files = _clean_files(files, errors)
    assets = check_files(entrant, entry.category, entry.kind, [f.asset_id for f in files], errors, entry=entry)
    errors.raise_if_any()
    repeating = entries_repeating(entry)  # copies of files this edit may drop
    entry.members.clear()
    db.session.flush()  # old positions go before new ones take them
    _apply_details(entry, details)
    claim_files(entry, files, assets, now)
    entry.updated_at = now
    refresh_entry(entry, now)
    for later in repeating:
        refresh_entry(later, now)
    return entry


def withdraw_entry(entry: Entry, now: datetime | None = None) -> None:
    """Take an entry back before the deadline; its code is never reused and it stops counting."""
    now = now or utcnow()
    check_editable(entry, now)
    entry.status = EntryStatus.WITHDRAWN
    entry.withdrawn_at = now
    entry.updated_at = now
    db.session.flush()
    for later in entries_repeating(entry):  # a copy entered later is no longer a duplicate
        refresh_entry(later, now)


def _send_received_mail(entry: Entry) -> None:
    entrant = entry.entrant
    send_mail_after_commit(
        "entry_received",
        to=entrant.email,
        locale=entrant.locale,
        entry=entry,
        user=entrant,
        kind_label=KIND_LABELS[entry.kind.value],
        link=url_for("entries.entry_detail", code=entry.code, _external=True),
    )
