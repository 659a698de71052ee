"""The canonical results: one byte form whatever the key order, everything the results stand on, and the
`flask jury verify-results` check that catches a stored text changed after publication."""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import select, update

from app.entries.models import Entry
from app.extensions import db
from app.jury import services
from app.jury.models import ResultsPublication, RoundEntry
from tests.jury import test_prizes_views
from tests.jury.test_prizes_views import publish

judged = test_prizes_views.judged  # the fixture, shared with the prize desk tests


def reversed_keys(value):
    """The same data with every mapping's keys inserted in reverse order."""
    if isinstance(value, dict):
        return {key: reversed_keys(value[key]) for key in reversed(list(value))}
    if isinstance(value, list):
        return [reversed_keys(item) for item in value]
    return value


def test_canonical_bytes_are_the_same_for_the_same_database(judged):
    judged.finalise()
    services.award_prize(judged.prize(1), judged.entries[0], judged.chair)
    db.session.commit()
    once = services.canonical_bytes(services.canonical_results(judged.contest))
    db.session.expire_all()
    again = services.canonical_bytes(services.canonical_results(judged.contest))
    assert once == again
    results = services.canonical_results(judged.contest)
    assert list(reversed_keys(results)) != list(results)
    assert services.canonical_bytes(reversed_keys(results)) == once
    assert once.decode() == json.dumps(json.loads(once), sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def test_canonical_results_hold_the_method_the_rules_and_every_judged_score(judged):
    judged.finalise()
    services.award_prize(judged.prize(2), judged.entries[1], judged.chair, tie_note="Biểu quyết 2-1")
    db.session.commit()
    results = services.canonical_results(judged.contest)
    photo = next(c for c in results["categories"] if c["slug"] == judged.entries[0].category.slug)
    assert [r["position"] for r in photo["rounds"]] == [1, 2]
    for record, round_ in zip(photo["rounds"], (judged.first, judged.final), strict=True):
        assert record["method"] == services.ranking_method(round_).value
        assert record["advance_rule"] == round_.advance_rule
        assert record["criteria"] == [{"name_en": c.name_en, "weight": c.weight} for c in round_.criteria]
        judged_codes = set(
            db.session.scalars(
                select(Entry.code)
                .join(RoundEntry, RoundEntry.entry_id == Entry.id)
                .where(RoundEntry.round_id == round_.id)
            )
        )
        assert {e["code"] for e in record["entries"]} == judged_codes
        assert all(e["mean"] is not None and e["jurors"] == 2 for e in record["entries"])
    assert judged.first.advance_rule  # the first round's advancement was recorded in words
    assert {e["code"] for e in photo["rounds"][0]["entries"] if e["advanced"]} == {e.code for e in judged.entries[:3]}
    means = {e["code"]: e["mean"] for e in photo["rounds"][1]["entries"]}
    assert means == {judged.entries[0].code: 9.0, judged.entries[1].code: 7.5, judged.entries[2].code: 7.5}
    [prize] = results["prizes"]
    assert prize["code"] == judged.entries[1].code
    assert (prize["tie_note"], prize["final_rank"], prize["prize_category"]) == ("Biểu quyết 2-1", 2, photo["slug"])
    assert judged.entries[1].entrant.email not in services.canonical_bytes(results).decode()


def test_published_text_is_the_canonical_bytes_and_hashes_to_the_stored_sha256(judged):
    publication = publish(judged, (1, 0, ""))
    expected = services.canonical_bytes(services.canonical_results(judged.contest))
    assert publication.canonical_json.encode() == expected
    assert publication.sha256 == hashlib.sha256(expected).hexdigest()
    assert services.is_intact(publication)


def test_verify_results_reports_each_version_intact(judged, runner):
    first = publish(judged, (1, 0, ""))
    second = services.publish_results(judged.contest, judged.chair, "lần 2")
    db.session.commit()
    result = runner.invoke(args=["jury", "verify-results", judged.contest.slug])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("v1 ") and first.sha256 in lines[0] and lines[0].endswith(" ok")
    assert lines[1].startswith("v2 ") and second.sha256 in lines[1] and lines[1].endswith(" ok")


def test_verify_results_detects_a_tampered_row(judged, runner):
    publication = publish(judged, (1, 0, ""))
    tampered = publication.canonical_json.replace(judged.entries[0].code, judged.entries[1].code)
    assert tampered != publication.canonical_json
    db.session.execute(
        update(ResultsPublication).where(ResultsPublication.id == publication.id).values(canonical_json=tampered)
    )
    db.session.commit()
    result = runner.invoke(args=["jury", "verify-results", judged.contest.slug])
    assert result.exit_code == 1
    assert "MISMATCH" in result.output and publication.sha256 in result.output


def test_verify_results_without_publication_or_contest(judged, runner):
    result = runner.invoke(args=["jury", "verify-results", judged.contest.slug])
    assert result.exit_code == 0 and "no results published yet" in result.output
    assert runner.invoke(args=["jury", "verify-results", "no-such-contest"]).exit_code != 0
