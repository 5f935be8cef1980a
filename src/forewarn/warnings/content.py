"""The content Chinese rules require of a warning release (pure).

Type (预警类别), level (预警级别), start time (起始时间), affected area (可能影响范围),
what to watch (警示事项), measures to take (应采取的措施), issuing department (发布机关) and
time of issue (发布时间); and, when the warning is lifted, the lifting (解除).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from forewarn.common import Level
from forewarn.timeutil import iso

LEVEL_ZH = {1: "蓝色", 2: "黄色", 3: "橙色", 4: "红色"}
LEVEL: dict[int | None, Level] = {int(lv): lv for lv in Level}  # rank -> Level (None: None)
LABEL: dict[int | None, str] = {int(lv): lv.label for lv in Level}  # rank -> "blue".."red"


def annotations_of(explanation: Mapping[str, Any]) -> dict[str, str]:
    """The rule's annotations carried in a signal's explanation (``annotations`` or
    ``rule.annotations``); only string values are kept."""
    found = explanation.get("annotations")
    rule = explanation.get("rule")
    if not isinstance(found, Mapping) and isinstance(rule, Mapping):
        found = rule.get("annotations")
    if not isinstance(found, Mapping):
        return {}
    return {str(k): str(v) for k, v in found.items() if isinstance(v, str | int | float)}


def level_text(level: Level | None) -> str:
    """``II 橙色 orange`` (empty for no level)."""
    return "" if level is None else _LEVEL_TEXT[level]


_LEVEL_TEXT = {lv: f"{lv.roman} {LEVEL_ZH[int(lv)]} {lv.label}" for lv in Level}


def release_content(
    *,
    rule: str,
    title: str,
    level: Level | None,
    started_at: datetime,
    issued_at: datetime | None,
    area: list[dict[str, str]],
    annotations: Mapping[str, str],
    issuer: dict[str, str] | None,
) -> dict[str, Any]:
    """The release content of a warning as JSON."""
    return {
        "type": annotations.get("type") or annotations.get("category") or title or rule,
        "level": level.label if level else None,
        "level_text": level_text(level),
        "start_time": iso(started_at),
        "area": area,
        "watch": annotations.get("watch") or annotations.get("description") or "",
        "measures": annotations.get("measures") or annotations.get("instruction") or "",
        "issuer": issuer,
        "issued_at": iso(issued_at) if issued_at else None,
        "lifting": None,
    }


def with_level(content: Mapping[str, Any], level: Level | None) -> dict[str, Any]:
    """The content after a level change."""
    return {**content, "level": level.label if level else None, "level_text": level_text(level)}


def current_content(content: Mapping[str, Any], level: int | None) -> dict[str, Any]:
    """The stored content with the warning's current level (content is written once)."""
    if not content:
        return {}
    return with_level(content, Level(level) if level else None)


def lifted(content: Mapping[str, Any], *, at: datetime, by: str, reason: str) -> dict[str, Any]:
    """The content with its lifting (time, who, why)."""
    return {**content, "lifting": {"time": at.isoformat(), "by": by, "reason": reason}}
