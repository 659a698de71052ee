"""People: search, roles granted and revoked, contest staff, and locking that ends sessions at once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.auth import services as auth_services
from app.auth.models import Role, User
from app.contest import settings
from app.contest.models import StaffMembership, StaffRole
from app.entries.models import EntryStatus
from app.extensions import db
from tests.admin_settings.conftest import audit_records, post_form, vi
from tests.conftest import AuthActions


def person_path(user: User) -> str:
    return f"/admin/people/{user.id}"


# ---------------------------------------------------------------------------- search


def test_search_ignores_case_and_vietnamese_diacritics(as_admin, make_person):
    make_person(full_name="Nguyễn Thị Đào", email="dao@example.com")
    make_person(full_name="Trần Văn Bình", email="binh@example.com")
    for query in ("nguyen thi dao", "ĐÀO", "Dao@Example", "thị đ"):
        html = as_admin.get("/admin/people", query_string={"q": query}).get_data(as_text=True)
        assert "Nguyễn Thị Đào" in html, query
        assert "Trần Văn Bình" not in html, query


def test_search_treats_like_wildcards_as_text(app_ctx, make_person):
    make_person(full_name="Phạm Anh", email="anh@example.com")
    assert db.session.scalars(auth_services.search_users_query("%")).all() == []
    assert [u.full_name for u in db.session.scalars(auth_services.search_users_query("pham"))] == ["Phạm Anh"]


def test_people_are_listed_a_page_at_a_time_with_their_roles(as_admin, make_person):
    for n in range(30):
        make_person(email=f"many{n}@example.com", full_name=f"Người thứ {n}")
    first = as_admin.get("/admin/people").get_data(as_text=True)
    second = as_admin.get("/admin/people?page=2").get_data(as_text=True)
    assert first.count('href="/admin/people/') == 25
    assert second.count('href="/admin/people/') == 6  # 30 people and the admin
    assert vi("Admin") in first + second


def test_the_detail_page_never_shows_the_password_hash(as_admin, make_person):
    person = make_person(email="private@example.com")
    html = as_admin.get(person_path(person)).get_data(as_text=True)
    assert person.email in html
    assert person.password_hash not in html
    assert "scrypt" not in html and "pbkdf2" not in html


# ---------------------------------------------------------------------------- roles


def test_granting_and_revoking_a_role_takes_effect_and_is_audited(as_admin, make_person):
    person = make_person(email="soon-juror@example.com")
    assert post_form(as_admin, f"{person_path(person)}/roles/juror/grant", page=person_path(person)).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, person.id).has_role(Role.JUROR)
    assert post_form(as_admin, f"{person_path(person)}/roles/juror/revoke", page=person_path(person)).status_code == 302
    db.session.expire_all()
    assert not db.session.get(User, person.id).has_role(Role.JUROR)
    [grant] = audit_records("user.role_grant")
    [revoke] = audit_records("user.role_revoke")
    assert (grant.before, grant.after) == ({"roles": []}, {"roles": ["juror"]})
    assert (revoke.before, revoke.after) == ({"roles": ["juror"]}, {"roles": []})


def test_a_new_moderator_reaches_the_desk_pages_but_not_settings(app, client, make_user):
    """The role takes effect on the person's next request, without logging in again."""
    admin = make_user(roles=(Role.ADMIN,), email="boss@example.com")
    person = make_user(email="helper@example.com")
    AuthActions(client).login(person.email)
    with app.test_request_context(), app.app_context():
        auth_services.grant_user_role(db.session.get(User, person.id), Role.MODERATOR, db.session.get(User, admin.id))
        db.session.commit()
    assert client.get("/admin/audit").status_code == 403  # admins only
    assert client.get("/admin/contests").status_code == 403
    with app.app_context():
        assert db.session.get(User, person.id).has_role(Role.MODERATOR)


def test_an_admin_cannot_revoke_their_own_admin_role(as_admin, admin):
    response = post_form(as_admin, f"{person_path(admin)}/roles/admin/revoke", page=person_path(admin))
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, admin.id).has_role(Role.ADMIN)
    assert audit_records("user.role_revoke") == []
    page = as_admin.get(person_path(admin)).get_data(as_text=True)
    assert vi("You cannot remove your own admin role or lock your own account.") in page


def test_an_admin_may_revoke_another_admin(app_ctx, admin, make_person):
    other = make_person(Role.ADMIN, email="other-admin@example.com")
    auth_services.revoke_user_role(other, Role.ADMIN, admin)
    assert not other.has_role(Role.ADMIN)


# ---------------------------------------------------------------------------- staff


def test_staff_membership_is_added_and_removed_with_audit(as_admin, contest, make_person):
    person = make_person(email="jury@example.com")
    data = {"contest_id": str(contest.id), "role": "jury"}
    assert post_form(as_admin, f"{person_path(person)}/staff", data, page=person_path(person)).status_code == 302
    membership = db.session.scalar(select(StaffMembership).where(StaffMembership.user_id == person.id))
    assert (membership.contest_id, membership.role) == (contest.id, StaffRole.JURY)
    remove = f"{person_path(person)}/staff/{membership.id}/remove"
    assert post_form(as_admin, remove, page=person_path(person)).status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(StaffMembership).where(StaffMembership.user_id == person.id)) is None
    [added] = audit_records("staff.add")
    [removed] = audit_records("staff.remove")
    assert added.after == {"contest_id": contest.id, "role": "jury"} and added.contest_id == contest.id
    assert removed.before == {"contest_id": contest.id, "role": "jury"}


