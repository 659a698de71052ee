"""Reach statistics: how often the gallery, entry pages and share buttons are used, by day, by
visitor language, country and referring site, and how many valid votes were cast each day.

Counted from the request alone: no cookie, no third-party tracker, no IP address stored. Every
request is reduced to three short, validated labels (language, country, referrer host) before
anything touches the database, so odd headers cannot make counting fail; bots are not counted.
A count is one atomic UPSERT on the (contest, day, event, entry, language, country, referrer) row,
so concurrent requests never lose an increment. Figures are aggregated in SQL with a fixed number
of queries, whatever the number of entries, rows or days.
"""

from __future__ import annotations

import atexit
import csv
import io
import re
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import current_app
from flask import request as current_request
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header
from werkzeug.wrappers import Request

from app.contest.models import Contest
from app.core.i18n import SUPPORTED_LOCALES
from app.core.timeutil import to_local, utcnow
from app.entries.models import Entry, EntryStatus
from app.entries.services import neutralise
from app.extensions import db
from app.gallery.models import EntryVoteCount, ReachCount, ReachEvent, Vote

BOT_MARKERS = ("bot", "crawler", "spider", "preview", "facebookexternalhit")
REFERRER_MAX = 120
TOP = 10
MAX_PERIOD_DAYS = 366
VIEW_EVENTS = (ReachEvent.GALLERY_VIEW, ReachEvent.ENTRY_VIEW)
KEY_COLUMNS = ("contest_id", "day", "event", "entry_id", "language", "country", "referrer")
OTHER = "other"

_PRIMARY_SUBTAG = re.compile(r"[a-z]{2,3}")
_COUNTRY = re.compile(r"[A-Z]{2}")
_REFERRER = re.compile(r"https?://(?:[^/?#@]*@)?(?P<host>[^/?#:@\[\]]+)", re.IGNORECASE)
_HOST = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?")
_UPSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


# ---------------------------------------------------------------------------- the visitor, from headers


@dataclass(frozen=True)
class Visitor:
    """What is counted about one request: three short labels, "" when unknown."""

    language: str = ""
    country: str = ""
    referrer: str = ""


def is_bot(user_agent: str | None) -> bool:
    """Crawlers, link previews and clients that do not say what they are."""
    agent = (user_agent or "").strip().lower()
    return not agent or any(marker in agent for marker in BOT_MARKERS)


def visitor_language(accept_language: str | None, supported: Sequence[str] = SUPPORTED_LOCALES) -> str:
    """The best of our languages the visitor accepts, else their first language's primary subtag, else ""."""
    ranked = [(value, quality) for value, quality in parse_accept_header(accept_language or "", LanguageAccept)]
    ranked = [(value, quality) for value, quality in ranked if value != "*"]  # "anything" names no language
    best = LanguageAccept(ranked).best_match(supported)
    if best:
        return best
    for value, _quality in ranked:
        primary = value.replace("_", "-").split("-", 1)[0].lower()
        if _PRIMARY_SUBTAG.fullmatch(primary):
            return primary
    return ""


def visitor_country(value: str | None) -> str:
    """A two-letter country code from the trusted proxy's header; "" for unknown (XX), Tor (T1) or junk."""
    code = (value or "").strip().upper()
    return code if _COUNTRY.fullmatch(code) and code != "XX" else ""


def _site_of(url: str) -> str:
    """The lowercased host of an http(s) URL without www., or "" when there is no plain host name."""
    match = _REFERRER.match(url.strip())
    if match is None:
        return ""
    host = match.group("host").lower().rstrip(".")
    host = host[4:] if host.startswith("www.") else host
    return host if _HOST.fullmatch(host) else ""


def referrer_host(referer: str | None, own_host: str | None) -> str:
    """The referring site's host (lowercased, www. stripped, at most 120 characters); "" for us or none."""
    host = _site_of(referer or "")
    own = _site_of(f"http://{own_host or ''}")
    return "" if host == own else host[:REFERRER_MAX]


def describe_visitor(request: Request, country_header: str = "") -> Visitor | None:
    """The request's visitor labels, or None for a bot (not counted)."""
    if is_bot(request.headers.get("User-Agent")):
        return None
    return Visitor(
        language=visitor_language(request.headers.get("Accept-Language")),
        country=visitor_country(request.headers.get(country_header)) if country_header else "",
        referrer=referrer_host(request.headers.get("Referer"), request.host),
    )


# ---------------------------------------------------------------------------- counting


def contest_day(contest: Contest, now: datetime | None = None) -> date:
    """The contest-local calendar day of a moment (now by default)."""
    return to_local(now or utcnow(), contest.timezone).date()


