"""The hash chain, pure: canonical JSON of an entry and its SHA-256 over the previous hash."""

from __future__ import annotations

import base64
import enum
import hashlib
import json
import math
from collections.abc import Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

GENESIS = "0" * 64
"""The `prev_hash` of the first entry."""

FIELDS = ("id", "at", "actor", "client", "action", "entity", "entity_id", "before", "after")


def jsonable(value: Any) -> Any:
    """`value` as plain JSON data (datetimes as ISO 8601, non-finite floats as strings)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat() if value.tzinfo else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return jsonable(value.value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return sorted((jsonable(v) for v in value), key=repr)
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    return str(value)


def canonical(entry: Mapping[str, Any]) -> str:
    """Canonical JSON of the hashed fields of `entry` plus its `prev_hash`."""
    doc = {name: jsonable(entry.get(name)) for name in FIELDS}
    at = entry["at"]
    doc["at"] = at.astimezone(UTC).isoformat(timespec="microseconds")
    doc["prev_hash"] = entry["prev_hash"]
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(entry: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the canonical JSON of `entry` (which names its predecessor's hash)."""
    return hashlib.sha256(canonical(entry).encode("utf-8")).hexdigest()
