"""Human renderings of a message (plain text and Markdown) shared by e-mail and the chat robots.

The payload keys used, when present: ``text`` (plain body), ``markdown`` (Markdown body),
``url`` (link to the warning), ``level`` (e.g. ``red``). Without ``text``, the payload's scalar
entries are listed as ``key: value`` lines so nothing is silently dropped.
"""

from __future__ import annotations

from typing import Any

from forewarn.notify.channels.base import Message

_SCALARS = (str, int, float, bool)


def _listing(payload: dict[str, Any]) -> str:
    skip = {"text", "markdown", "url"}
    lines = [
        f"{key}: {value}"
        for key, value in sorted(payload.items())
        if key not in skip and isinstance(value, _SCALARS)
    ]
    return "\n".join(lines)


def link(message: Message, base_url: str | None = None) -> str | None:
    """The payload's ``url``, made absolute with `base_url` when it is a path (``/warnings/7``)."""
    url = message.payload.get("url")
    if not isinstance(url, str) or not url:
        return None
    if url.startswith("/") and base_url:
        return base_url.rstrip("/") + url
    return url


def text_body(message: Message, base_url: str | None = None) -> str:
    """Plain-text body: the payload's ``text`` (or a listing), then the link, if any."""
    text = message.payload.get("text")
    body = text if isinstance(text, str) and text else _listing(message.payload)
    url = link(message, base_url)
    if url:
        body = f"{body}\n\n{url}" if body else url
    return body


def markdown_body(message: Message, *, heading: str = "###", base_url: str | None = None) -> str:
    """Markdown: the subject as a heading, the body, and a link to the warning."""
    md = message.payload.get("markdown")
    if isinstance(md, str) and md:
        body = md
    else:
        text = message.payload.get("text")
        body = text if isinstance(text, str) and text else _listing(message.payload)
    parts = [f"{heading} {message.subject}".strip(), body]
    url = link(message, base_url)
    if url:
        parts.append(f"[详情 Details]({url})")
    return "\n\n".join(p for p in parts if p)


def truncate_utf8(text: str, max_bytes: int) -> str:
    """`text` cut to at most `max_bytes` UTF-8 bytes on a character boundary (with an ellipsis)."""
    raw = text.encode("utf-8")
    if len(raw) <= max_bytes:
        return text
    cut = raw[: max(0, max_bytes - 3)].decode("utf-8", errors="ignore")
    return cut + "…"