def _reach_key(contest: Contest, event: ReachEvent, entry: Entry | None, visitor: Visitor, now) -> tuple:
    if entry is not None and entry.contest_id != contest.id:
        raise ValueError("the entry belongs to another contest")
    entry_id = entry.id if entry is not None else 0
    return (contest.id, contest_day(contest, now), ReachEvent(event), entry_id, visitor.language, visitor.country,
            visitor.referrer)


def _visitor_of(request: Request | None) -> Visitor | None:
    return describe_visitor(
        request if request is not None else current_request, current_app.config.get("REACH_COUNTRY_HEADER", "")
    )


def record_reach(
    contest: Contest,
    event: ReachEvent,
    *,
    entry: Entry | None = None,
    request: Request | None = None,
    now: datetime | None = None,
) -> bool:
    """Count one event of the current (or given) request; False when it was a bot. Flushes, never commits."""
    visitor = _visitor_of(request)
    if visitor is None:
        return False
    _add_counts({_reach_key(contest, event, entry, visitor, now): 1})
    return True


def _add_counts(counts: dict[tuple, int]) -> None:
    """Add to the counters: one UPSERT ... SET count = count + excluded.count per row, in one round trip."""
    upsert = _UPSERTS[db.engine.dialect.name](ReachCount)
    statement = upsert.on_conflict_do_update(
        index_elements=list(KEY_COLUMNS), set_={"count": ReachCount.count + upsert.excluded.count}
    )
    rows = [dict(zip(KEY_COLUMNS, key, strict=True), count=n) for key, n in sorted(counts.items())]
    db.session.execute(statement, rows)  # sorted: concurrent flushes lock rows in one order, no deadlock


class ViewTally:
    """Page views counted in memory and written in one batch every REACH_VIEW_FLUSH_SECONDS.

    A view is the commonest request of a public contest, and writing each one (an UPSERT and a commit
    per page) cost the gallery more than rendering it. Views are statistics: a worker killed outright
    loses at most the last few seconds of them (a clean shutdown writes them, see `_flush_at_exit`).
    Votes and share clicks are not buffered. One tally per app and process; thread-safe.
    """

    def __init__(self, flush_seconds: float) -> None:
        self.flush_seconds = flush_seconds
        self._counts: Counter[tuple] = Counter()
        self._lock = threading.Lock()
        self._last_flush = time.monotonic()

    def add(self, key: tuple) -> None:
        with self._lock:
            self._counts[key] += 1

    def is_due(self) -> bool:
        return bool(self._counts) and time.monotonic() - self._last_flush >= self.flush_seconds

    def _take(self) -> Counter[tuple]:
        with self._lock:
            counts, self._counts = self._counts, Counter()
            self._last_flush = time.monotonic()
        return counts

    def _give_back(self, counts: Counter[tuple]) -> None:
        with self._lock:
            self._counts.update(counts)

    def flush(self) -> int:
        """Write the buffered views in their own commit (the caller's transaction must be finished):
        the number of counter rows written. If writing fails the views are kept for the next flush."""
        counts = self._take()
        if not counts:
            return 0
        try:
            _add_counts(counts)
            db.session.commit()
        except Exception:
            db.session.rollback()
            self._give_back(counts)
            raise
        return len(counts)


def view_tally(app=None) -> ViewTally:
    """This app's tally of page views (created on first use)."""
    app = app or current_app._get_current_object()
    tally = app.extensions.get("reach_view_tally")
    if tally is None:
        tally = app.extensions.setdefault("reach_view_tally", ViewTally(app.config["REACH_VIEW_FLUSH_SECONDS"]))
        if tally.flush_seconds > 0:
            atexit.register(_flush_at_exit, app, tally)
    return tally


def _flush_at_exit(app, tally: ViewTally) -> None:
    """Write what a stopping worker still holds (gunicorn's graceful stop runs exit handlers)."""
    with app.app_context():
        try:
            tally.flush()
        except Exception:  # the process is ending: report it, there is no one else to tell
            app.logger.exception("reach: %d tallied view rows could not be written at exit", len(tally._counts))


def tally_view(contest: Contest, event: ReachEvent, *, entry: Entry | None = None) -> bool:
    """Count a page view of the current request in the tally; False when it was a bot."""
    visitor = _visitor_of(None)
    if visitor is None:
        return False
    view_tally().add(_reach_key(contest, event, entry, visitor, None))
    return True


def flush_views_if_due() -> int:
    """Write the tallied views if REACH_VIEW_FLUSH_SECONDS have passed (0: every time): rows written."""
    tally = view_tally()
    return tally.flush() if tally.is_due() else 0


