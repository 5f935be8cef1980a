"""Atom 1.0 index of current CAP messages, as alert hubs read it: one entry per message,
each linking to the CAP document (``application/cap+xml``) at its public address."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

ATOM = "http://www.w3.org/2005/Atom"
CAP_MEDIA_TYPE = "application/cap+xml"


@dataclass(frozen=True)
class FeedEntry:
    """One CAP message in the feed."""

    entry_id: str
    title: str
    summary: str
    cap_url: str
    sent: datetime
    first_sent: datetime
    severity: str
    msg_type: str
    author: str


def atom_time(value: datetime) -> str:
    """RFC 3339 time in UTC with ``Z``."""
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _add(parent: ET.Element, name: str, text: str | None = None, **attrs: str) -> ET.Element:
    child = ET.SubElement(parent, name, attrs)
    if text is not None:
        child.text = text
    return child


def _entry(feed: ET.Element, item: FeedEntry) -> None:
    entry = _add(feed, "entry")
    _add(entry, "id", item.entry_id)
    _add(entry, "title", item.title)
    _add(entry, "updated", atom_time(item.sent))
    _add(entry, "published", atom_time(item.first_sent))
    _add(_add(entry, "author"), "name", item.author)
    _add(entry, "link", rel="alternate", type=CAP_MEDIA_TYPE, href=item.cap_url)
    _add(entry, "category", term=item.severity, label=f"severity {item.severity}")
    _add(entry, "category", term=item.msg_type, label=f"msgType {item.msg_type}")
    _add(entry, "summary", item.summary)


def build_feed(
    entries: Sequence[FeedEntry],
    *,
    feed_id: str,
    title: str,
    self_url: str,
    author: str,
    updated: datetime,
) -> bytes:
    """The Atom document of `entries` (newest first), UTF-8 with declaration."""
    # Plain names under an explicit xmlns: ElementTree's default_namespace refuses attributes.
    feed = ET.Element("feed", {"xmlns": ATOM})
    _add(feed, "id", feed_id)
    _add(feed, "title", title)
    _add(feed, "updated", atom_time(updated))
    _add(_add(feed, "author"), "name", author)
    _add(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    for item in sorted(entries, key=lambda e: e.sent, reverse=True):
        _entry(feed, item)
    ET.indent(feed, space="  ")
    xml: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return xml
