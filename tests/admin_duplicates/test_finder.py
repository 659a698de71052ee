"""Finding duplicates among real processed photos, across contests, and organisers' verdicts on them.

The photos go through the processing job (app.media.tasks.process_asset), so the perceptual hash
and SHA-256 are the ones the pipeline computes.
"""

from __future__ import annotations

import functools

import pytest
from sqlalchemy import select

from app.audit.models import AuditRecord
from app.auth.models import Role
from app.entries.models import DuplicateDecision, DuplicateVerdict, EntryKind
from app.entries.services import NotAPair, decide_duplicate, duplicate_report, find_duplicate_pairs, withdraw_entry
from app.extensions import db
from app.media.images import NEAR_DUPLICATE_DISTANCE, hamming_distance, phash_file, phash_image
from app.media.models import MediaAsset, MediaKind, ProcessingState
from app.media.services import current_storage
from tests.admin_duplicates.pictures import (
    brightened,
    cropped_evenly,
    jpeg_bytes,
    recompressed,
    resized,
    scene,
)
from tests.entries.conftest import submit

SINGLE = EntryKind.SINGLE_PHOTO
SIZE = (1200, 800)


def pairs_by_assets(refs) -> dict[frozenset, object]:
    return {frozenset((ref.asset_a_id, ref.asset_b_id)): ref for ref in refs}


@functools.cache
def scenario_files() -> dict[str, bytes]:
    """The JPEG bytes of the scenario's five photos, made once per test run."""
    picture = scene(1, SIZE)
    original = jpeg_bytes(picture, quality=92)
    return {
        "original": original,
        "resized": jpeg_bytes(recompressed(resized(picture, 0.5), 40), quality=90),
        "cropped": jpeg_bytes(cropped_evenly(picture, 0.05), quality=90),
        "exact": original,
        "unrelated": jpeg_bytes(scene(2, SIZE), quality=92),
    }


@pytest.fixture
def scenario(relaxed_photo, other_photo, make_entrant, pending_photo, run_processing, moderator):
    """Five entrants, two contests, every photo processed by the pipeline:

    original (current contest), resized + recompressed copy (other contest), 5 %-cropped copy
    (current contest), exact copy of the original's bytes (other contest), an unrelated photo.
    """
    categories = {"original": relaxed_photo, "resized": other_photo, "cropped": relaxed_photo}
    categories |= {"exact": other_photo, "unrelated": relaxed_photo}
    entries, assets = {}, {}
    for name, data in scenario_files().items():
        category = categories[name]
        owner = make_entrant(email=f"{name}@example.com")
        assets[name] = pending_photo(owner, data)
        entries[name] = submit(owner, category, SINGLE, assets[name])
        db.session.commit()
    run_processing(*assets.values())
    assets = {name: db.session.get(MediaAsset, asset.id) for name, asset in assets.items()}
    assert all(asset.state == ProcessingState.READY for asset in assets.values())
    return entries, assets


@pytest.fixture
def moderator(make_entrant):
    """A committed moderator."""
    return make_entrant(email="mod@example.com", full_name="Lê Văn Duyệt", roles=(Role.MODERATOR,))


def test_processing_computes_the_perceptual_hash(scenario, tmp_path):
    _, assets = scenario
    original = assets["original"]
    assert original.phash is not None and len(original.phash) == 16
    path = tmp_path / "original.jpg"
    current_storage().download_to(original.original.key, path)
    assert original.phash == phash_file(path)


def test_copies_across_contests_are_found_and_the_unrelated_photo_is_not(scenario):
    _, assets = scenario
    found = pairs_by_assets(find_duplicate_pairs())
    ids = {name: asset.id for name, asset in assets.items()}
    for pair, kind in [
        (("original", "exact"), "exact"),
        (("original", "resized"), "near"),
        (("original", "cropped"), "near"),
        (("exact", "resized"), "near"),
        (("exact", "cropped"), "near"),
    ]:
        ref = found[frozenset(ids[name] for name in pair)]
        assert ref.kind == kind, pair
        print(f"\n{pair}: {ref.kind}, {ref.distance} bits")
    assert all(ids["unrelated"] not in key for key in found)
    # The exact pair is not also reported as a near pair.
    assert len([r for r in found.values() if {r.asset_a_id, r.asset_b_id} == {ids["original"], ids["exact"]}]) == 1


def test_exact_pairs_come_first_then_by_distance(scenario):
    refs = find_duplicate_pairs()
    assert refs[0].kind == "exact" and refs[0].distance == 0
    near = [ref.distance for ref in refs if ref.kind == "near"]
    assert near == sorted(near)
    assert [ref.kind for ref in refs] == sorted(ref.kind for ref in refs)  # "exact" < "near"


def test_current_contest_filter_keeps_pairs_with_a_side_in_it(scenario, relaxed_photo, other_photo):
    entries, assets = scenario
    contest_of = {a.id: e.contest_id for e, a in zip(entries.values(), assets.values(), strict=True)}
    everything = find_duplicate_pairs()
    other_only = find_duplicate_pairs(other_photo.contest)
    assert other_only and len(other_only) < len(everything)
    assert all(other_photo.contest_id in (contest_of[r.asset_a_id], contest_of[r.asset_b_id]) for r in other_only)
    # The pair original (current) / cropped (current) has no side in the other contest.
    current_only = pairs_by_assets(find_duplicate_pairs(relaxed_photo.contest))
    assert frozenset((assets["original"].id, assets["cropped"].id)) in current_only


