"""Entry codes people can read out on the phone: HNA25-A-0123.

Numbers come from a counter row per contest and letter, bumped with one atomic
UPDATE … RETURNING: concurrent submissions queue on that row instead of racing to
the same number, and a withdrawn entry's code is never handed out again.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite

from app.contest.models import Category, Contest
from app.entries.models import EntryCodeCounter, EntryKind
from app.extensions import db

_INSERTS = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def code_letter(category: Category, kind: EntryKind) -> str:
    """The letter for this kind of work: series have their own when the category sets one."""
    if kind == EntryKind.PHOTO_SERIES and category.series_code_letter:
        return category.series_code_letter
    return category.code_letter


def next_number(contest: Contest, letter: str) -> int:
    """The next free number for this contest and letter (1, 2, …)."""
    table = EntryCodeCounter.__table__
    insert = _INSERTS[db.session.get_bind().dialect.name]
    db.session.execute(
        insert(table).values(contest_id=contest.id, letter=letter, last_number=0).on_conflict_do_nothing()
    )
    return db.session.execute(
        update(table)
        .where(table.c.contest_id == contest.id, table.c.letter == letter)
        .values(last_number=table.c.last_number + 1)
        .returning(table.c.last_number)
    ).scalar_one()


def format_code(prefix: str, letter: str, number: int) -> str:
    """HNA25-A-0123; numbers past 9999 simply grow a digit."""
    return f"{prefix}-{letter}-{number:04d}"


def allocate_code(contest: Contest, category: Category, kind: EntryKind) -> str:
    """A new, never used code for an entry of this kind in this category."""
    letter = code_letter(category, kind)
    return format_code(contest.entry_code_prefix, letter, next_number(contest, letter))