# ---------------------------------------------------------------------------- the period shown


@dataclass(frozen=True)
class Period:
    """The days a statistics page covers (inclusive), and what was wrong with the days asked for."""

    first: date
    last: date
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]


def default_period(contest: Contest, now: datetime | None = None) -> Period:
    """From the day the gallery opened to today (contest-local), at most the last 366 days."""
    today = contest_day(contest, now)
    opens = [moment for moment in (contest.voting_open_at, contest.results_at) if moment is not None]
    first = min(contest_day(contest, min(opens)), today) if opens else today
    return Period(max(first, today - timedelta(days=MAX_PERIOD_DAYS - 1)), today)


def _parse_day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:  # reported to the organiser as a field error by the caller
        return None


def chosen_period(
    contest: Contest, first_text: str | None, last_text: str | None, now: datetime | None = None
) -> Period:
    """The period an organiser asked for (YYYY-MM-DD), or the default one with the reasons it was refused."""
    default = default_period(contest, now)
    errors: dict[str, str] = {}
    first = _parse_day(first_text) if first_text else default.first
    last = _parse_day(last_text) if last_text else default.last
    if first is None:
        errors["from"] = str(_l("Enter the first day as YYYY-MM-DD."))
    if last is None:
        errors["to"] = str(_l("Enter the last day as YYYY-MM-DD."))
    if first and last and first > last:
        errors["to"] = str(_l("The last day must not be before the first day."))
    elif first and last and (last - first).days >= MAX_PERIOD_DAYS:
        errors["to"] = str(_l("Choose at most %(days)d days.", days=MAX_PERIOD_DAYS))
    if errors:
        return Period(default.first, default.last, errors)
    return Period(first, last)


# ---------------------------------------------------------------------------- figures


@dataclass(frozen=True)
class DayFigures:
    """One day's counts."""

    day: date
    gallery_views: int = 0
    entry_views: int = 0
    shares: int = 0
    votes: int = 0


@dataclass(frozen=True)
class Part:
    """One slice of a breakdown: a label (language, country, host, or "other") and its count."""

    label: str
    count: int


@dataclass(frozen=True)
class EntryFigure:
    """An entry in a top list."""

    code: str
    title_vi: str
    title_en: str
    count: int


@dataclass(frozen=True)
class ReachFigures:
    """Everything a statistics page shows for one period."""

    period: Period
    days: list[DayFigures]
    languages: list[Part]
    countries: list[Part]
    referrers: list[Part]
    most_viewed: list[EntryFigure] | None = None
    most_shared: list[EntryFigure] | None = None
    most_voted: list[EntryFigure] | None = None

    def total(self, name: str) -> int:
        """The period's total of one DayFigures field (gallery_views, entry_views, shares, votes)."""
        return sum(getattr(day, name) for day in self.days)

    @property
    def views(self) -> int:
        return self.total("gallery_views") + self.total("entry_views")


def _in_period(contest: Contest, period: Period):
    return (ReachCount.contest_id == contest.id, ReachCount.day >= period.first, ReachCount.day <= period.last)


def _valid_votes_in(contest: Contest, period: Period):
    return (Vote.contest_id == contest.id, Vote.is_valid.is_(True), Vote.day >= period.first, Vote.day <= period.last)


def _daily(contest: Contest, period: Period) -> list[DayFigures]:
    by_day: dict[date, dict[str, int]] = {day: {} for day in period.days}
    names = {ReachEvent.GALLERY_VIEW: "gallery_views", ReachEvent.ENTRY_VIEW: "entry_views", ReachEvent.SHARE: "shares"}
    rows = db.session.execute(
        select(ReachCount.day, ReachCount.event, func.sum(ReachCount.count))
        .where(*_in_period(contest, period), ReachCount.event.in_(list(names)))
        .group_by(ReachCount.day, ReachCount.event)
    )
    for day, event, n in rows:
        by_day[day][names[ReachEvent(event)]] = int(n)
    votes = db.session.execute(
        select(Vote.day, func.count(Vote.id))
        .where(*_valid_votes_in(contest, period))
        .group_by(Vote.day)
    )
    for day, n in votes:
        by_day[day]["votes"] = int(n)
    return [DayFigures(day, **counts) for day, counts in by_day.items()]


def _breakdown(contest: Contest, period: Period, column, *, with_other: bool) -> list[Part]:
    """Page views grouped by one column: the top 10, then "other" for the rest (if asked)."""
    total = func.sum(ReachCount.count)
    query = (
        select(column, total)
        .where(*_in_period(contest, period), ReachCount.event.in_(VIEW_EVENTS))
        .group_by(column)
        .order_by(total.desc(), column)
    )
    if not with_other:
        query = query.where(column != "").limit(TOP)
    rows = [Part(label, int(n)) for label, n in db.session.execute(query)]
    rest = sum(part.count for part in rows[TOP:])
    return rows[:TOP] + ([Part(OTHER, rest)] if rest else [])


