"""Reach statistics: visitor labels from headers, the atomic counter, share clicks, the public and organisers' pages."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

import pytest
from flask import Request, Response
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from werkzeug.test import EnvironBuilder

from app.auth.models import Role
from app.core.timeutil import to_local, utcnow
from app.entries.models import EntryStatus
from app.extensions import db
from app.gallery.models import EntryVoteCount, ReachCount, ReachEvent, Vote
from app.gallery.services import reach
from app.gallery.views.reach import record_view
from tests.admin_moderation.conftest import vi

BROWSER = "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/126 Mobile Safari/537.36"


def make_request(**headers) -> Request:
    headers.setdefault("User-Agent", BROWSER)
    return Request(EnvironBuilder(base_url="https://thi.nghean.vn/", headers=headers).get_environ())


def counts() -> list[tuple]:
    return db.session.execute(
        select(ReachCount.event, ReachCount.entry_id, ReachCount.language, ReachCount.country, ReachCount.referrer,
               ReachCount.count).order_by(ReachCount.id)
    ).all()


# ---------------------------------------------------------------------------- labels from headers (pure)


@pytest.mark.parametrize(
    "agent, bot",
    [
        (BROWSER, False),
        ("", True),
        (None, True),
        ("   ", True),
        ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", True),
        ("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", True),
        ("Mozilla/5.0 (compatible; YandexSpider)", True),
        ("SomeCrawler/3", True),
        ("Slack link preview", True),
    ],
)
def test_is_bot_knows_crawlers_previews_and_empty_agents(agent, bot):
    assert reach.is_bot(agent) is bot


@pytest.mark.parametrize(
    "header, language",
    [
        ("vi-VN,vi;q=0.9,en;q=0.8", "vi"),
        ("en-US,en;q=0.9", "en"),
        ("EN_gb", "en"),
        ("fr-FR,fr;q=0.9,en;q=0.5", "en"),  # one of our languages is accepted: it wins
        ("ja-JP,ja;q=0.9", "ja"),
        ("zh-Hant-TW;q=0.8, ko;q=0.9", "ko"),  # by quality, not by order
        ("*", ""),
        ("", ""),
        (None, ""),
        ("x-klingon-1234567890", ""),
        ("q=;;;,,", ""),
        ("\x00\xff", ""),
    ],
)
def test_visitor_language_prefers_our_languages_then_the_first_primary_subtag(header, language):
    assert reach.visitor_language(header) == language


@pytest.mark.parametrize(
    "value, country",
    [("VN", "VN"), (" us ", "US"), ("vn", "VN"), ("XX", ""), ("T1", ""), ("VNM", ""), ("", ""), (None, ""), ("V", "")],
)
def test_visitor_country_is_two_letters_or_nothing(value, country):
    assert reach.visitor_country(value) == country


@pytest.mark.parametrize(
    "referer, host",
    [
        ("https://www.Facebook.com/some/post?fbclid=1", "facebook.com"),
        ("https://m.facebook.com/", "m.facebook.com"),
        ("http://user:secret@zalo.me:8080/path", "zalo.me"),
        ("https://thi.nghean.vn/gallery/x", ""),  # our own site
        ("https://www.thi.nghean.vn/", ""),
        ("", ""),
        (None, ""),
        ("android-app://com.google.android.gm/", ""),
        ("javascript:alert(1)", ""),
        ("http://[::1]/", ""),
        ("https://exa mple.com/", ""),
        ("https://" + "a" * 200 + ".com/", "a" * 120),
    ],
)
def test_referrer_host_is_another_sites_host_only(referer, host):
    assert reach.referrer_host(referer, "thi.nghean.vn:443") == host


# ---------------------------------------------------------------------------- the counter


def test_record_reach_increments_one_row_per_key(app_ctx, voting_contest, make_public_entries):
    entry = make_public_entries(1)[0]
    visitor = make_request(**{"Accept-Language": "en-US", "Referer": "https://www.facebook.com/x"})
    for _ in range(3):
        assert reach.record_reach(voting_contest, ReachEvent.ENTRY_VIEW, entry=entry, request=visitor)
    reach.record_reach(voting_contest, ReachEvent.ENTRY_VIEW, entry=entry, request=make_request())
    reach.record_reach(voting_contest, ReachEvent.GALLERY_VIEW, request=visitor)
    db.session.commit()
    assert counts() == [
        ("entry_view", entry.id, "en", "", "facebook.com", 3),
        ("entry_view", entry.id, "", "", "", 1),
        ("gallery_view", 0, "en", "", "facebook.com", 1),
    ]


def test_bots_are_not_counted(app_ctx, voting_contest):
    assert not reach.record_reach(voting_contest, ReachEvent.GALLERY_VIEW, request=make_request(**{"User-Agent": ""}))
    assert not reach.record_reach(
        voting_contest, ReachEvent.GALLERY_VIEW, request=make_request(**{"User-Agent": "Googlebot/2.1"})
    )
    assert counts() == []


def test_country_is_read_only_from_the_configured_header(app_ctx, voting_contest, monkeypatch):
    visitor = make_request(**{"CF-IPCountry": "vn"})
    reach.record_reach(voting_contest, ReachEvent.GALLERY_VIEW, request=visitor)
    monkeypatch.setitem(app_ctx.config, "REACH_COUNTRY_HEADER", "CF-IPCountry")
    reach.record_reach(voting_contest, ReachEvent.GALLERY_VIEW, request=visitor)
    db.session.commit()
    assert [row.country for row in counts()] == ["", "VN"]


def test_the_day_is_the_contests_local_day(app_ctx, voting_contest):
    evening_utc = datetime(2025, 7, 14, 18, 0, tzinfo=UTC)  # 01:00 on 15 July in Vinh
    reach.record_reach(voting_contest, ReachEvent.GALLERY_VIEW, request=make_request(), now=evening_utc)
    db.session.commit()
    assert db.session.scalar(select(ReachCount.day)) == date(2025, 7, 15)


def test_an_entry_of_another_contest_is_refused(app_ctx, voting_contest, make_public_entries):
    entry = make_public_entries(1)[0]
    entry.contest_id = voting_contest.id + 1
    with pytest.raises(ValueError):
        reach.record_reach(voting_contest, ReachEvent.ENTRY_VIEW, entry=entry, request=make_request())


def test_record_view_counts_after_the_page_is_built_and_not_failed_pages(app, app_ctx, voting_contest):
    with app.test_request_context("/gallery/x", headers={"User-Agent": BROWSER}):
        record_view(voting_contest)
        assert counts() == []  # nothing yet: the page is still being built
        app.process_response(Response("page"))
    with app.test_request_context("/gallery/x", headers={"User-Agent": BROWSER}):
        record_view(voting_contest)
        app.process_response(Response("oops", status=500))
    with app.test_request_context("/gallery/x", method="HEAD", headers={"User-Agent": BROWSER}):
        record_view(voting_contest)
        app.process_response(Response(""))
    db.session.rollback()
    assert counts() == [("gallery_view", 0, "", "", "", 1)]


@pytest.fixture
def buffered(app, monkeypatch):
    """Views tallied for a minute before they are written, as in production (a fresh tally for this test)."""
    monkeypatch.setitem(app.config, "REACH_VIEW_FLUSH_SECONDS", 60)
    app.extensions.pop("reach_view_tally", None)
    yield reach.view_tally(app)
    app.extensions.pop("reach_view_tally", None)


def test_views_are_tallied_then_written_in_one_batch(
    app, app_ctx, client, voting_contest, make_public_entries, buffered
):
    (entry,) = make_public_entries(1)
    for _ in range(3):
        assert client.get(f"/gallery/{voting_contest.slug}", headers={"User-Agent": BROWSER}).status_code == 200
    client.get(f"/gallery/{voting_contest.slug}/{entry.code}", headers={"User-Agent": BROWSER, "Accept-Language": "en"})
    db.session.rollback()
    assert counts() == []  # held in memory until the period is over
    buffered._last_flush -= 61
    client.get(f"/gallery/{voting_contest.slug}", headers={"User-Agent": BROWSER})  # the next view writes the lot
    db.session.rollback()
    assert sorted(counts()) == [("entry_view", entry.id, "en", "", "", 1), ("gallery_view", 0, "", "", "", 4)]


def test_the_statistics_page_writes_this_workers_tally_first(app, app_ctx, client, voting_contest, buffered):
    client.get(f"/gallery/{voting_contest.slug}", headers={"User-Agent": BROWSER})
    html = client.get(f"/statistics/{voting_contest.slug}").get_data(as_text=True)
    assert '<dd data-total="gallery_views">1</dd>' in html


def test_a_failed_flush_keeps_the_views_for_the_next_one(app, app_ctx, voting_contest, buffered):
    good = (voting_contest.id, reach.contest_day(voting_contest), ReachEvent.GALLERY_VIEW, 0, "vi", "", "")
    bad = (999_999, reach.contest_day(voting_contest), ReachEvent.GALLERY_VIEW, 0, "vi", "", "")
    buffered.add(good)
    buffered.add(bad)  # a contest that does not exist: the database refuses the batch
    with pytest.raises(IntegrityError):
        buffered.flush()
    assert counts() == [] and sum(buffered._counts.values()) == 2  # nothing half-written, nothing lost
    buffered._counts.pop(bad)
    assert buffered.flush() == 1
    db.session.rollback()
    assert [c[:2] for c in counts()] == [("gallery_view", 0)]


def test_concurrent_increments_lose_nothing_on_postgresql(app, app_ctx, voting_contest, make_public_entries):
    """20 threads × 10 increments of the same counter row, each in its own transaction: exactly 200."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("needs PostgreSQL's concurrent transactions (SQLite has a single writer)")
    entry = make_public_entries(1)[0]
    contest_id, entry_id = voting_contest.id, entry.id
    db.session.commit()
    start = threading.Barrier(20)
    errors: list[str] = []

    def visitor():
        start.wait(10)  # before touching the database: 20 sessions share a pool of 15 connections
        with app.test_request_context("/", headers={"User-Agent": BROWSER, "Accept-Language": "vi"}):
            try:
                for _ in range(10):
                    contest = db.session.get(type(voting_contest), contest_id)
                    shared = db.session.get(type(entry), entry_id)
                    reach.record_reach(contest, ReachEvent.ENTRY_VIEW, entry=shared)
                    db.session.commit()
            except Exception as error:  # reported by the assertion below
                errors.append(repr(error))
            finally:
                db.session.rollback()
                db.session.remove()

    threads = [threading.Thread(target=visitor) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    db.session.expire_all()
    assert db.session.scalar(select(func.sum(ReachCount.count))) == 200
    assert db.session.scalar(select(func.count(ReachCount.id))) == 1


# ---------------------------------------------------------------------------- share clicks


def test_share_click_counts_and_redirects_with_the_encoded_entry_url(
    app, app_ctx, client, voting_contest, make_public_entries
):
    entry = make_public_entries(1)[0]
    slug, code = voting_contest.slug, entry.code
    entry_url = f"http://localhost/gallery/{slug}/{code}"
    answer = client.get(f"/gallery/{slug}/{code}/share/facebook", headers={"User-Agent": BROWSER})
    assert answer.status_code in (302, 303)
    assert answer.headers["Location"] == "https://www.facebook.com/sharer/sharer.php?u=" + quote(entry_url, safe="")
    answer = client.get(f"/gallery/{slug}/{code}/share/zalo", headers={"User-Agent": BROWSER})
    assert answer.headers["Location"] == "https://sp.zalo.me/share_to?url=" + quote(entry_url, safe="")
    answer = client.get(f"/gallery/{slug}/{code}/share/x", headers={"User-Agent": BROWSER})
    assert answer.headers["Location"] == "https://twitter.com/intent/tweet?url=" + quote(entry_url, safe="")
    assert client.get(f"/gallery/{slug}/{code}/share/myspace", headers={"User-Agent": BROWSER}).status_code == 404
    db.session.expire_all()
    assert counts() == [("share", entry.id, "", "", "", 3)]


def test_share_click_of_a_work_not_in_the_gallery_is_404_and_counts_nothing(
    app_ctx, client, voting_contest, make_public_entries
):
    entry = make_public_entries(1)[0]
    entry.status = EntryStatus.REJECTED
    db.session.commit()
    answer = client.get(f"/gallery/{voting_contest.slug}/{entry.code}/share/facebook", headers={"User-Agent": BROWSER})
    assert answer.status_code == 404
    assert client.get(f"/gallery/{voting_contest.slug}/NOPE-1/share/zalo").status_code == 404
    db.session.expire_all()
    assert counts() == []


# ---------------------------------------------------------------------------- the public page


def add_votes(contest, entry, voters, *, valid: int, voided: int = 0, day: date | None = None):
    """Valid and voided votes for an entry, with its counter row, written directly."""
    day = day or to_local(utcnow(), contest.timezone).date()
    for n, voter in enumerate(voters[: valid + voided]):
        db.session.add(
            Vote(contest_id=contest.id, entry_id=entry.id, voter_id=voter.id, day=day, quota_key=f"e{entry.id}",
                 slot=1, is_valid=n < valid)
        )
    db.session.add(EntryVoteCount(entry_id=entry.id, contest_id=contest.id, valid_votes=valid, voided_votes=voided))
    db.session.commit()


def test_public_page_shows_daily_vote_totals_but_no_per_entry_votes_while_hidden(
    app_ctx, client, voting_contest, make_public_entries, make_voter
):
    entry = make_public_entries(1)[0]
    add_votes(voting_contest, entry, [make_voter() for _ in range(4)], valid=3, voided=1)
    reach.record_reach(voting_contest, ReachEvent.ENTRY_VIEW, entry=entry, request=make_request())
    db.session.commit()
    html = client.get(f"/statistics/{voting_contest.slug}").get_data(as_text=True)
    assert '<dd data-total="votes">3</dd>' in html  # valid votes only
    assert '<dd data-total="entry_views">1</dd>' in html
    assert "reach-most-voted" not in html and entry.code not in html and entry.title_vi not in html
    assert "<svg" in html and "style=" not in html

    voting_contest.vote_counts_visible = True
    db.session.commit()
    html = client.get(f"/statistics/{voting_contest.slug}").get_data(as_text=True)
    assert f'data-code="{entry.code}"' in html
    assert '<span class="reach-count">3</span>' in html


def test_public_page_breaks_views_down_by_language_country_and_referrer(
    app_ctx, client, voting_contest, monkeypatch
):
    monkeypatch.setitem(app_ctx.config, "REACH_COUNTRY_HEADER", "CF-IPCountry")
    visitors = [("vi", "VN", "https://facebook.com/")] * 3 + [("ja", "JP", "https://zalo.me/")] * 2 + [("en", "", "")]
    for language, country, referer in visitors:
        request = make_request(**{"Accept-Language": language, "CF-IPCountry": country, "Referer": referer})
        reach.record_reach(voting_contest, ReachEvent.GALLERY_VIEW, request=request)
    db.session.commit()
    html = client.get(f"/statistics/{voting_contest.slug}").get_data(as_text=True)
    assert '<tr data-label="vi"><th scope="row">vi</th><td>3</td>' in html
    assert '<tr data-label="ja"><th scope="row">ja</th><td>2</td>' in html
    assert f'<tr data-label=""><th scope="row">{vi("Unknown")}</th><td>1</td>' in html  # the country of the third
    assert '<tr data-label="facebook.com"><th scope="row">facebook.com</th><td>3</td>' in html
    assert '<dd data-total="gallery_views">6</dd>' in html


def test_breakdowns_keep_the_top_ten_and_sum_the_rest_as_other(app_ctx, voting_contest):
    languages = [f"l{chr(97 + n)}" for n in range(13)]  # la, lb, ... 13 languages
    for n, language in enumerate(languages):
        for _ in range(n + 1):
            request = make_request(**{"Accept-Language": language})
            reach.record_reach(voting_contest, ReachEvent.GALLERY_VIEW, request=request)
    db.session.commit()
    figures = reach.reach_figures(voting_contest, reach.default_period(voting_contest))
    assert [part.label for part in figures.languages[:10]] == languages[::-1][:10]
    assert figures.languages[10] == reach.Part("other", 1 + 2 + 3)
    assert sum(part.count for part in figures.languages) == sum(range(1, 14))


def test_public_page_is_404_before_the_gallery_opens(app_ctx, client, voting_contest):
    voting_contest.voting_open_at = utcnow() + timedelta(days=1)
    voting_contest.results_at = utcnow() + timedelta(days=9)
    db.session.commit()
    assert client.get(f"/statistics/{voting_contest.slug}").status_code == 404


def test_pages_run_a_constant_number_of_queries(
    app_ctx, client, auth, make_user, voting_contest, make_public_entries, make_voter, count_queries
):
    voting_contest.vote_counts_visible = True
    db.session.commit()
    moderator = make_user(email="reach-mod@example.com", roles=(Role.MODERATOR,))
    auth.login(moderator.email)
    paths = [f"/statistics/{voting_contest.slug}", "/admin/reach"]

    def queries() -> list[int]:
        measured = []
        for path in paths:
            with count_queries() as counter:
                assert client.get(path).status_code == 200
            measured.append(counter.count)
        return measured

    entries = make_public_entries(2)
    add_votes(voting_contest, entries[0], [make_voter()], valid=1)
    reach.record_reach(voting_contest, ReachEvent.ENTRY_VIEW, entry=entries[0], request=make_request())
    db.session.commit()
    few = queries()
    more = make_public_entries(8)
    voters = [make_voter() for _ in range(5)]
    yesterday = to_local(utcnow(), voting_contest.timezone).date() - timedelta(days=1)
    for n, entry in enumerate(more):
        add_votes(voting_contest, entry, voters, valid=n % 5 + 1, day=yesterday)
        for language in ("vi", "en", "ko", "fr"):
            request = make_request(**{"Accept-Language": language, "Referer": f"https://site{n}.example/"})
            reach.record_reach(voting_contest, ReachEvent.ENTRY_VIEW, entry=entry, request=request)
            reach.record_reach(voting_contest, ReachEvent.SHARE, entry=entry, request=request)
    db.session.commit()
    assert queries() == few


# ---------------------------------------------------------------------------- the organisers' page


def test_admin_reach_page_needs_a_moderator(app_ctx, client, auth, make_user, voting_contest):
    assert client.get("/admin/reach").status_code == 302
    assert "/auth/login" in client.get("/admin/reach").headers["Location"]
    entrant = make_user(email="entrant-reach@example.com")
    auth.login(entrant.email)
    assert client.get("/admin/reach").status_code == 403
    assert client.get("/admin/reach.csv").status_code == 403


def test_admin_reach_page_shows_top_entries_and_filters_by_period(
    app_ctx, client, auth, make_user, voting_contest, make_public_entries
):
    first, second = make_public_entries(2)
    for _ in range(3):
        reach.record_reach(voting_contest, ReachEvent.ENTRY_VIEW, entry=second, request=make_request())
    reach.record_reach(voting_contest, ReachEvent.ENTRY_VIEW, entry=first, request=make_request())
    reach.record_reach(voting_contest, ReachEvent.SHARE, entry=first, request=make_request())
    db.session.commit()
    auth.login(make_user(email="reach-mod@example.com", roles=(Role.MODERATOR,)).email)
    html = client.get("/admin/reach").get_data(as_text=True)
    viewed = html[html.index('id="reach-most-viewed"'):]
    assert viewed.index(second.code) < viewed.index(first.code)
    assert f'data-code="{first.code}"' in html[html.index('id="reach-most-shared"'):]

    long_ago = "2020-01-01"
    html = client.get(f"/admin/reach?from={long_ago}&to=2020-01-31").get_data(as_text=True)
    assert '<dd data-total="entry_views">0</dd>' in html
    html = client.get("/admin/reach?from=2025-13-01").get_data(as_text=True)
    assert vi("Enter the first day as YYYY-MM-DD.") in html
    assert '<dd data-total="entry_views">4</dd>' in html  # the default period, shown with the error
    html = client.get("/admin/reach?from=2025-02-01&to=2025-01-01").get_data(as_text=True)
    assert vi("The last day must not be before the first day.") in html
    assert client.get("/admin/reach.csv?from=nonsense").status_code == 400


def test_admin_csv_has_a_bom_the_counters_and_neutralised_formulas(
    app_ctx, client, auth, make_user, voting_contest, make_public_entries, make_voter
):
    entry = make_public_entries(1)[0]
    voters = [make_voter(), make_voter()]
    today = to_local(utcnow(), voting_contest.timezone).date()
    request = make_request(**{"Accept-Language": "vi"})
    reach.record_reach(voting_contest, ReachEvent.ENTRY_VIEW, entry=entry, request=request)
    # A row no request could make (labels are validated): the CSV must still not hand a formula to a spreadsheet.
    db.session.add(ReachCount(contest_id=voting_contest.id, day=today, event=ReachEvent.GALLERY_VIEW, entry_id=0,
                              language="", country="", referrer="=HYPERLINK(\"x\")", count=2))
    add_votes(voting_contest, entry, voters, valid=2)
    auth.login(make_user(email="reach-mod@example.com", roles=(Role.MODERATOR,)).email)
    answer = client.get("/admin/reach.csv")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert "attachment" in answer.headers["Content-Disposition"]
    body = answer.get_data()
    assert body.startswith("\ufeff".encode())
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(vi(h) for h in ("Day", "Event", "Entry", "Language", "Country", "Referring site",
                                                 "Number"))
    assert f"{today.isoformat()},entry_view,{entry.code},vi,,,1" in lines
    assert f'{today.isoformat()},gallery_view,,,,"\'=HYPERLINK(""x"")",2' in lines
    assert f"{today.isoformat()},vote,{entry.code},,,,2" in lines
