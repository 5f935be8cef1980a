"""A warning's title in English, when its rule has an English name (``name_en``).

Titles are stored in the deployment's language, as the rule names them; a title that forewarn
made itself (``<rule name> — <where>``, no ``title`` annotation) can be said in English from what
the warning stores: its rule's English name, carried in the detector's explanation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

SEPARATOR = " — "


def default_title(rule_name: str, where: str | None) -> str:
    """``<rule name> — <where>``, or the rule name alone."""
    return f"{rule_name}{SEPARATOR}{where}" if where else rule_name


def english_title(title: str, explanation: Mapping[str, Any] | None) -> str | None:
    """`title` with the rule's English name instead of its own, or None when the rule has no
    English name or the title was written by the rule (an annotation), not made from its name."""
    if not explanation:
        return None
    name, name_en = explanation.get("rule_name"), explanation.get("rule_name_en")
    if not isinstance(name, str) or not isinstance(name_en, str) or not name:
        return None
    if title == name:
        return name_en
    if title.startswith(name + SEPARATOR):
        return name_en + title[len(name) :]
    return None