def test_someone_with_an_active_entry_cannot_join_that_contests_staff(as_admin, contest, photo, entrant, make_entry):
    make_entry(entrant, photo)
    data = {"contest_id": str(contest.id), "role": "secretariat"}
    post_form(as_admin, f"{person_path(entrant)}/staff", data, page=person_path(entrant))
    assert db.session.scalar(select(StaffMembership).where(StaffMembership.user_id == entrant.id)) is None
    page = as_admin.get(person_path(entrant)).get_data(as_text=True)
    message = vi(
        "%(name)s has entries in this contest and may not serve on its jury or secretariat.", name=entrant.full_name
    )
    assert message in page
    assert audit_records("staff.add") == []


def test_a_withdrawn_entry_does_not_block_staff_membership(app_ctx, contest, photo, entrant, make_entry, admin):
    entry = make_entry(entrant, photo)
    entry.withdrawn_at, entry.status = entry.submitted_at, EntryStatus.WITHDRAWN
    db.session.commit()
    membership = settings.add_staff_member(contest, entrant, StaffRole.JURY, admin)
    assert membership.id is not None


def test_an_active_entry_in_another_contest_does_not_block(
    app_ctx, contest, photo, entrant, make_entry, admin, make_other_contest
):
    make_entry(entrant, photo)
    other = make_other_contest()
    assert settings.add_staff_member(other, entrant, StaffRole.JURY, admin).contest_id == other.id
    with pytest.raises(settings.StaffRefused):
        settings.add_staff_member(contest, entrant, StaffRole.JURY, admin)


# ---------------------------------------------------------------------------- lock


def test_locking_ends_the_persons_sessions_at_once_and_login_refuses_them(app, make_user):
    """Two browsers: the admin locks; the person's next request, even with a remember cookie, is logged out."""
    admin = make_user(roles=(Role.ADMIN,), email="boss@example.com")
    person = make_user(email="locked@example.com")
    admin_client, person_client, remembered_client = app.test_client(), app.test_client(), app.test_client()
    AuthActions(admin_client).login(admin.email)
    AuthActions(person_client).login(person.email)
    AuthActions(remembered_client).login(person.email, remember=True)
    remembered_client.delete_cookie("session")  # a new browser session: only the remember cookie is left
    assert person_client.get("/auth/account").status_code == 200
    assert remembered_client.get("/auth/account").status_code == 200

    path = f"/admin/people/{person.id}"
    assert post_form(admin_client, f"{path}/lock", {"reason": "Tài khoản giả"}, page=path).status_code == 302

    for browser in (person_client, remembered_client):
        response = browser.get("/auth/account")
        assert response.status_code == 302
        assert "/auth/login" in response.headers["Location"]
    refused = AuthActions(app.test_client()).login(person.email)
    assert refused.status_code == 403
    with app.app_context():
        locked = db.session.get(User, person.id)
        assert locked.is_locked and locked.session_version == 2
        [record] = audit_records("user.lock")
        assert (record.before, record.after, record.reason) == (
            {"is_locked": False},
            {"is_locked": True},
            "Tài khoản giả",
        )


def test_unlocking_lets_the_person_log_in_again(app, make_user):
    admin = make_user(roles=(Role.ADMIN,), email="boss@example.com")
    person = make_user(email="unlocked@example.com", is_locked=True)
    admin_client = app.test_client()
    AuthActions(admin_client).login(admin.email)
    path = f"/admin/people/{person.id}"
    assert post_form(admin_client, f"{path}/unlock", page=path).status_code == 302
    response = AuthActions(app.test_client()).login(person.email)
    assert response.status_code == 302
    with app.app_context():
        assert not db.session.get(User, person.id).is_locked
        assert len(audit_records("user.unlock")) == 1


def test_an_admin_cannot_lock_themselves(app_ctx, admin):
    with pytest.raises(auth_services.SelfLockout):
        auth_services.lock_user(admin, admin)
    assert not admin.is_locked


def test_the_people_list_runs_a_fixed_number_of_queries(as_admin, make_person, count_queries):
    for n in range(20):
        make_person(Role.JUROR, email=f"juror{n}@example.com")
    as_admin.get("/admin/people")  # warm up the session and caches
    with count_queries() as few:
        as_admin.get("/admin/people")
    for n in range(20, 40):
        make_person(Role.JUROR, email=f"juror{n}@example.com")
    with count_queries() as more:
        as_admin.get("/admin/people?page=2")
    assert more.count == few.count


def test_joining_a_jury_gives_the_juror_role_and_joining_the_secretariat_does_not(
    app_ctx, contest, entrant, make_entrant, admin
):
    settings.add_staff_member(contest, entrant, StaffRole.SECRETARIAT, admin)
    assert not entrant.has_role(Role.JUROR)
    settings.add_staff_member(contest, entrant, StaffRole.JURY, admin)
    db.session.commit()
    assert Role.JUROR.value in entrant.role_names
    assert audit_records("user.role_grant")
