"""Gallery fixtures: the seeded contest published with voting open now, accepted entries, verified voters.

Entries are made through the real entry services with assets inserted as processed (see
tests/entries/conftest.py), then accepted directly.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.auth.models import Role, User, UserRole
from app.contest.models import Category, Contest, ContestStatus
from app.core.timeutil import utcnow
from app.entries.models import Entry, EntryKind, EntryStatus
from app.extensions import db
from tests.entries.conftest import (  # noqa: F401 (fixtures reused by the gallery tests)
    contest,
    make_asset,
    make_entrant,
    make_entry,
    make_staff,
    photo,
    video,
)


@pytest.fixture
def voting_contest(contest) -> Contest:
    """The seeded contest, published, submissions closed yesterday, voting open for five more days."""
    now = utcnow()
    contest.status = ContestStatus.PUBLISHED
    contest.submissions_open_at = now - timedelta(days=40)
    contest.submissions_close_at = now - timedelta(days=10)
    contest.voting_open_at = now - timedelta(days=1)
    contest.voting_close_at = now + timedelta(days=5)
    contest.results_at = now + timedelta(days=20)
    db.session.commit()
    return contest


@pytest.fixture
def make_public_entries(app_ctx, contest, make_entrant, make_entry, photo):
    """Factory: n accepted entries, each by its own entrant, made while submissions were open.

    Call it before `voting_contest` closes submissions (request both; this factory opens the window
    for the time it runs).
    """
    counter = iter(range(1, 100_000))

    def make(
        n: int, category: Category | None = None, kind: EntryKind = EntryKind.SINGLE_PHOTO, **details
    ) -> list[Entry]:
        saved = contest.submissions_open_at, contest.submissions_close_at
        now = utcnow()
        contest.submissions_open_at, contest.submissions_close_at = now - timedelta(days=1), now + timedelta(days=1)
        db.session.commit()
        entries = []
        for _ in range(n):
            k = next(counter)
            entrant = make_entrant(email=f"tacgia{k}@example.com", full_name=f"Tác Giả Số {k}")
            entry = make_entry(entrant, category or photo, kind)
            entry.status = EntryStatus.ACCEPTED
            entries.append(entry)
        contest.submissions_open_at, contest.submissions_close_at = saved
        db.session.commit()
        return entries

    return make


@pytest.fixture
def make_voter(app_ctx, make_entrant):
    """Factory: a verified voter account."""
    counter = iter(range(1, 100_000))

    def make(**fields) -> User:
        k = next(counter)
        fields.setdefault("email", f"voter{k}@example.com")
        fields.setdefault("full_name", f"Người Bình Chọn {k}")
        return make_entrant(**fields)

    return make


@pytest.fixture
def moderators(make_entrant):
    """Two organisers (moderators), as voiding needs two people."""
    people = []
    for n in (1, 2):
        user = make_entrant(email=f"organiser{n}@example.com", full_name=f"Ban Tổ Chức {n}")
        user.roles.append(UserRole(role=Role.MODERATOR))
        people.append(user)
    db.session.commit()
    return people
