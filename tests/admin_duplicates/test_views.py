"""The duplicates page and the verdict form: who may open them, what they show, what a verdict does."""

from __future__ import annotations

import pytest
from flask_babel import force_locale, gettext
from sqlalchemy import select

from app.audit.models import AuditRecord
from app.auth.models import Role
from app.entries.models import DuplicateDecision, DuplicateVerdict, EntryKind
from app.extensions import db
from tests.conftest import csrf_from
from tests.entries.conftest import submit

MOD_EMAIL = "mod@example.com"


def vi(message: str, **values) -> str:
    """The Vietnamese text of a message, as the pages (Vietnamese by default) show it."""
    with force_locale("vi"):
        return gettext(message, **values)


@pytest.fixture
def pairs(photo, make_entrant, make_asset, make_other_contest):
    """Entries with hand-set hashes: A and B near copies (current contest), C an exact copy of A's
    bytes in another contest, E a near copy of C in that other contest too, D unrelated.
    Returns {name: entry}."""
    other = make_other_contest().categories[0]
    hashes = {
        "A": ("a" * 64, "f0f0f0f0f0f0f0f0"),
        "B": ("b" * 64, "f0f0f0f0f0f0f0f3"),  # 2 bits from A
        "C": ("a" * 64, "0f0f0f0f0f0f0f0f"),  # same bytes as A
        "D": ("d" * 64, "123456789abcdef0"),
        "E": ("e" * 64, "0f0f0f0f0f0f0f0e"),  # 1 bit from C
    }
    entries = {}
    for name, (digest, phash) in hashes.items():
        owner = make_entrant(email=f"{name.lower()}@example.com")
        asset = make_asset(owner, sha256=digest)
        asset.phash = phash
        entries[name] = submit(owner, other if name in "CE" else photo, EntryKind.SINGLE_PHOTO, asset)
        db.session.commit()
    return entries


@pytest.fixture
def as_moderator(app_ctx, client, auth, make_user):
    """The client logged in as a moderator (inside the test's request context, as the data fixtures are)."""
    make_user(email=MOD_EMAIL, roles=(Role.MODERATOR,))
    assert auth.login(MOD_EMAIL).status_code == 302
    return client


def test_anonymous_visitors_are_sent_to_log_in(client, auth):
    token = auth.csrf()  # a valid form from the site, but nobody logged in
    posted = client.post("/admin/duplicates/decide", data={"csrf_token": token, "verdict": "duplicate"})
    for response in (client.get("/admin/duplicates"), posted):
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("roles", [(), (Role.JUROR,)])
def test_entrants_and_jurors_are_refused(client, auth, make_user, roles):
    make_user(email="someone@example.com", roles=roles)
    auth.login("someone@example.com")
    assert client.get("/admin/duplicates").status_code == 403
    token = auth.csrf("/")
    response = client.post("/admin/duplicates/decide", data={"csrf_token": token, "verdict": "duplicate"})
    assert response.status_code == 403


@pytest.mark.parametrize("roles", [(Role.MODERATOR,), (Role.ADMIN,)])
def test_moderators_and_admins_open_the_page(client, auth, make_user, roles, contest):
    make_user(email="staff@example.com", roles=roles)
    auth.login("staff@example.com")
    response = client.get("/admin/duplicates")
    assert response.status_code == 200
    assert vi("No duplicates found.") in response.get_data(as_text=True)


def test_page_shows_pairs_side_by_side_with_links_to_the_review_pages(as_moderator, pairs):
    html = as_moderator.get("/admin/duplicates?scope=all").get_data(as_text=True)
    a, b, c, d, e = (pairs[name].code for name in "ABCDE")
    for code in (a, b, c, e):
        assert f'href="/admin/entries/{code}"' in html
    assert d not in html
    assert html.index(vi("Exact copy")) < html.index(vi("Near copy")), "exact pairs first"
    assert vi("%(bits)d of 64 bits differ", bits=2) in html
    assert "Canon EOS R6" in html and "4000×3000" in html
    assert html.count('name="verdict" value="not_duplicate"') == 3  # A–C exact, A–B and C–E near


def test_current_contest_scope_leaves_out_pairs_of_other_contests_only(as_moderator, pairs):
    html = as_moderator.get("/admin/duplicates").get_data(as_text=True)
    assert pairs["A"].code in html and pairs["C"].code in html  # A–C has a side in the current contest
    assert pairs["E"].code not in html  # C–E is all in the other contest
    assert html.count('name="verdict" value="not_duplicate"') == 2


def test_post_without_csrf_is_refused(as_moderator, pairs):
    a, b = pairs["A"].files[0].asset_id, pairs["B"].files[0].asset_id
    response = as_moderator.post(
        "/admin/duplicates/decide", data={"asset_a": a, "asset_b": b, "verdict": "not_duplicate", "scope": "all"}
    )
    assert response.status_code == 400
    assert db.session.scalar(select(DuplicateDecision)) is None


def test_not_duplicate_hides_the_pair_and_is_audited(as_moderator, pairs):
    a, b = pairs["A"].files[0].asset_id, pairs["B"].files[0].asset_id
    token = csrf_from(as_moderator.get("/admin/duplicates?scope=all").get_data(as_text=True))
    response = as_moderator.post(
        "/admin/duplicates/decide",
        data={"csrf_token": token, "asset_a": b, "asset_b": a, "verdict": "not_duplicate", "note": " Khác "}
        | {"scope": "all"},
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/duplicates?scope=all")
    decision = db.session.scalar(select(DuplicateDecision))
    assert decision.verdict == DuplicateVerdict.NOT_DUPLICATE
    assert (decision.asset_a_id, decision.asset_b_id) == tuple(sorted((a, b)))
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "duplicate.decide"))
    assert record.after["verdict"] == "not_duplicate" and record.reason == "Khác"

    html = as_moderator.get("/admin/duplicates?scope=all").get_data(as_text=True)
    assert html.count('name="verdict" value="not_duplicate"') == 2
    assert vi("Your decision is recorded: %(verdict)s.", verdict=vi("Not a duplicate")) in html


def test_duplicate_verdict_keeps_the_pair_shown_as_confirmed(as_moderator, pairs):
    a, c = pairs["A"].files[0].asset_id, pairs["C"].files[0].asset_id
    token = csrf_from(as_moderator.get("/admin/duplicates").get_data(as_text=True))
    data = {"csrf_token": token, "asset_a": a, "asset_b": c, "verdict": "duplicate", "scope": "current"}
    assert as_moderator.post("/admin/duplicates/decide", data=data).status_code == 302
    html = as_moderator.get("/admin/duplicates").get_data(as_text=True)
    assert vi("Confirmed duplicate") in html
    assert html.count('name="verdict" value="not_duplicate"') == 2


def test_bad_verdicts_and_unknown_assets_are_refused(as_moderator, pairs):
    a, b = pairs["A"].files[0].asset_id, pairs["B"].files[0].asset_id
    token = csrf_from(as_moderator.get("/admin/duplicates").get_data(as_text=True))
    base = {"csrf_token": token, "asset_a": a, "asset_b": b, "scope": "all"}
    assert as_moderator.post("/admin/duplicates/decide", data=base | {"verdict": "maybe"}).status_code == 400
    unknown = base | {"verdict": "duplicate", "asset_b": "0" * 32}
    assert as_moderator.post("/admin/duplicates/decide", data=unknown).status_code == 404
    same = base | {"verdict": "duplicate", "asset_b": a}
    assert as_moderator.post("/admin/duplicates/decide", data=same).status_code == 400
    assert db.session.scalar(select(DuplicateDecision)) is None
