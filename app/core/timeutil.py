"""Time in one place: UTC in the database, the contest's timezone on screen."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import DateTime
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    """The current time as a timezone-aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always read back timezone-aware.

    SQLite has no timezone type, so without this a value written aware would come
    back naive there and aware on PostgreSQL; comparisons would then break.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def start_of_local_day(day: date, tz_name: str) -> datetime:
    """The UTC instant at which a calendar day begins in the given timezone."""
    return datetime.combine(day, time.min, tzinfo=ZoneInfo(tz_name)).astimezone(UTC)


def end_of_local_day(day: date, tz_name: str) -> datetime:
    """The UTC instant at which a calendar day ends (24:00) in the given timezone."""
    return start_of_local_day(day + timedelta(days=1), tz_name)


def to_local(moment: datetime, tz_name: str) -> datetime:
    """A UTC instant expressed in the given timezone."""
    return moment.astimezone(ZoneInfo(tz_name))
