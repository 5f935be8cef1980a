"""E-mail over SMTP (standard library): one plain-text message per notification.

The message carries ``X-Forewarn-Idempotency-Key`` and a ``Message-ID`` derived from the key,
so a receiving system (or a person's client) can recognise a repeat of the same notification.
"""

from __future__ import annotations

import hashlib
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from forewarn.notify.channels.base import IDEMPOTENCY_HEADER, Message, Outcome
from forewarn.notify.channels.render import text_body


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to submit mail."""

    host: str = "localhost"
    port: int = 25
    sender: str = "forewarn@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    ssl: bool = False
    timeout_s: float = 10.0
    base_url: str | None = None


def message_id(idempotency_key: str, sender: str) -> str:
    """A stable ``Message-ID`` for a notification (same key, same id)."""
    digest = hashlib.sha256(idempotency_key.encode("utf-8")).hexdigest()[:32]
    domain = parseaddr(sender)[1].rpartition("@")[2] or "forewarn.invalid"
    return f"<{digest}@{domain}>"


def build_email(message: Message, config: SmtpConfig) -> EmailMessage:
    """The e-mail for `message`, addressed to ``message.target``."""
    mail = EmailMessage()
    mail["From"] = config.sender
    mail["To"] = message.target
    mail["Subject"] = message.subject
    mail["Date"] = format_datetime(message.created_at)
    mail["Message-ID"] = message_id(message.idempotency_key, config.sender)
    mail[IDEMPOTENCY_HEADER] = message.idempotency_key
    mail.set_content(text_body(message, config.base_url))
    return mail


def _smtp_failure(exc: smtplib.SMTPException) -> Outcome:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in exc.recipients.values()]
        detail = f"recipient refused: {exc.recipients}"
        return (
            Outcome.permanent(detail) if all(c >= 500 for c in codes) else Outcome.transient(detail)
        )
    code = getattr(exc, "smtp_code", None)
    detail = f"SMTP {code}: {exc}" if code else f"SMTP: {exc}"
    if isinstance(code, int) and code >= 500:
        return Outcome.permanent(detail)
    return Outcome.transient(detail)


@dataclass
class EmailChannel:
    """Submit e-mail to an SMTP server; 5xx answers are permanent, the rest retried."""

    config: SmtpConfig
    name: str = "email"

    def _connect(self) -> smtplib.SMTP:
        cfg = self.config
        if cfg.ssl:
            return smtplib.SMTP_SSL(cfg.host, cfg.port, timeout=cfg.timeout_s)
        smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout_s)
        if cfg.starttls:
            smtp.starttls()
        return smtp

    def send(self, message: Message) -> Outcome:
        """Submit the e-mail of `message`."""
        if "@" not in parseaddr(message.target)[1]:
            return Outcome.permanent(f"not an e-mail address: {message.target!r}")
        try:
            with self._connect() as smtp:
                if self.config.username:
                    smtp.login(self.config.username, self.config.password or "")
                smtp.send_message(build_email(message, self.config))
        except smtplib.SMTPException as exc:
            return _smtp_failure(exc)
        except (TimeoutError, OSError) as exc:
            return Outcome.transient(f"{type(exc).__name__}: {exc}")
        return Outcome.delivered(f"accepted by {self.config.host}:{self.config.port}")
