"""DriverStatement: a Core statement compiled once and run on the session's own driver connection.

On both databases it must behave as `connection.execute` would: same rows, inside the session's
transaction (a rollback undoes it), constraint violations raised as SQLAlchemy's IntegrityError. On
PostgreSQL it must really bypass SQLAlchemy's execution (that is its reason to exist).
"""

from __future__ import annotations

import pytest
from datetime import date

from sqlalchemy import Column, Date, Integer, MetaData, String, Table, bindparam, exc, insert, select, update

from app.core.driver_sql import DriverStatement
from app.extensions import db


PROBE = Table(
    "driver_sql_probe",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("slug", String(20), nullable=False, unique=True),
    Column("made_on", Date, nullable=False),
)
INSERT_PROBE = (
    insert(PROBE)
    .from_select(["slug", "made_on"], select(bindparam("p_slug"), bindparam("p_made_on", type_=Date)))
    .returning(PROBE.c.id, PROBE.c.slug)
)


@pytest.fixture
def probe(app_ctx):
    """A small table of its own, with a unique column and a date, created for the test and dropped after."""
    PROBE.create(db.engine)
    yield DriverStatement(INSERT_PROBE)
    db.session.rollback()
    PROBE.drop(db.engine)


def _stored(slug: str) -> list[tuple]:
    return db.session.execute(select(PROBE.c.slug, PROBE.c.made_on).where(PROBE.c.slug == slug)).all()


def test_runs_in_the_session_transaction_and_returns_rows(probe):
    first = probe.first(db.session.connection(), dict(p_slug="a", p_made_on=date(2025, 4, 30)))
    again = probe.first(db.session.connection(), dict(p_slug="b", p_made_on=date(2025, 5, 19)))

    assert first[1] == "a" and again[1] == "b" and again[0] > first[0]
    assert _stored("a") == [("a", date(2025, 4, 30))]  # the session sees it, dates intact: same transaction
    db.session.rollback()
    assert _stored("a") == [] and _stored("b") == []


def test_a_constraint_violation_is_sqlalchemys_integrity_error(probe):
    parameters = dict(p_slug="twice", p_made_on=date(2025, 4, 30))
    probe.first(db.session.connection(), parameters)
    with pytest.raises(exc.IntegrityError):
        probe.first(db.session.connection(), parameters)
    db.session.rollback()
    assert _stored("twice") == []


def test_on_psycopg_it_bypasses_sqlalchemys_execution(probe, count_queries):
    connection = db.session.connection()
    with count_queries() as counter:
        stored = probe.first(connection, dict(p_slug="c", p_made_on=date(2025, 4, 30)))
    assert stored[1] == "c"
    if db.engine.dialect.driver == "psycopg":
        assert counter.count == 0  # straight to psycopg: no SQLAlchemy execution context
    else:
        assert counter.count == 1  # SQLite keeps the Core path (its date storage needs SQLAlchemy)
    db.session.rollback()


def test_rowcount_counts_the_rows_changed(probe):
    probe.first(db.session.connection(), dict(p_slug="moved", p_made_on=date(2025, 4, 30)))
    move = DriverStatement(
        update(PROBE).where(PROBE.c.slug == bindparam("p_slug")).values(made_on=bindparam("p_made_on"))
    )
    assert move.rowcount(db.session.connection(), dict(p_slug="moved", p_made_on=date(2025, 9, 2))) == 1
    assert move.rowcount(db.session.connection(), dict(p_slug="absent", p_made_on=date(2025, 9, 2))) == 0
    assert _stored("moved") == [("moved", date(2025, 9, 2))]
