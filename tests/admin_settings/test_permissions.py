"""Who reaches contest settings and people: anonymous visitors log in, everyone but admins gets 403."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.contest.models import Category, Contest, Prize, StaffMembership, StaffRole
from app.extensions import db
from tests.conftest import csrf_from

# (method, path template); {c} contest id, {cat} category id, {p} prize id, {u} user id, {m} membership id.
PAGES = [
    ("GET", "/admin/contests"),
    ("GET", "/admin/contests/{c}/edit"),
    ("GET", "/admin/contests/{c}/preview"),
    ("GET", "/admin/contests/{c}/clone"),
    ("GET", "/admin/contests/{c}/categories"),
    ("GET", "/admin/contests/{c}/categories/new"),
    ("GET", "/admin/contests/{c}/categories/{cat}/edit"),
    ("GET", "/admin/contests/{c}/prizes/new"),
    ("GET", "/admin/contests/{c}/prizes/{p}/edit"),
    ("GET", "/admin/people"),
    ("GET", "/admin/people/{u}"),
]
ACTIONS = [
    ("POST", "/admin/contests/{c}/edit"),
    ("POST", "/admin/contests/{c}/clone"),
    ("POST", "/admin/contests/{c}/make-current"),
    ("POST", "/admin/contests/{c}/status"),
    ("POST", "/admin/contests/{c}/categories/new"),
    ("POST", "/admin/contests/{c}/categories/{cat}/edit"),
    ("POST", "/admin/contests/{c}/prizes/new"),
    ("POST", "/admin/contests/{c}/prizes/{p}/edit"),
    ("POST", "/admin/contests/{c}/prizes/{p}/delete"),
    ("POST", "/admin/people/{u}/roles/juror/grant"),
    ("POST", "/admin/people/{u}/roles/juror/revoke"),
    ("POST", "/admin/people/{u}/staff"),
    ("POST", "/admin/people/{u}/staff/{m}/remove"),
    ("POST", "/admin/people/{u}/lock"),
    ("POST", "/admin/people/{u}/unlock"),
]


@pytest.fixture
def ids(contest, make_person):
    """Ids of one of everything the admin pages act on."""
    target = make_person(email="target@example.com")
    category = db.session.scalar(select(Category).where(Category.contest_id == contest.id).limit(1))
    prize = db.session.scalar(select(Prize).where(Prize.contest_id == contest.id).limit(1))
    membership = StaffMembership(contest_id=contest.id, user_id=target.id, role=StaffRole.JURY)
    db.session.add(membership)
    db.session.commit()
    return {"c": contest.id, "cat": category.id, "p": prize.id, "u": target.id, "m": membership.id}


def _request(client, method: str, path: str, logged_in: bool = True):
    if method == "GET":
        return client.get(path)
    token = csrf_from(client.get("/auth/account" if logged_in else "/auth/login").get_data(as_text=True))
    return client.post(path, data={"csrf_token": token})


@pytest.mark.parametrize(("method", "template"), PAGES + ACTIONS)
def test_anonymous_visitors_are_sent_to_log_in(client, ids, method, template):
    response = _request(client, method, template.format(**ids), logged_in=False)
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("roles", [(), (Role.JUROR,), (Role.MODERATOR,), (Role.JUROR, Role.MODERATOR)])
def test_everyone_but_admins_is_refused_every_page_and_action(client, auth, ids, make_person, roles):
    person = make_person(*roles, email="not-admin@example.com")
    auth.login(person.email)
    before = db.session.scalar(select(Contest.slug).where(Contest.id == ids["c"]))
    for method, template in PAGES + ACTIONS:
        response = _request(client, method, template.format(**ids))
        assert response.status_code == 403, (method, template)
    db.session.expire_all()
    assert db.session.get(StaffMembership, ids["m"]) is not None
    assert db.session.scalar(select(Contest.slug).where(Contest.id == ids["c"])) == before


def test_admins_open_every_page(as_admin, ids):
    for _method, template in PAGES:
        response = as_admin.get(template.format(**ids))
        assert response.status_code == 200, template


@pytest.mark.parametrize(
    "path",
    [
        "/admin/contests/999999/edit",
        "/admin/contests/999999/preview",
        "/admin/contests/999999/clone",
        "/admin/contests/999999/categories",
        "/admin/contests/{c}/categories/999999/edit",
        "/admin/contests/{c}/prizes/999999/edit",
        "/admin/people/999999",
    ],
)
def test_unknown_ids_are_not_found(as_admin, ids, path):
    assert as_admin.get(path.format(**ids)).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/admin/contests/999999/make-current",
        "/admin/contests/999999/status",
        "/admin/contests/{c}/prizes/999999/delete",
        "/admin/people/999999/lock",
        "/admin/people/{u}/roles/pope/grant",
        "/admin/people/{u}/staff/999999/remove",
    ],
)
def test_unknown_ids_in_actions_are_not_found(as_admin, ids, path):
    assert _request(as_admin, "POST", path.format(**ids)).status_code == 404


def test_a_category_of_another_contest_is_not_found_under_this_one(as_admin, ids, make_other_contest):
    other = make_other_contest()
    assert as_admin.get(f"/admin/contests/{other.id}/categories/{ids['cat']}/edit").status_code == 404
