"""Atom index of CAP messages: well-formed, newest first, each entry linking to its CAP file."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from lxml import etree

from forewarn.publish.atom import CAP_MEDIA_TYPE, FeedEntry, atom_time, build_feed

A = {"a": "http://www.w3.org/2005/Atom"}
T0 = datetime(2026, 5, 1, 8, 0, 0, 500000, tzinfo=UTC)


def entry(n: int, minutes: int, msg_type: str = "Alert") -> FeedEntry:
    return FeedEntry(
        entry_id=f"http://fw.example/feeds/cap/forewarn.{n}.1.xml",
        title=f"橙色预警 {n}",
        summary=f"区域 {n}",
        cap_url=f"http://fw.example/feeds/cap/forewarn.{n}.1.xml",
        sent=T0 + timedelta(minutes=minutes),
        first_sent=T0,
        severity="Severe",
        msg_type=msg_type,
        author="甘肃省应急管理厅",
    )


def test_feed_lists_entries_newest_first_with_cap_links():
    xml = build_feed(
        [entry(1, 0), entry(2, 30, "Update"), entry(3, 10, "Cancel")],
        feed_id="http://fw.example/feeds/cap.atom",
        title="forewarn public warnings",
        self_url="http://fw.example/feeds/cap.atom",
        author="forewarn",
        updated=T0 + timedelta(minutes=30),
    )
    assert xml.startswith(b"<?xml version='1.0' encoding='utf-8'?>")
    feed = etree.fromstring(xml)
    assert feed.tag == "{http://www.w3.org/2005/Atom}feed"
    assert feed.findtext("a:updated", namespaces=A) == "2026-05-01T08:30:00Z"
    assert feed.find("a:link", namespaces=A).get("rel") == "self"
    entries = feed.findall("a:entry", namespaces=A)
    assert [e.findtext("a:title", namespaces=A) for e in entries] == [
        "橙色预警 2",
        "橙色预警 3",
        "橙色预警 1",
    ]
    link = entries[0].find("a:link", namespaces=A)
    assert (link.get("rel"), link.get("type")) == ("alternate", CAP_MEDIA_TYPE)
    assert link.get("href") == "http://fw.example/feeds/cap/forewarn.2.1.xml"
    assert entries[0].findtext("a:published", namespaces=A) == "2026-05-01T08:00:00Z"
    terms = entries[1].xpath("a:category/@term", namespaces=A)
    assert terms == ["Severe", "Cancel"]
    assert entries[0].findtext("a:author/a:name", namespaces=A) == "甘肃省应急管理厅"


def test_empty_feed_is_valid_atom():
    xml = build_feed([], feed_id="urn:x", title="t", self_url="http://x/", author="a", updated=T0)
    feed = etree.fromstring(xml)
    assert feed.findall("a:entry", namespaces=A) == []
    assert feed.findtext("a:id", namespaces=A) == "urn:x"


def test_atom_time_is_utc_with_z():
    assert atom_time(datetime(2026, 5, 1, 16, 0, tzinfo=UTC)) == "2026-05-01T16:00:00Z"
