"""Running a hot Core statement straight on the database driver, compiled once.

SQLAlchemy's execution path (cache lookup, parameter construction, execution context, result
wrapping) costs more client CPU than the database spends on a small indexed INSERT: on PostgreSQL a
vote's two statements took about 0.4 ms of Python per vote that way, against a raw row's 0.7 ms in
all (bench/votes.py; measured with one client, CPU of client and server backend). On a hot entry,
eight sync workers and the database share the same cores, so that overhead is throughput lost.

`DriverStatement` compiles a statement once for the connection's dialect and, on psycopg, hands the
SQL and parameters to the psycopg connection the session already holds (same transaction, same
commit). psycopg adapts every Python type a vote carries (int, str, bool, date, aware datetime)
itself, so nothing SQLAlchemy's bind processors do is lost there. Other drivers (SQLite's needs
SQLAlchemy's date and time storage format) take the ordinary Core path. Driver errors are
wrapped the way SQLAlchemy wraps them, so callers catch `sqlalchemy.exc` errors either way.

Engine events (`before_cursor_execute`) do not see these statements: use it only where the cost
matters and nothing listens for them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.sql import Executable


@dataclass
class DriverStatement:
    """A Core statement with the SQL it compiles to for each dialect, kept for the process's life."""

    statement: Executable
    _compiled: dict[Dialect, tuple[str, dict[str, Any]]] = field(default_factory=dict, repr=False)

    def first(self, connection: Connection, parameters: dict[str, Any]) -> tuple | None:
        """Run with `parameters` on `connection`; the first row returned, or None."""
        if connection.dialect.driver != "psycopg":
            return connection.execute(self.statement, parameters).first()
        return self._on_driver(connection, parameters).fetchone()

    def rowcount(self, connection: Connection, parameters: dict[str, Any]) -> int:
        """Run with `parameters` on `connection`; how many rows it changed."""
        if connection.dialect.driver != "psycopg":
            return connection.execute(self.statement, parameters).rowcount
        return self._on_driver(connection, parameters).rowcount

    def _on_driver(self, connection: Connection, parameters: dict[str, Any]):
        """Execute on the psycopg connection inside `connection`; its cursor."""
        sql, inner = self._sql_for(connection.dialect)
        dbapi_error = connection.dialect.loaded_dbapi.Error
        try:
            return connection.connection.driver_connection.execute(sql, inner | parameters)
        except dbapi_error as error:
            raise exc.DBAPIError.instance(sql, parameters, error, dbapi_error) from error

    def _sql_for(self, dialect: Dialect) -> tuple[str, dict[str, Any]]:
        """The SQL text for `dialect` and the values bound inside the statement (limits, literals),
        compiled on first use."""
        if dialect not in self._compiled:
            compiled = self.statement.compile(dialect=dialect)
            inner = {name: value for name, value in compiled.params.items() if value is not None}
            self._compiled[dialect] = (str(compiled), inner)
        return self._compiled[dialect]
