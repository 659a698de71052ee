"""Contest settings, status, the current contest and next year's copy."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.audit.services import record_decision
from app.auth.models import User
from app.contest import services
from app.contest.models import (
    Category,
    Contest,
    ContestStatus,
    Prize,
    VotePolicy,
)
from app.contest.settings.common import (
    PREFIX_RE,
    REQUIRED,
    SLUG_RE,
    add_problem,
    apply_changes,
    normalise_prefix,
    normalise_slug,
    raise_if_problems,
)
from app.contest.settings.prizes import PRIZE_FIELDS
from app.core.errors import DomainError
from app.core.timeutil import end_of_local_day, start_of_local_day, to_local
from app.entries.models import Entry
from app.extensions import db


class ContestStateRefused(DomainError):
    """A status or current-contest change that would leave the public site inconsistent."""

    status_code = 409
    code = "contest_state_refused"


# ---------------------------------------------------------------------------- contests


@dataclass(frozen=True)
class ContestSettings:
    """Everything an organiser edits on a contest; dates are local calendar days."""

    slug: str
    entry_code_prefix: str
    name_vi: str
    name_en: str
    rules_version: str
    timezone: str
    submissions_open_on: date | None
    submissions_close_on: date | None
    tagline_vi: str = ""
    tagline_en: str = ""
    description_vi: str = ""
    description_en: str = ""
    eligibility_vi: str = ""
    eligibility_en: str = ""
    rules_vi: str = ""
    rules_en: str = ""
    organiser_vi: str = ""
    organiser_en: str = ""
    voting_open_on: date | None = None
    voting_close_on: date | None = None
    results_on: date | None = None
    work_created_from: date | None = None
    work_created_until: date | None = None
    min_entrant_age: int | None = 15
    vote_policy: str = VotePolicy.PER_ENTRY_PER_DAY.value
    votes_per_day: int | None = 1
    vote_counts_visible: bool = False


def _last_local_day(moment: datetime | None, tz_name: str) -> date | None:
    """The local calendar day a window closing at `moment` (24:00 of that day) ends on."""
    return to_local(moment - timedelta(microseconds=1), tz_name).date() if moment else None


def settings_of(contest: Contest) -> ContestSettings:
    """A contest's current settings, with its instants as local days, to fill the form."""
    tz = contest.timezone
    return ContestSettings(
        **{name: getattr(contest, name) for name in _TEXT_FIELDS},
        timezone=tz,
        submissions_open_on=to_local(contest.submissions_open_at, tz).date(),
        submissions_close_on=_last_local_day(contest.submissions_close_at, tz),
        voting_open_on=to_local(contest.voting_open_at, tz).date() if contest.voting_open_at else None,
        voting_close_on=_last_local_day(contest.voting_close_at, tz),
        results_on=to_local(contest.results_at, tz).date() if contest.results_at else None,
        work_created_from=contest.work_created_from,
        work_created_until=contest.work_created_until,
        min_entrant_age=contest.min_entrant_age,
        vote_policy=contest.vote_policy.value,
        votes_per_day=contest.votes_per_day,
        vote_counts_visible=contest.vote_counts_visible,
    )


_TEXT_FIELDS = (
    "slug",
    "entry_code_prefix",
    "name_vi",
    "name_en",
    "rules_version",
    "tagline_vi",
    "tagline_en",
    "description_vi",
    "description_en",
    "eligibility_vi",
    "eligibility_en",
    "rules_vi",
    "rules_en",
    "organiser_vi",
    "organiser_en",
)


def _identity_problems(
    problems: dict, slug: str, prefix: str, name_vi: str, name_en: str, exclude_id: int | None
) -> None:
    """Slug, prefix and names: present, well formed and (slug) unique."""
    if not slug:
        add_problem(problems, "slug", REQUIRED)
    elif len(slug) > 80 or not SLUG_RE.match(slug):
        add_problem(
            problems, "slug", _l("Use lower-case letters, digits and single hyphens only (at most 80), e.g. hna-2026.")
        )
    else:
        taken = select(Contest.id).where(Contest.slug == slug)
        if exclude_id is not None:
            taken = taken.where(Contest.id != exclude_id)
        if db.session.scalar(taken) is not None:
            add_problem(problems, "slug", _l("Another contest already uses this address."))
    if not PREFIX_RE.match(prefix):
        add_problem(problems, "entry_code_prefix", _l("Use 2 to 12 letters or digits, e.g. HNA26."))
    for name, value in (("name_vi", name_vi), ("name_en", name_en)):
        if not value:
            add_problem(problems, name, REQUIRED)
        elif len(value) > 200:
            add_problem(problems, name, _l("At most %(n)d characters.", n=200))


def _valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return bool(name)


