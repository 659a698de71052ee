"""Side effects that must wait until the request's transaction has committed.

Services call `after_commit(fn)`; the callable runs only if the session commits, and is
dropped on rollback, so a failed request never sends mail about rows that do not exist.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db

_PENDING_KEY = "after_commit_callbacks"


def after_commit(callback: Callable[[], None]) -> None:
    """Run callback once the current database transaction commits."""
    # Begin the transaction the callback belongs to: a rollback before any statement
    # would otherwise be a no-op that fires no event, and the callback would leak into
    # the next, unrelated commit.
    db.session.connection()
    db.session.info.setdefault(_PENDING_KEY, []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_pending(session: Session) -> None:
    callbacks = session.info.pop(_PENDING_KEY, [])
    for callback in callbacks:
        try:
            callback()
        except Exception:  # one failed side effect must not hide the others
            current_app.logger.exception("after-commit callback %r failed", callback)


@event.listens_for(Session, "after_soft_rollback")
def _drop_pending(session: Session, previous_transaction) -> None:
    """Any rollback of the outermost transaction drops what waited for its commit.

    Outermost only: rolling back a savepoint keeps what the enclosing transaction queued.
    """
    if previous_transaction.parent is None:
        session.info.pop(_PENDING_KEY, None)