def test_report_loads_both_sides_earlier_entry_first(scenario, count_queries):
    entries, _ = scenario
    with count_queries() as counter:
        report = duplicate_report(limit=3)
        for pair in report.pairs:  # what the page reads
            for side in (pair.first, pair.second):
                _ = (side.entry.contest.name_vi, side.asset.original.size, side.asset.derivative("w480.webp"))
    assert counter.count <= 8, counter.statements
    assert report.total == 6 and len(report.pairs) == 3
    exact = report.pairs[0]
    assert exact.kind == "exact"
    assert (exact.first.entry.code, exact.second.entry.code) == (entries["original"].code, entries["exact"].code)


def test_not_duplicate_verdict_hides_the_pair_and_is_audited(scenario, moderator):
    entries, assets = scenario
    original, cropped = assets["original"], assets["cropped"]
    decide_duplicate(cropped, original, DuplicateVerdict.NOT_DUPLICATE, moderator, "Cùng địa điểm, khác tác giả")
    db.session.commit()

    found = pairs_by_assets(find_duplicate_pairs())
    assert frozenset((original.id, cropped.id)) not in found
    assert frozenset((original.id, assets["resized"].id)) in found, "other pairs stay"
    decision = db.session.scalar(select(DuplicateDecision))
    assert (decision.asset_a_id, decision.asset_b_id) == tuple(sorted((original.id, cropped.id)))
    assert decision.decided_by_id == moderator.id
    record = db.session.scalar(select(AuditRecord).where(AuditRecord.action == "duplicate.decide"))
    assert record.subject_type == "asset_pair"
    assert record.after["verdict"] == "not_duplicate"
    assert {record.after["asset_a"], record.after["asset_b"]} == {original.id, cropped.id}
    assert sorted(record.after["entries"]) == sorted([entries["original"].code, entries["cropped"].code])
    assert record.reason == "Cùng địa điểm, khác tác giả"
    assert record.actor_id == moderator.id


def test_duplicate_verdict_keeps_the_pair_marked_and_can_be_changed(scenario, moderator):
    _, assets = scenario
    original, resized_copy = assets["original"], assets["resized"]
    decide_duplicate(original, resized_copy, DuplicateVerdict.DUPLICATE, moderator)
    db.session.commit()
    report = duplicate_report()
    marked = [p for p in report.pairs if set(p.asset_ids) == {original.id, resized_copy.id}]
    assert marked and marked[0].verdict == DuplicateVerdict.DUPLICATE

    decide_duplicate(original, resized_copy, DuplicateVerdict.NOT_DUPLICATE, moderator, "nhầm")
    db.session.commit()
    assert db.session.scalar(select(DuplicateDecision.verdict)) == DuplicateVerdict.NOT_DUPLICATE
    records = db.session.scalars(select(AuditRecord).order_by(AuditRecord.id)).all()
    assert [r.before for r in records] == [{}, {"verdict": "duplicate"}]


def test_a_pair_needs_two_different_entered_files(scenario, moderator, make_asset):
    _, assets = scenario
    with pytest.raises(NotAPair):
        decide_duplicate(assets["original"], assets["original"], DuplicateVerdict.DUPLICATE, moderator)
    loose = make_asset(moderator)
    with pytest.raises(NotAPair):
        decide_duplicate(assets["original"], loose, DuplicateVerdict.DUPLICATE, moderator)


def test_withdrawn_entries_are_left_out(scenario):
    entries, assets = scenario
    withdraw_entry(entries["exact"])
    db.session.commit()
    found = find_duplicate_pairs()
    assert all(assets["exact"].id not in (r.asset_a_id, r.asset_b_id) for r in found)
    assert all(r.kind == "near" for r in found)


def test_similar_frames_of_one_series_are_not_a_pair(relaxed_photo, entrant, pending_photo, run_processing):
    picture = scene(7, SIZE)
    first = pending_photo(entrant, jpeg_bytes(picture))
    second = pending_photo(entrant, jpeg_bytes(brightened(picture, 1.05)))
    submit(entrant, relaxed_photo, EntryKind.PHOTO_SERIES, first, second)
    db.session.commit()
    run_processing(first, second)
    first, second = db.session.get(MediaAsset, first.id), db.session.get(MediaAsset, second.id)
    alike = hamming_distance(first.phash, second.phash) <= NEAR_DUPLICATE_DISTANCE
    assert alike, "close enough to be paired if they were in different entries"
    assert find_duplicate_pairs() == []


def test_backfill_command_hashes_photos_processed_before_hashes_existed(runner, make_asset, entrant):
    """`flask media phash --missing` fills the hash of older photos and leaves hashed ones alone."""
    picture = scene(3, (1200, 800))
    older = make_asset(entrant, data=jpeg_bytes(picture))
    hashed = make_asset(entrant, data=jpeg_bytes(scene(4, (1200, 800))))
    hashed.phash = "0123456789abcdef"
    video_id = make_asset(entrant, kind=MediaKind.VIDEO).id
    db.session.commit()
    older_id, hashed_id = older.id, hashed.id

    result = runner.invoke(args=["media", "phash", "--missing"])
    assert result.exit_code == 0, result.output
    assert "Hashed 1 photo(s)" in result.output
    db.session.expire_all()
    assert hamming_distance(db.session.get(MediaAsset, older_id).phash, phash_image(picture)) <= 2
    assert db.session.get(MediaAsset, hashed_id).phash == "0123456789abcdef"
    assert db.session.get(MediaAsset, video_id).phash is None

    result = runner.invoke(args=["media", "phash"])  # everything again
    assert "Hashed 2 photo(s)" in result.output
    db.session.expire_all()
    assert db.session.get(MediaAsset, hashed_id).phash != "0123456789abcdef"
