"""The audit hash chain: canonical form, hashing, and how a broken link is named."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import pytest

from forewarn.audit.chain import GENESIS, canonical, entry_hash, jsonable
from forewarn.audit.verify import check_entry

AT = datetime(2026, 5, 1, 8, 0, 0, 123456, tzinfo=UTC)


def _entry(**kw):
    entry = {
        "id": 1,
        "at": AT,
        "actor": "user:alice",
        "client": "10.0.0.1",
        "action": "update",
        "entity": "sites",
        "entity_id": "3",
        "before": {"name": "旧"},
        "after": {"name": "新"},
        "prev_hash": GENESIS,
    } | kw
    entry["hash"] = entry_hash(entry)
    return entry


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (1.5, 1.5),
        (float("nan"), "nan"),
        (float("inf"), "inf"),
        (datetime(2026, 5, 1, 8, tzinfo=timezone(timedelta(hours=8))), "2026-05-01T00:00:00+00:00"),
        (Decimal("1.10"), "1.10"),
        ({1: {2}}, {"1": [2]}),
        ((1, "a"), [1, "a"]),
        (b"\x00\x01", "AAE="),
    ],
)
def test_jsonable(value, expected):
    assert jsonable(value) == expected


def test_canonical_is_independent_of_key_order_and_time_zone():
    a = _entry()
    b = dict(reversed(list(a.items())))
    b["at"] = AT.astimezone(timezone(timedelta(hours=8)))
    assert canonical(a) == canonical(b)
    assert entry_hash(a) == entry_hash(b)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("actor", "user:mallory"),
        ("client", None),
        ("action", "delete"),
        ("entity_id", "4"),
        ("before", {"name": "x"}),
        ("after", None),
        ("at", AT + timedelta(microseconds=1)),
        ("prev_hash", "1" * 64),
        ("id", 2),
    ],
)
def test_every_field_is_covered_by_the_hash(field, value):
    entry = _entry()
    assert entry_hash(entry | {field: value}) != entry["hash"]


def test_check_entry_names_what_is_wrong():
    first = _entry()
    second = _entry(id=2, prev_hash=first["hash"])
    assert check_entry(first, 0, GENESIS) is None
    assert check_entry(second, 1, first["hash"]) is None
    assert "jump" in check_entry(second, 0, GENESIS)
    assert "prev_hash" in check_entry(second | {"id": 1}, 0, GENESIS)
    altered = second | {"after": {"name": "篡改"}}
    assert "altered" in check_entry(altered, 1, first["hash"])