def _voting_problems(problems: dict, s: ContestSettings) -> None:
    """Both voting days or neither; voting opens no earlier than submissions and closes before results."""
    if (s.voting_open_on is None) != (s.voting_close_on is None):
        missing = "voting_open_on" if s.voting_open_on is None else "voting_close_on"
        add_problem(problems, missing, _l("Give both voting dates, or neither."))
    if not (s.voting_open_on and s.voting_close_on):
        return
    if s.voting_close_on < s.voting_open_on:
        add_problem(problems, "voting_close_on", _l("Voting must close on or after the day it opens."))
    if s.submissions_open_on and s.voting_open_on < s.submissions_open_on:
        add_problem(problems, "voting_open_on", _l("Voting cannot open before submissions open."))
    if s.results_on and s.voting_close_on >= s.results_on:
        add_problem(problems, "voting_close_on", _l("Voting must close before the results day."))


def _date_problems(problems: dict, s: ContestSettings) -> None:
    """The timeline in order: submissions, then voting, then results; creation window before close."""
    if s.submissions_open_on is None:
        add_problem(problems, "submissions_open_on", REQUIRED)
    if s.submissions_close_on is None:
        add_problem(problems, "submissions_close_on", REQUIRED)
    opens, closes = s.submissions_open_on, s.submissions_close_on
    if opens and closes and closes < opens:
        add_problem(problems, "submissions_close_on", _l("Submissions must close on or after the day they open."))
    _voting_problems(problems, s)
    if s.results_on and closes and s.results_on <= closes:
        add_problem(problems, "results_on", _l("Results must come after the last day of submissions."))
    start, end = s.work_created_from, s.work_created_until
    if start and end and end < start:
        add_problem(problems, "work_created_until", _l("The end of the creation window must not be before its start."))
    if end and closes and end > closes:
        add_problem(
            problems,
            "work_created_until",
            _l("The creation window must end no later than the last day of submissions."),
        )


def contest_settings_problems(s: ContestSettings, contest: Contest | None = None) -> dict[str, list]:
    """Every broken rule of a contest's settings, by field."""
    problems: dict[str, list] = {}
    _identity_problems(
        problems, s.slug, s.entry_code_prefix, s.name_vi, s.name_en, contest.id if contest is not None else None
    )
    if not s.rules_version:
        add_problem(problems, "rules_version", REQUIRED)
    elif len(s.rules_version) > 40:
        add_problem(problems, "rules_version", _l("At most %(n)d characters.", n=40))
    if not _valid_timezone(s.timezone):
        add_problem(problems, "timezone", _l("Enter a timezone name such as Asia/Ho_Chi_Minh."))
    _date_problems(problems, s)
    if s.min_entrant_age is None or not 0 <= s.min_entrant_age <= 120:
        add_problem(problems, "min_entrant_age", _l("Enter an age from 0 to 120."))
    if s.vote_policy not in {p.value for p in VotePolicy}:
        add_problem(problems, "vote_policy", _l("Choose a voting rule."))
    if s.votes_per_day is None or not 1 <= s.votes_per_day <= 1000:
        add_problem(problems, "votes_per_day", _l("Enter a number of votes from 1 to 1000."))
    for name in ("tagline_vi", "tagline_en", "organiser_vi", "organiser_en"):
        if len(getattr(s, name)) > 300:
            add_problem(problems, name, _l("At most %(n)d characters.", n=300))
    if contest is not None and s.entry_code_prefix != contest.entry_code_prefix and _has_entries(contest):
        add_problem(
            problems, "entry_code_prefix", _l("Entry codes have already been given with this prefix; it cannot change.")
        )
    return problems


def _has_entries(contest: Contest) -> bool:
    return db.session.scalar(select(Entry.id).where(Entry.contest_id == contest.id).limit(1)) is not None


_INSTANTS = {  # column: (settings field, is the end of its day)
    "submissions_open_at": ("submissions_open_on", False),
    "submissions_close_at": ("submissions_close_on", True),
    "voting_open_at": ("voting_open_on", False),
    "voting_close_at": ("voting_close_on", True),
    "results_at": ("results_on", False),
}


def _contest_values(s: ContestSettings, contest: Contest | None = None) -> dict:
    """The column values the settings stand for.

    An instant whose local day (and timezone) did not change keeps its exact time, so saving
    a contest whose window was set to the minute (e.g. by `flask contest open-submissions`)
    moves nothing the organiser did not touch.
    """
    tz = s.timezone
    current = settings_of(contest) if contest is not None and contest.timezone == tz else None
    values = {name: getattr(s, name) for name in _TEXT_FIELDS}
    for column, (name, is_end) in _INSTANTS.items():
        day = getattr(s, name)
        if current is not None and getattr(current, name) == day:
            values[column] = getattr(contest, column)
        elif day is None:
            values[column] = None
        else:
            values[column] = end_of_local_day(day, tz) if is_end else start_of_local_day(day, tz)
    values.update(
        timezone=tz,
        work_created_from=s.work_created_from,
        work_created_until=s.work_created_until,
        min_entrant_age=s.min_entrant_age,
        vote_policy=VotePolicy(s.vote_policy),
        votes_per_day=s.votes_per_day,
        vote_counts_visible=bool(s.vote_counts_visible),
    )
    return values


