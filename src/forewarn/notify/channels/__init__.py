"""Notification channels, one module each, and `build_channels` that wires them from settings."""

from __future__ import annotations

import httpx
from sqlalchemy.orm import Session, sessionmaker

from forewarn.clock import Clock
from forewarn.config import Settings
from forewarn.notify.channels.base import Channel, Message, Outcome
from forewarn.notify.channels.dingtalk import DingTalkChannel
from forewarn.notify.channels.email import EmailChannel, SmtpConfig
from forewarn.notify.channels.inapp import InAppChannel
from forewarn.notify.channels.webhook import WebhookChannel
from forewarn.notify.channels.wecom import WeComChannel

WEBHOOK = "webhook"
EMAIL = "email"
WECOM = "wecom"
DINGTALK = "dingtalk"
INAPP = "inapp"
CHANNEL_NAMES = (WEBHOOK, EMAIL, WECOM, DINGTALK, INAPP)

__all__ = [
    "CHANNEL_NAMES",
    "DINGTALK",
    "EMAIL",
    "INAPP",
    "WEBHOOK",
    "WECOM",
    "Channel",
    "Message",
    "Outcome",
    "build_channels",
    "smtp_config",
]


def smtp_config(settings: Settings) -> SmtpConfig | None:
    """The SMTP settings, or None when no SMTP host is configured."""
    if not settings.smtp_host:
        return None
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    return SmtpConfig(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_from,
        username=settings.smtp_username,
        password=password,
        starttls=settings.smtp_starttls,
        ssl=settings.smtp_ssl,
        timeout_s=settings.notify_timeout_s,
        base_url=settings.public_base_url,
    )


def build_channels(
    settings: Settings,
    *,
    sessions: sessionmaker[Session],
    client: httpx.Client,
    clock: Clock | None = None,
) -> dict[str, Channel]:
    """Every configured channel by name (e-mail only when an SMTP host is set)."""
    base = settings.public_base_url
    default_secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    channels: dict[str, Channel] = {
        WEBHOOK: WebhookChannel(
            client,
            secret=default_secret,
            secrets={u: s.get_secret_value() for u, s in settings.webhook_secrets.items()},
            base_url=base,
        ),
        WECOM: WeComChannel(client, base_url=base),
        DINGTALK: DingTalkChannel(
            client,
            secrets={u: s.get_secret_value() for u, s in settings.dingtalk_secrets.items()},
            clock=clock,
            base_url=base,
        ),
        INAPP: InAppChannel(sessions),
    }
    smtp = smtp_config(settings)
    if smtp is not None:
        channels[EMAIL] = EmailChannel(smtp)
    return channels