def _top_entries(contest: Contest, period: Period, event: ReachEvent) -> list[EntryFigure]:
    total = func.sum(ReachCount.count)
    rows = db.session.execute(
        select(Entry.code, Entry.title_vi, Entry.title_en, total)
        .join(Entry, Entry.id == ReachCount.entry_id)
        .where(*_in_period(contest, period), ReachCount.event == event, Entry.contest_id == contest.id)
        .group_by(Entry.id, Entry.code, Entry.title_vi, Entry.title_en)
        .order_by(total.desc(), Entry.code)
        .limit(TOP)
    )
    return [EntryFigure(code, title_vi, title_en, int(n)) for code, title_vi, title_en, n in rows]


def _most_voted(contest: Contest) -> list[EntryFigure]:
    rows = db.session.execute(
        select(Entry.code, Entry.title_vi, Entry.title_en, EntryVoteCount.valid_votes)
        .join(Entry, Entry.id == EntryVoteCount.entry_id)
        .where(
            EntryVoteCount.contest_id == contest.id,
            EntryVoteCount.valid_votes > 0,
            Entry.status == EntryStatus.ACCEPTED,
        )
        .order_by(EntryVoteCount.valid_votes.desc(), Entry.code)
        .limit(TOP)
    )
    return [EntryFigure(code, title_vi, title_en, int(n)) for code, title_vi, title_en, n in rows]


def reach_figures(
    contest: Contest, period: Period, *, per_entry: bool = False, votes_per_entry: bool = False
) -> ReachFigures:
    """A period's figures in a fixed number of queries.

    per_entry adds the most viewed and most shared entries (organisers); votes_per_entry adds the
    most voted entries, which callers must ask for only when `counts_are_public` (or for organisers).
    """
    return ReachFigures(
        period=period,
        days=_daily(contest, period),
        languages=_breakdown(contest, period, ReachCount.language, with_other=True),
        countries=_breakdown(contest, period, ReachCount.country, with_other=True),
        referrers=_breakdown(contest, period, ReachCount.referrer, with_other=False),
        most_viewed=_top_entries(contest, period, ReachEvent.ENTRY_VIEW) if per_entry else None,
        most_shared=_top_entries(contest, period, ReachEvent.SHARE) if per_entry else None,
        most_voted=_most_voted(contest) if votes_per_entry else None,
    )


# ---------------------------------------------------------------------------- CSV


CSV_COLUMNS = (
    _l("Day"),
    _l("Event"),
    _l("Entry"),
    _l("Language"),
    _l("Country"),
    _l("Referring site"),
    _l("Number"),
)


def _csv_line(writer, buffer: io.StringIO, values: Iterable) -> bytes:
    writer.writerow([neutralise(value) if isinstance(value, str) else value for value in values])
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text.encode("utf-8")


def reach_csv(contest: Contest, period: Period) -> Iterator[bytes]:
    """The period's daily counters, then valid votes per day and entry, as UTF-8 CSV with a BOM, streamed."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield "\ufeff".encode() + _csv_line(writer, buffer, [str(label) for label in CSV_COLUMNS])
    counters = db.session.execute(
        select(
            ReachCount.day,
            ReachCount.event,
            func.coalesce(Entry.code, ""),
            ReachCount.language,
            ReachCount.country,
            ReachCount.referrer,
            ReachCount.count,
        )
        .outerjoin(Entry, Entry.id == ReachCount.entry_id)
        .where(*_in_period(contest, period))
        .order_by(ReachCount.day, ReachCount.event, Entry.code, ReachCount.language, ReachCount.country,
                  ReachCount.referrer)
        .execution_options(yield_per=2000)
    )
    for day, event, code, language, country, referrer, n in counters:
        row = [day.isoformat(), ReachEvent(event).value, code, language, country, referrer, n]
        yield _csv_line(writer, buffer, row)
    votes = db.session.execute(
        select(Vote.day, Entry.code, func.count(Vote.id))
        .join(Entry, Entry.id == Vote.entry_id)
        .where(*_valid_votes_in(contest, period))
        .group_by(Vote.day, Entry.code)
        .order_by(Vote.day, Entry.code)
        .execution_options(yield_per=2000)
    )
    for day, code, n in votes:
        yield _csv_line(writer, buffer, [day.isoformat(), ReachEvent.VOTE.value, code, "", "", "", n])