def update_contest(contest: Contest, settings: ContestSettings, actor: User) -> dict:
    """Change a contest's settings; returns the changed fields' new values (audited as contest.update)."""
    settings = _normalised(settings)
    raise_if_problems(contest_settings_problems(settings, contest))
    before, after = apply_changes(contest, _contest_values(settings, contest))
    if after:
        record_decision(
            actor, "contest.update", "contest", contest.id, before=before, after=after, contest_id=contest.id
        )
    db.session.flush()
    return after


def _normalised(s: ContestSettings) -> ContestSettings:
    values = asdict(s)
    for name, value in values.items():
        if isinstance(value, str):
            values[name] = value.strip()
    values["slug"] = normalise_slug(s.slug)
    values["entry_code_prefix"] = normalise_prefix(s.entry_code_prefix)
    return ContestSettings(**values)


def set_contest_status(contest: Contest, status: ContestStatus, actor: User) -> None:
    """Publish, unpublish (back to draft) or archive a contest; the current one must stay public."""
    if status == contest.status:
        return
    if contest.is_current and status == ContestStatus.DRAFT:
        raise ContestStateRefused(_l("This is the current contest: make another one current before unpublishing it."))
    before, after = apply_changes(contest, {"status": status})
    record_decision(actor, "contest.status", "contest", contest.id, before=before, after=after, contest_id=contest.id)
    db.session.flush()


def make_contest_current(contest: Contest, actor: User) -> None:
    """Make a published or archived contest the one the site is about (audited)."""
    if contest.is_current:
        return
    if contest.status == ContestStatus.DRAFT:
        raise ContestStateRefused(_l("Publish this contest before making it the current one."))
    previous = db.session.scalar(select(Contest).where(Contest.is_current.is_(True)))
    services.make_current(contest)
    record_decision(
        actor,
        "contest.make_current",
        "contest",
        contest.id,
        before={"current_contest_id": previous.id if previous else None},
        after={"current_contest_id": contest.id},
        contest_id=contest.id,
    )


# ---------------------------------------------------------------------------- cloning


def _next_year(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)


def _next_year_instant(moment: datetime | None, tz_name: str) -> datetime | None:
    """The same local wall-clock time one year later."""
    if moment is None:
        return None
    local = to_local(moment, tz_name)
    shifted = datetime.combine(_next_year(local.date()), local.time(), tzinfo=ZoneInfo(tz_name))
    return to_local(shifted, "UTC")


# Copied as they are; identity and dates are set apart.
_CONTEST_COPIED = (
    *_TEXT_FIELDS[4:],
    "timezone",
    "min_entrant_age",
    "vote_policy",
    "votes_per_day",
    "vote_counts_visible",
)
_CATEGORY_COPIED = tuple(c.key for c in Category.__table__.columns if c.key not in ("id", "contest_id"))


def clone_contest(source: Contest, slug: str, name_vi: str, name_en: str, prefix: str, actor: User) -> Contest:
    """A draft copy of a contest with its categories and prizes (no entries, no staff), one year later."""
    slug, prefix = normalise_slug(slug), normalise_prefix(prefix)
    name_vi, name_en = (name_vi or "").strip(), (name_en or "").strip()
    problems: dict[str, list] = {}
    _identity_problems(problems, slug, prefix, name_vi, name_en, exclude_id=None)
    raise_if_problems(problems)
    tz = source.timezone
    copy = Contest(
        slug=slug,
        entry_code_prefix=prefix,
        name_vi=name_vi,
        name_en=name_en,
        status=ContestStatus.DRAFT,
        is_current=False,
        **{name: getattr(source, name) for name in _CONTEST_COPIED},
        submissions_open_at=_next_year_instant(source.submissions_open_at, tz),
        submissions_close_at=_next_year_instant(source.submissions_close_at, tz),
        voting_open_at=_next_year_instant(source.voting_open_at, tz),
        voting_close_at=_next_year_instant(source.voting_close_at, tz),
        results_at=_next_year_instant(source.results_at, tz),
        work_created_from=_next_year(source.work_created_from) if source.work_created_from else None,
        work_created_until=_next_year(source.work_created_until) if source.work_created_until else None,
    )
    copies = {}
    for category in source.categories:
        copies[category.id] = Category(**{name: _copied(getattr(category, name)) for name in _CATEGORY_COPIED})
        copy.categories.append(copies[category.id])
    db.session.add(copy)
    db.session.flush()
    for prize in source.prizes:
        copy.prizes.append(
            Prize(
                category_id=copies[prize.category_id].id if prize.category_id else None,
                **{name: getattr(prize, name) for name in PRIZE_FIELDS},
            )
        )
    db.session.flush()
    record_decision(
        actor,
        "contest.clone",
        "contest",
        copy.id,
        before={"source_id": source.id, "source_slug": source.slug},
        after={"slug": slug, "entry_code_prefix": prefix, "name_vi": name_vi, "name_en": name_en},
        contest_id=copy.id,
    )
    return copy


def _copied(value):
    return list(value) if isinstance(value, list) else value
