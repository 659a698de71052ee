"""Jury fixtures: the seeded contest with accepted entries, jurors on its jury, a chair, and rounds.

Entries are made through the real entry services (assets inserted directly as processed), then
accepted directly; rounds through the round services. Service tests run inside `app_ctx`.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from app.auth.models import Role, User, UserRole
from app.contest.models import Category, StaffRole
from app.entries.models import Entry, EntryKind, EntryStatus
from app.extensions import db
from app.jury import services
from app.jury.models import AssignmentMode, JuryRound, Review, RoundKind
from app.jury.services import CriterionData, RoundSettings
from tests.entries.conftest import (  # noqa: F401 (fixtures reused by the jury tests)
    contest,
    make_asset,
    make_entrant,
    make_entry,
    make_staff,
    photo,
    video,
)

CRITERIA = (
    CriterionData("Nội dung", "Content", 0.4),
    CriterionData("Nghệ thuật", "Artistry", 0.35),
    CriterionData("Kỹ thuật", "Technique", 0.25),
)


@pytest.fixture
def admin(make_entrant) -> User:
    """An administrator (acts for the organisers in round transitions)."""
    user = make_entrant(email="admin@example.com", full_name="Quản Trị Viên")

    user.roles.append(UserRole(role=Role.ADMIN))
    db.session.commit()
    return user


@pytest.fixture
def make_juror(app_ctx, make_entrant, make_staff, contest):
    """Factory: a user on the contest's jury."""
    counter = iter(range(1, 1000))

    def make(**fields) -> User:
        n = next(counter)
        fields.setdefault("email", f"juror{n}@example.com")
        fields.setdefault("full_name", f"Giám Khảo Số {n}")
        user = make_entrant(**fields)
        make_staff(contest, user, StaffRole.JURY)
        return user

    return make


@pytest.fixture
def chair(make_juror, contest) -> User:
    """The jury's chair."""
    user = make_juror(email="chair@example.com", full_name="Chủ Tịch Hội Đồng")
    contest.jury_chair_id = user.id
    db.session.commit()
    return user


@pytest.fixture
def make_accepted(app_ctx, make_entrant, make_entry, photo):
    """Factory: n accepted single-photo entries in a category, each by its own entrant."""
    counter = iter(range(1, 100_000))

    def make(n: int, category: Category | None = None, kind: EntryKind = EntryKind.SINGLE_PHOTO) -> list[Entry]:
        entries = []
        for _ in range(n):
            k = next(counter)
            entrant = make_entrant(email=f"entrant{k}@example.com", full_name=f"Người Dự Thi {k}")
            entry = make_entry(entrant, category or photo, kind)
            entry.status = EntryStatus.ACCEPTED
            entries.append(entry)
        db.session.commit()
        return entries

    return make


@pytest.fixture
def make_round(app_ctx, contest, photo, chair):
    """Factory: a round in a category, with jurors, opened unless open=False."""

    def make(
        jurors: Sequence[User],
        *,
        category: Category | None = None,
        kind: RoundKind = RoundKind.SCORING,
        criteria: Sequence[CriterionData] = CRITERIA,
        assignment_mode: AssignmentMode = AssignmentMode.ALL,
        jurors_per_entry: int | None = None,
        open: bool = True,
        **settings,
    ) -> JuryRound:
        round_ = services.create_round(
            contest,
            category or photo,
            RoundSettings(
                name_vi=settings.pop("name_vi", "Vòng sơ khảo"),
                name_en=settings.pop("name_en", "Preliminary round"),
                kind=kind,
                criteria=tuple(criteria),
                assignment_mode=assignment_mode,
                jurors_per_entry=jurors_per_entry,
                **settings,
            ),
            chair,
        )
        services.set_round_jurors(round_, list(jurors), chair)
        if open:
            services.open_round(round_, chair)
        db.session.commit()
        return round_

    return make


def score_all(round_: JuryRound, juror: User, value_of) -> None:
    """Score every review of a juror: value_of(review, criterion) gives each value."""


    reviews = db.session.scalars(
        db.select(Review).where(Review.round_id == round_.id, Review.juror_id == juror.id, Review.removed_at.is_(None))
    ).all()
    for review in reviews:
        data = services.ReviewInput(scores={c.id: value_of(review, c) for c in round_.criteria})
        services.save_review(review, juror, data)
    db.session.commit()
