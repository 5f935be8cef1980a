"""Display helpers for the templates: levels, times in the display zone, names by language."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_timedelta

from forewarn.common import Level
from forewarn.warnings.titles import english_title
from forewarn.web.i18n import BABEL_LOCALE, N_


@dataclass(frozen=True)
class LevelView:
    """How a level is shown: colour key, Roman grade, Chinese colour character, English name.

    Colour never stands alone: every badge carries the grade and the name, and the map adds a
    pattern and a thicker outline as levels rise (see ``static/js/levels.js``).
    """

    rank: int
    key: str
    roman: str
    zh: str
    name: str


LEVELS: dict[int, LevelView] = {
    1: LevelView(1, "blue", "IV", "蓝", N_("Blue")),
    2: LevelView(2, "yellow", "III", "黄", N_("Yellow")),
    3: LevelView(3, "orange", "II", "橙", N_("Orange")),
    4: LevelView(4, "red", "I", "红", N_("Red")),
}

ANNOTATION_NAMES: dict[str, str] = {
    "title": N_("Title"),
    "summary": N_("Summary"),
    "type": N_("Type"),
    "watch": N_("What to watch"),
    "description": N_("What to watch"),
    "measures": N_("Measures to take"),
    "instruction": N_("Measures to take"),
}
"""Rule annotations (message templates) as people read them (other keys are shown as they are)."""

DETECTOR_NAMES: dict[str, str] = {
    "threshold": N_("threshold"),
    "silence": N_("missing data"),
    "rate": N_("rate of change"),
    "window": N_("sum over a window"),
    "cusum": N_("CUSUM change detection"),
    "ewma": N_("EWMA change detection"),
    "seasonal": N_("seasonal baseline"),
    "farrington": N_("Farrington outbreak detection"),
    "ears": N_("EARS outbreak detection"),
    "linkage": N_("linked warnings"),
    "anomaly": N_("anomaly score"),
}
"""Detectors as people read them (the code stays beside the name for analysts)."""

CAUSE_NAMES: dict[str, str] = {
    "reading": N_("a reading"),
    "for": N_("held for its delay"),
    "keep_firing_for": N_("calm for its delay"),
    "missing_data": N_("missing data"),
    "silence": N_("no data arrived"),
    "members": N_("its member warnings"),
    "rule_removed": N_("its rule was taken out of the rules file"),
}
"""What made a rule change state, as people read it."""

DELIVERY_KINDS = (
    "notification_queued", "notification_delivered", "notification_failed", "muted", "reminder",
)  # fmt: skip
"""Time-line entries about notices rather than the warning: folded away until asked for."""

SYSTEM_NAMES: dict[str, str] = {
    # receivers the platform defines (a policy's own receivers are shown by their name)
    "responsible": N_("responsible department"),
    "parent": N_("parent department"),
    "grandparent": N_("grandparent department"),
    # what a notification reports
    "activated": N_("activated"),
    "reactivated": N_("re-activated"),
    "level_raised": N_("level raised"),
    "level_lowered": N_("level lowered"),
    "resolved": N_("resolved"),
    "lifted": N_("lifted"),
    "reminder": N_("reminder"),
    "escalation": N_("escalation"),
    # channels
    "inapp": N_("in-app"),
    "email": N_("e-mail"),
    "webhook": N_("webhook"),
    "wecom": N_("WeCom"),
    "dingtalk": N_("DingTalk"),
    # actors that are not people
    "system": N_("system"),
    "engine": N_("detection engine"),
}
"""Codes the time line shows, as people read them (other values are shown as they are)."""

STATUS_NAMES: dict[str, str] = {
    "pending": N_("pending"),
    "active": N_("active"),
    "acknowledged": N_("acknowledged"),
    "resolved": N_("resolved"),
    "lifted": N_("lifted"),
}

EVENT_NAMES: dict[str, str] = {
    "pending": N_("pending"),
    "activated": N_("activated"),
    "level_changed": N_("level changed"),
    "resolved": N_("resolved"),
    "reactivated": N_("re-activated"),
    "acknowledged": N_("acknowledged"),
    "assigned": N_("assigned"),
    "commented": N_("comment"),
    "lifted": N_("lifted"),
    "escalated": N_("escalated"),
    "flapping_started": N_("flapping started"),
    "flapping_stopped": N_("flapping stopped"),
    "notification_queued": N_("notification queued"),
    "notification_delivered": N_("notification delivered"),
    "notification_failed": N_("notification failed"),
    "muted": N_("notification muted"),
    "reminder": N_("reminder"),
    "silenced": N_("notifications silenced"),
    "silence_expired": N_("silence expired"),
    "cap_issued": N_("CAP message issued"),
    "publication_drafted": N_("public release drafted"),
    "publication_approved": N_("public release approved"),
    "heartbeat_missed": N_("heartbeat missed"),
}
"""Time-line event kinds as people read them (unknown kinds are shown as they are)."""


def level_view(level: int | Level | None) -> LevelView | None:
    """The view of a level rank (1 blue .. 4 red), None for no level."""
    return LEVELS.get(int(level)) if level is not None else None


def parse_level(text: str | None) -> Level | None:
    """A level from a filter value (``red``, ``II``); None when empty or unknown (a bare number too:
    ``1`` is Level I, red, to some readers and the first rung, blue, to others)."""
    if not text:
        return None
    try:
        return Level.parse(text)
    except ValueError:
        return None


def local(at: datetime | None, tz: ZoneInfo) -> datetime | None:
    """`at` in the display zone."""
    return at.astimezone(tz) if at is not None else None


def fmt_time(at: datetime | None, tz: ZoneInfo, *, seconds: bool = False) -> str:
    """``2026-05-01 14:05`` in the display zone (empty for None)."""
    if at is None:
        return ""
    return at.astimezone(tz).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def fmt_iso(text: str | None, tz: ZoneInfo) -> str:
    """An ISO 8601 time from stored JSON shown like `fmt_time` (unparseable text as it is)."""
    if not text:
        return ""
    try:
        return fmt_time(datetime.fromisoformat(text), tz)
    except ValueError:
        return text


def fmt_ago(at: datetime | None, now: datetime, lang: str) -> str:
    """``5 minutes ago`` / ``5分钟前`` relative to `now`."""
    if at is None:
        return ""
    return format_timedelta(at - now, add_direction=True, locale=BABEL_LOCALE[lang])


def fmt_span(seconds: float, lang: str) -> str:
    """``30 minutes`` / ``30分钟``: a duration for people."""
    return format_timedelta(timedelta(seconds=seconds), locale=BABEL_LOCALE[lang])


def fmt_number(value: float | None) -> str:
    """A reading for people: four significant digits, two decimals at most above 1000."""
    if value is None:
        return "–"
    if abs(value) >= 1000:
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{value:.4g}"


def title_of(warning: Any, lang: str) -> str:
    """A warning's title in `lang` (English when its rule has an English name)."""
    if lang == "zh":
        return str(warning.title)
    return english_title(warning.title, warning.explanation) or str(warning.title)


def name_of(obj: Any, lang: str) -> str:
    """The name of a catalogue object in `lang` (regions and sites are named in Chinese, with
    ``name_en``; fields and indicators in English, with ``name_zh``)."""
    if obj is None:
        return ""
    local = getattr(obj, "name_zh" if lang == "zh" else "name_en", None)
    return str(local or obj.name)
