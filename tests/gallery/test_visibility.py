"""When the public sees the gallery, authors' names and vote counts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.contest.models import ContestStatus
from app.entries.models import EntryStatus
from app.extensions import db
from app.gallery import services


def test_gallery_opens_with_voting_and_only_for_a_published_contest(app_ctx, voting_contest):
    now = voting_contest.voting_open_at
    assert services.gallery_is_open(voting_contest, now)
    assert not services.gallery_is_open(voting_contest, now - timedelta(seconds=1))
    voting_contest.status = ContestStatus.DRAFT
    assert not services.gallery_is_open(voting_contest, now)


def test_voting_window_is_half_open(app_ctx, voting_contest):
    assert services.voting_is_open(voting_contest, voting_contest.voting_open_at)
    assert not services.voting_is_open(voting_contest, voting_contest.voting_close_at)
    assert services.voting_has_closed(voting_contest, voting_contest.voting_close_at)


def test_authors_and_counts_stay_hidden_until_their_moment(app_ctx, voting_contest):
    during = voting_contest.voting_open_at + timedelta(hours=1)
    assert not services.authors_are_public(voting_contest, during)
    assert services.authors_are_public(voting_contest, voting_contest.results_at)
    assert not services.counts_are_public(voting_contest, during)
    voting_contest.vote_counts_visible = True
    assert services.counts_are_public(voting_contest, during)


def test_only_accepted_entries_are_public(app_ctx, voting_contest, make_public_entries):
    entry = make_public_entries(1)[0]
    assert services.public_entry(voting_contest, entry.code) == entry
    assert services.is_gallery_asset(entry.files[0].asset_id)
    entry.status = EntryStatus.REJECTED
    db.session.commit()
    with pytest.raises(services.PublicEntryNotFound):
        services.public_entry(voting_contest, entry.code)
    assert not services.is_gallery_asset(entry.files[0].asset_id)


def test_entries_keep_folded_copies_for_search_through_every_change(app_ctx, voting_contest, make_public_entries):
    entry = make_public_entries(1)[0]
    assert entry.search_text.split("\n")[0] == "binh minh tren song lam"
    assert entry.author_search == "tran thi binh"
    entry.title_vi, entry.place, entry.credit_name = "Chợ phiên Kỳ Sơn", "Kỳ Sơn", "Lê Đức Anh"
    db.session.commit()
    assert entry.search_text.split("\n") == ["cho phien ky son", "dawn on the lam river", "ky son"]
    assert entry.author_search == "le duc anh"
