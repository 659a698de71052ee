"""People's Choice: from valid votes only, once voting has closed, with the contest's tie rule; published
with the jury's results, which cannot be published while voting is open."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from flask import render_template
from flask_babel import force_locale
from sqlalchemy import update

from app.contest.models import TieRule
from app.core.timeutil import utcnow
from app.entries.models import EntryKind, EntryStatus
from app.extensions import db
from app.gallery.models import Vote
from app.gallery.services import PeoplesChoiceNotReady, peoples_choice, peoples_choice_by_category
from app.jury.services import canonical_results, publish_results
from app.jury.services.errors import PrizeRefused
from tests.gallery import test_fraud
from tests.gallery.test_fraud import Crowd, add_vote

history_contest = test_fraud.history_contest  # the fixture, shared with the fraud tests


@pytest.fixture
def crowd(app_ctx) -> Crowd:
    return Crowd(random.Random(23), set())


@pytest.fixture
def closed(history_contest):
    """The contest right after its voting closed."""
    return history_contest.voting_close_at + timedelta(seconds=1)


def votes_at(entry, crowd: Crowd, hours: list[float]) -> list[Vote]:
    """One vote per listed hour (counted from ten days ago), each by a different voter."""
    base = utcnow() - timedelta(days=10)
    made = [add_vote(entry, crowd.person(base - timedelta(days=50)), base + timedelta(hours=h)) for h in hours]
    db.session.commit()
    return made


def test_peoples_choice_waits_for_voting_to_close(history_contest, make_public_entries, crowd, closed):
    [entry] = make_public_entries(1)
    votes_at(entry, crowd, [1, 2])
    with pytest.raises(PeoplesChoiceNotReady):
        peoples_choice(history_contest)
    result = peoples_choice(history_contest, closed)
    assert [e.id for e in result.entries] == [entry.id] and result.count == 2
    assert entry.code in str(result.explanation)


def test_only_valid_votes_for_accepted_entries_count(history_contest, make_public_entries, crowd, closed):
    first, second, third = make_public_entries(3)
    first_votes = votes_at(first, crowd, [1, 2, 3, 4, 5])
    votes_at(second, crowd, [1, 2, 3, 4])
    votes_at(third, crowd, [1, 2, 3, 4, 5, 6, 7])
    third.status = EntryStatus.DISQUALIFIED
    db.session.execute(update(Vote).where(Vote.id.in_([v.id for v in first_votes[:2]])).values(is_valid=False))
    db.session.commit()
    result = peoples_choice(history_contest, closed)
    assert [e.id for e in result.entries] == [second.id] and result.count == 4


def test_no_votes_means_no_winner(history_contest, make_public_entries, closed):
    make_public_entries(2)
    result = peoples_choice(history_contest, closed)
    assert (result.entries, result.count) == ([], 0)


def test_a_shared_tie_gives_every_tied_entry_the_award(history_contest, make_public_entries, crowd, closed):
    history_contest.peoples_choice_tie_rule = TieRule.SHARED
    first, second, third = make_public_entries(3)
    votes_at(first, crowd, [1, 5, 9])
    votes_at(second, crowd, [2, 3, 4])
    votes_at(third, crowd, [1, 2])
    result = peoples_choice(history_contest, closed)
    assert {e.id for e in result.entries} == {first.id, second.id} and result.count == 3
    assert result.rule is TieRule.SHARED and len(result.tied) == 2


@pytest.mark.parametrize("later_third_vote_first", [True, False])
def test_first_to_reach_picks_the_entry_whose_last_needed_vote_came_earlier(
    history_contest, make_public_entries, crowd, closed, later_third_vote_first
):
    history_contest.peoples_choice_tie_rule = TieRule.FIRST_TO_REACH
    first, second = make_public_entries(2)
    # `first` got its first vote earlier but reached 3 votes later (hour 9 against hour 4), or the reverse.
    votes_at(first, crowd, [0, 5, 9] if later_third_vote_first else [0, 1, 2])
    votes_at(second, crowd, [2, 3, 4])
    result = peoples_choice(history_contest, closed)
    winner = second if later_third_vote_first else first
    assert [e.id for e in result.entries] == [winner.id]
    assert {e.id for e in result.tied} == {first.id, second.id}
    assert result.reached_at[winner.id] < result.reached_at[(first if winner is second else second).id]
    assert winner.code in str(result.explanation)


def test_first_to_reach_ignores_voided_votes(history_contest, make_public_entries, crowd, closed):
    history_contest.peoples_choice_tie_rule = TieRule.FIRST_TO_REACH
    first, second = make_public_entries(2)
    early = votes_at(first, crowd, [0, 1, 2, 10])  # 3 valid once one early vote is voided: reached at hour 10
    votes_at(second, crowd, [3, 4, 5])
    db.session.execute(update(Vote).where(Vote.id == early[0].id).values(is_valid=False))
    db.session.commit()
    assert [e.id for e in peoples_choice(history_contest, closed).entries] == [second.id]


def test_per_category_gives_one_result_per_category(history_contest, make_public_entries, crowd, closed, video):
    [photo_entry, photo_other] = make_public_entries(2)
    [video_entry] = make_public_entries(1, category=video, kind=EntryKind.VIDEO)
    votes_at(photo_entry, crowd, [1, 2, 3])
    votes_at(photo_other, crowd, [1])
    votes_at(video_entry, crowd, [1, 2])
    results = {r.category.id: r for r in peoples_choice_by_category(history_contest, closed)}
    assert [e.id for e in results[photo_entry.category_id].entries] == [photo_entry.id]
    assert [e.id for e in results[video.id].entries] == [video_entry.id] and results[video.id].count == 2
    assert [e.id for e in peoples_choice(history_contest, closed).entries] == [photo_entry.id]


def test_results_cannot_be_published_while_voting_is_open(history_contest, moderators):
    with pytest.raises(PrizeRefused) as refused:
        publish_results(history_contest, moderators[0])
    with force_locale("en"):  # the message is lazy: read it in English whatever the request's language
        assert "People's Choice" in str(refused.value.message)


def test_canonical_results_carry_peoples_choice_once_voting_closed(history_contest, make_public_entries, crowd):
    first, second = make_public_entries(2)
    votes_at(first, crowd, [1, 2])
    votes_at(second, crowd, [3])
    assert "sections" not in canonical_results(history_contest)
    history_contest.voting_close_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    section = canonical_results(history_contest)["sections"]["peoples_choice"]
    assert section["rule"] == history_contest.peoples_choice_tie_rule.value
    assert section["valid_votes"] == 2 and section["tied"] == [first.code]
    assert [w["code"] for w in section["winners"]] == [first.code]
    assert section["winners"][0]["credit"] == first.credit_name
    html = render_template("jury/public_results_winners.html", groups=[], sections={"peoples_choice": section})
    assert 'id="peoples-choice"' in html and first.code in html
