"""Mail goes through the job queue: the "mail.deliver" job delivers plain strings, and a failure
that may pass (the server down) raises RetryLater so the backend tries again."""

from __future__ import annotations

import smtplib
import socket

import pytest

from app.auth.models import User
from app.core.mail import MAIL_JOB, deliver_mail, send_mail_after_commit
from app.extensions import db
from app.jobs import REGISTRY, RetryLater


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


def test_the_delivery_job_is_registered_on_the_default_queue():
    assert REGISTRY[MAIL_JOB].queue == "default"
    assert REGISTRY[MAIL_JOB].func is deliver_mail


def test_the_job_writes_the_outbox(app_ctx, outbox):
    deliver_mail("an@example.com", "Chào", "Nghệ An\n")
    (mail,) = outbox()
    assert (mail["to"], mail["subject"], mail["body"]) == ("an@example.com", "Chào", "Nghệ An\n")


def test_an_unreachable_server_asks_for_a_retry(app_ctx, monkeypatch, outbox):
    monkeypatch.setitem(app_ctx.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app_ctx.config, "MAIL_PORT", closed_port())
    with pytest.raises(RetryLater) as caught:
        deliver_mail("an@example.com", "Chào", "Nghệ An\n")
    assert caught.value.delay_s > 0
    assert outbox() == []


def test_a_refused_address_is_not_retried(app_ctx, monkeypatch):
    def refuse(app, message):
        raise smtplib.SMTPRecipientsRefused({message.to: (550, b"no such user")})

    monkeypatch.setattr("app.core.mail.deliver", refuse)
    deliver_mail("nobody@example.com", "Chào", "Nghệ An\n")  # logged, not raised


def test_mail_waits_for_the_commit_and_is_dropped_on_rollback(app_ctx, make_user, outbox):
    user = db.session.get(User, make_user().id)  # a transaction is open, as in a request
    send_mail_after_commit("deletion_requested", user.email, "vi", user=user)
    assert outbox() == []
    db.session.rollback()
    db.session.commit()
    assert outbox() == []
    send_mail_after_commit("deletion_requested", user.email, "vi", user=user)
    db.session.commit()
    assert [m["to"] for m in outbox()] == [user.email]
