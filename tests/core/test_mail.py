"""Mail goes through a real SMTP server when one is configured, else into the outbox."""

from __future__ import annotations

import socket

import pytest
from aiosmtpd.controller import Controller

from app.core.mail import OutgoingMail, deliver, read_outbox


class Collector:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    handler = Collector()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield controller, handler
    controller.stop()


def test_deliver_sends_through_smtp_when_configured(app, smtp_server, monkeypatch):
    controller, handler = smtp_server
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", controller.port)
    monkeypatch.setitem(app.config, "MAIL_USE_TLS", False)
    deliver(app, OutgoingMail(to="an@example.com", subject="Mã xác nhận", body="Xin chào Nguyễn Văn An\n"))
    assert len(handler.envelopes) == 1
    envelope = handler.envelopes[0]
    assert envelope.rcpt_tos == ["an@example.com"]
    text = envelope.content.decode()
    assert "Subject: =?utf-8?" in text  # the Vietnamese subject is encoded, not mangled
    assert read_outbox(app.config["MAIL_OUTBOX_DIR"]) == []


def test_deliver_writes_outbox_without_smtp(app):
    deliver(app, OutgoingMail(to="an@example.com", subject="Chào", body="Nghệ An\n"))
    (mail,) = read_outbox(app.config["MAIL_OUTBOX_DIR"])
    assert mail["subject"] == "Chào" and mail["body"] == "Nghệ An\n"
