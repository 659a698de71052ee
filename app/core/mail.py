"""Outgoing mail: SMTP when configured, otherwise an outbox folder and the log.

Messages are rendered while the request still has its language; once the transaction
commits, the rendered text (plain strings, so Celery can carry it as JSON) is handed to
the "mail.deliver" job, which delivers it and asks to be retried when the server fails.
"""

from __future__ import annotations

import json
import smtplib
import uuid
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from pathlib import Path

from flask import Flask, current_app, render_template
from flask_babel import force_locale

from app.core.timeutil import utcnow
from app.jobs import RetryLater, enqueue, job

MAIL_JOB = "mail.deliver"
# How long a message waits before another try when the mail server failed or was unreachable.
MAIL_RETRY_DELAY_S = 300


@dataclass(frozen=True)
class OutgoingMail:
    """A rendered message ready to be delivered."""

    to: str
    subject: str
    body: str


def render_mail(template: str, to: str, locale: str, **context) -> OutgoingMail:
    """Render templates/mail/<template>.txt in the recipient's language.

    The first line of the template is the subject; the rest is the body.
    """
    with force_locale(locale):
        text = render_template(f"mail/{template}.txt", **context)
    subject, _, body = text.strip().partition("\n")
    return OutgoingMail(to=to, subject=subject.strip(), body=body.strip() + "\n")


def send_mail_after_commit(template: str, to: str, locale: str, **context) -> None:
    """Render a message now; once the current transaction commits, queue its delivery."""
    message = render_mail(template, to, locale, **context)
    enqueue(MAIL_JOB, message.to, message.subject, message.body)


@job(MAIL_JOB, queue="default")
def deliver_mail(to: str, subject: str, body: str) -> None:
    """The delivery job: send one rendered message; a failure that may pass is retried later."""
    app = current_app._get_current_object()
    try:
        deliver(app, OutgoingMail(to=to, subject=subject, body=body))
    except smtplib.SMTPRecipientsRefused:
        # The server refused the address for good: trying again would fail the same way.
        app.logger.error("Mail to %s (%s) refused by the server; not retried", to, subject)
    except (smtplib.SMTPException, OSError) as error:
        raise RetryLater(MAIL_RETRY_DELAY_S, f"mail to {to}: {error}") from error


def deliver(app: Flask, message: OutgoingMail) -> None:
    """Send through SMTP, or write to the outbox folder when no server is configured."""
    if app.config["MAIL_SERVER"]:
        _deliver_smtp(app.config, message)
    else:
        path = _write_outbox(Path(app.config["MAIL_OUTBOX_DIR"]), message)
        app.logger.info("Mail to %s (%s) written to %s\n%s", message.to, message.subject, path, message.body)


def _deliver_smtp(config, message: OutgoingMail) -> None:
    email = EmailMessage()
    email["From"] = config["MAIL_DEFAULT_SENDER"]
    email["To"] = message.to
    email["Subject"] = message.subject
    email.set_content(message.body)
    with smtplib.SMTP(config["MAIL_SERVER"], config["MAIL_PORT"], timeout=30) as smtp:
        if config["MAIL_USE_TLS"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(email)


def _write_outbox(folder: Path, message: OutgoingMail) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
    path = folder / f"{stamp}-{uuid.uuid4().hex[:8]}.json"
    record = asdict(message) | {"sent_at": utcnow().isoformat()}
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def read_outbox(folder: Path) -> list[dict]:
    """Messages in the outbox, oldest first (used by tests and by newcomers)."""
    if not folder.exists():
        return []
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]
