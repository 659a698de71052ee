"""The audit chain: records link to the one before, and any later edit or removal is detected."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.audit.models import GENESIS_HASH, AuditRecord
from app.audit.services import hash_of, record_decision, verify_chain
from app.auth.models import User
from app.extensions import db


@pytest.fixture
def chain(app_ctx, make_user):
    """Five committed records by one moderator."""
    actor = db.session.get(User, make_user(email="mod@example.com").id)
    ids = []
    for n in range(5):
        record = record_decision(
            actor,
            "entry.reject" if n % 2 else "entry.approve",
            "entry",
            f"HNA25-A-000{n}",
            before={"status": "received"},
            after={"status": "rejected" if n % 2 else "accepted"},
            reason="Ảnh không chụp tại Nghệ An" if n % 2 else "",
        )
        ids.append(record.id)
    db.session.commit()
    return ids


def test_an_untouched_chain_verifies(chain):
    result = verify_chain()
    assert result.ok and result.count == 5
    first = db.session.get(AuditRecord, chain[0])
    assert first.prev_hash == GENESIS_HASH
    assert all(
        db.session.get(AuditRecord, b).prev_hash == db.session.get(AuditRecord, a).record_hash
        for a, b in itertools.pairwise(chain)
    )


def test_an_edited_record_is_detected(chain):
    db.session.execute(text("UPDATE audit_records SET reason = 'Sửa lại cho đẹp' WHERE id = :id"), {"id": chain[3]})
    db.session.commit()
    db.session.expire_all()
    result = verify_chain()
    assert (result.ok, result.broken_id, result.problem, result.count) == (False, chain[3], "hash", 3)


def test_an_edit_that_also_rewrites_the_hash_breaks_the_next_link(chain):
    record = db.session.get(AuditRecord, chain[1])
    record.after = {"status": "accepted"}
    record.record_hash = hash_of(record)
    db.session.commit()
    result = verify_chain()
    assert (result.broken_id, result.problem) == (chain[2], "link")


def test_a_removed_record_is_detected(chain):
    db.session.execute(text("DELETE FROM audit_records WHERE id = :id"), {"id": chain[2]})
    db.session.commit()
    result = verify_chain()
    assert (result.broken_id, result.problem) == (chain[3], "link")


def test_two_records_cannot_follow_the_same_one(chain):
    last = db.session.get(AuditRecord, chain[-1])
    db.session.add(
        AuditRecord(
            at=last.at,
            actor_label="x",
            action="fork",
            subject_type="entry",
            subject_id="1",
            before={},
            after={},
            reason="",
            prev_hash=last.prev_hash,
            record_hash="f" * 64,
        )
    )
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_cli_verify_reports_intact_and_broken(app, runner, chain):
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "5 records" in ok.output
    db.session.execute(text("UPDATE audit_records SET action = 'entry.approve' WHERE id = :id"), {"id": chain[1]})
    db.session.commit()
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1
    assert f"record {chain[1]}" in broken.output
